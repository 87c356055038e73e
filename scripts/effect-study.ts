/**
 * npx tsx scripts/effect-study.ts [--root public/models] [--n 200] [--out docs/effect-study.json]
 *
 * The convergence study of the training timeline: for every snapshot of the three bundled models
 * (<root>/<model>/snapshots/epoch-E, model.json + weights.safetensors), AP and AP50 on the first
 * N validation scenes, and per decoder layer the mean attention share inside the ground-truth
 * box and the mean normalised entropy over every object (src/eval/attentionStudy.ts). Writes the
 * numbers as JSON (snapshots already in it are not measured again: the numbers are a function of
 * the files) and prints the README's markdown table.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BUNDLED } from '../src/train/bundledConfigs';
import { buildModel } from '../src/model/model';
import type { ModelCard } from '../src/model/modelCard';
import { useBackend } from '../src/model/backends';
import { readSafetensors } from '../src/weights/safetensors';
import { validationSet } from '../src/data/scene';
import { toCocoGroundTruth } from '../src/data/coco';
import { evaluateDetections } from '../src/eval';
import type { CocoDetection } from '../src/eval';
import { attentionStudy, type LayerAttention } from '../src/eval/attentionStudy';

const { values } = parseArgs({
  options: {
    root: { type: 'string', default: join('public', 'models') },
    n: { type: 'string', default: '200' },
    out: { type: 'string', default: join('docs', 'effect-study.json') },
  },
});
const n = Number(values.n);
if (!Number.isInteger(n) || n < 1) throw new Error(`--n needs a positive integer, got ${values.n}`);

interface Row { model: string; epoch: number; AP: number; AP50: number; objects: number; layers: LayerAttention[] }
interface Study { note: string; scenes: number; rows: Row[] }

const outPath = values.out!;
const prior: Study = existsSync(outPath) ? (JSON.parse(readFileSync(outPath, 'utf8')) as Study) : { note: '', scenes: n, rows: [] };
const rows = prior.scenes === n ? prior.rows : [];
const round = (v: number) => Math.round(v * 1e4) / 1e4;

await useBackend('wasm');
for (const model of Object.keys(BUNDLED)) {
  const dir = join(values.root!, model, 'snapshots');
  if (!existsSync(dir)) continue;
  const epochs = readdirSync(dir).flatMap((d) => (/^epoch-\d+$/.test(d) ? [Number(d.slice(6))] : [])).sort((a, b) => a - b);
  for (const epoch of epochs) {
    if (rows.some((r) => r.model === model && r.epoch === epoch)) continue;
    const folder = join(dir, `epoch-${epoch}`);
    const card = JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8')) as ModelCard;
    const net = buildModel(card.config, readSafetensors(readFileSync(join(folder, 'weights.safetensors'))).stateDict);
    try {
      const size = card.inputSize ?? 160;
      const scenes = validationSet(n, undefined, { width: size, height: size });
      const study = await attentionStudy(net, scenes);
      const dets: CocoDetection[] = study.detections.flatMap((list, i) =>
        list.map((d) => ({ image_id: i + 1, category_id: d.label + 1, bbox: [d.box[0], d.box[1], d.box[2] - d.box[0], d.box[3] - d.box[1]], score: d.score })),
      );
      const stats = evaluateDetections(toCocoGroundTruth(scenes), dets);
      const row: Row = {
        model, epoch, AP: round(stats.AP), AP50: round(stats.AP50), objects: study.objects,
        layers: study.layers.map((l) => ({ layer: l.layer, truthShare: round(l.truthShare), entropy: round(l.entropy) })),
      };
      rows.push(row);
      console.error(`${model} epoch ${epoch}: AP ${row.AP} AP50 ${row.AP50}, layer-1 share ${row.layers[0].truthShare} entropy ${row.layers[0].entropy}`);
    } finally {
      net.dispose();
    }
  }
}
rows.sort((a, b) => a.model.localeCompare(b.model) || a.epoch - b.epoch);
const study: Study = {
  note: `scripts/effect-study.ts: per snapshot, AP/AP50 on the first ${n} validation scenes; per decoder layer the attention share inside the ground-truth box and the normalised entropy, averaged over heads and every object (followed by its best-overlapping query at any score)`,
  scenes: n,
  rows,
};
writeFileSync(outPath, JSON.stringify(study, null, 1) + '\n');

// The README's table: one row per epoch, the three models side by side.
const models = Object.keys(BUNDLED);
const epochs = [...new Set(rows.map((r) => r.epoch))].sort((a, b) => a - b);
const cell = (r: Row | undefined, f: (r: Row) => string) => (r ? f(r) : '-');
console.log(`| epoch | ${models.map((m) => `${BUNDLED[m as keyof typeof BUNDLED].label}: AP50 / in-box L1 / L3 / entropy L1`).join(' | ')} |`);
console.log(`|---|${models.map(() => '---').join('|')}|`);
for (const e of epochs) {
  const cells = models.map((m) => cell(rows.find((r) => r.model === m && r.epoch === e), (r) =>
    `${r.AP50.toFixed(3)} / ${r.layers[0].truthShare.toFixed(2)} / ${r.layers[r.layers.length - 1].truthShare.toFixed(2)} / ${r.layers[0].entropy.toFixed(2)}`));
  console.log(`| ${e} | ${cells.join(' | ')} |`);
}
