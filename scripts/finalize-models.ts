/**
 * npx tsx scripts/finalize-models.ts [--n 500]
 * For each trained bundled model in public/models: scores it on the first N validation scenes
 * (COCO stats into the model card's `val`), and sets the card's suggested display threshold
 * `scoreThreshold` to the cut that maximises F1 of the shown detections over those scenes
 * (src/eval/displayThreshold.ts): the view opens on the objects and little else. Choosing this
 * threshold is the only use of the validation set beyond reporting it.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { useBackend } from '../src/backend/useBackend';
import { buildModel } from '../src/model/model';
import { readSafetensors } from '../src/checkpoint/safetensors';
import { detectScenes } from '../src/eval/evaluateModel';
import { evaluateDetections } from '../src/eval/cocoeval';
import { validationSet } from '../src/data/scene';
import { toCocoGroundTruth } from '../src/data/coco';
import { BUNDLED } from '../src/train/bundledConfigs';
import { chooseDisplayThreshold } from '../src/eval/displayThreshold';

const { values } = parseArgs({ options: { n: { type: 'string', default: '500' } } });

async function main() {
  await useBackend('wasm');
  const n = Number(values.n);
  for (const name of Object.keys(BUNDLED)) {
    const dir = join('public', 'models', name);
    if (!existsSync(join(dir, 'model.json'))) continue;
    const card = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    const model = buildModel(card.config, readSafetensors(readFileSync(join(dir, 'weights.safetensors'))).stateDict);
    const scenes = validationSet(n, undefined, { width: card.inputSize, height: card.inputSize });
    const dets = await detectScenes(model, scenes);
    const gt = toCocoGroundTruth(scenes);
    const stats = evaluateDetections(gt, dets);
    const choice = chooseDisplayThreshold(gt, dets);
    card.scoreThreshold = choice.threshold;
    card.scoreThresholdChoice = { f1: round3(choice.f1), precision: round3(choice.precision), recall: round3(choice.recall), rule: 'maximum F1 (right class, IoU >= 0.5) over the validation scenes, 0.05 grid' };
    card.val = { images: n, ...stats };
    writeFileSync(join(dir, 'model.json'), JSON.stringify(card, null, 2) + '\n');
    console.log(`${name}: AP ${stats.AP.toFixed(4)} AP50 ${stats.AP50.toFixed(4)} AP75 ${stats.AP75.toFixed(4)} AR100 ${stats.AR100.toFixed(4)} on ${n} scenes; scoreThreshold ${card.scoreThreshold} (F1 ${choice.f1.toFixed(3)}, precision ${choice.precision.toFixed(3)}, recall ${choice.recall.toFixed(3)})`);
    model.dispose();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
