/**
 * npx tsx scripts/finalize-models.ts [--n 500]
 * For each trained bundled model in public/models: scores it on the first N validation scenes
 * (COCO stats into the model card's `val`), and sets the card's suggested display threshold
 * `scoreThreshold` = the 5th percentile over those scenes of each image's highest score, rounded
 * down to 0.01 (so the view opens with at least its best box on 95% of generated scenes even
 * when an under-trained model's scores are low).
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { useBackend } from '../src/model/backends';
import { buildModel } from '../src/model/model';
import { readSafetensors } from '../src/weights/safetensors';
import { detectScenes } from '../src/eval/evaluateModel';
import { evaluateDetections } from '../src/eval/cocoeval';
import { validationSet } from '../src/data/scene';
import { toCocoGroundTruth } from '../src/data/coco';
import { BUNDLED } from '../src/train/bundledConfigs';

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
    const stats = evaluateDetections(toCocoGroundTruth(scenes), dets);
    const best = new Float64Array(scenes.length);
    for (const d of dets) best[d.image_id - 1] = Math.max(best[d.image_id - 1], d.score);
    best.sort();
    card.scoreThreshold = Math.floor(best[Math.floor(best.length * 0.05)] * 100) / 100;
    card.val = { images: n, ...stats };
    writeFileSync(join(dir, 'model.json'), JSON.stringify(card, null, 2) + '\n');
    console.log(`${name}: AP ${stats.AP.toFixed(4)} AP50 ${stats.AP50.toFixed(4)} AP75 ${stats.AP75.toFixed(4)} AR100 ${stats.AR100.toFixed(4)} on ${n} scenes; scoreThreshold ${card.scoreThreshold}`);
    model.dispose();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
