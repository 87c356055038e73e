/**
 * npx tsx scripts/effect-study.ts [--root public/models] [--n 200] [--out docs/effect-study.json]
 *
 * The convergence study of the training timeline: for every snapshot of the three bundled models
 * (<root>/<model>/snapshots/epoch-E, model.json + weights.safetensors), AP and AP50 on the first
 * N validation scenes, and per decoder layer the mean attention share inside the ground-truth
 * box and the mean normalised entropy over every object (src/eval/attentionStudy.ts), on the
 * validation scenes and on the app's four example images. Writes the
 * numbers as JSON (snapshots already in it are not measured again: the numbers are a function of
 * the files) and prints the README's markdown table.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BUNDLED } from '../src/train/bundledConfigs';
import { buildModel } from '../src/model/model';
import type { ModelCard } from '../src/model/modelCard';
import { useBackend } from '../src/backend/useBackend';
import { readSafetensors } from '../src/checkpoint/safetensors';
import { generateScene, validationSet } from '../src/data/scene';
import { EXAMPLES } from '../src/data/examples';
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

interface Row { model: string; epoch: number; AP: number; AP50: number; objects: number; layers: LayerAttention[]; examples: LayerAttention[] }
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
    const done = rows.find((r) => r.model === model && r.epoch === epoch);
    if (done?.examples) continue;
    const folder = join(dir, `epoch-${epoch}`);
    const card = JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8')) as ModelCard;
    const net = buildModel(card.config, readSafetensors(readFileSync(join(folder, 'weights.safetensors'))).stateDict);
    const pick = (ls: LayerAttention[]) => ls.map((l) => ({ layer: l.layer, truthShare: round(l.truthShare), entropy: round(l.entropy) }));
    try {
      const size = card.inputSize ?? 160;
      // The app's example images, as the effect panel measures them (mean over their objects).
      const [ew, eh] = card.sceneSize ?? [size, size];
      const examples = pick((await attentionStudy(net, EXAMPLES.map((e) => generateScene(e.seed, { width: ew, height: eh })), EXAMPLES.length)).layers);
      if (done) {
        done.examples = examples;
        continue;
      }
      const scenes = validationSet(n, undefined, { width: size, height: size });
      const study = await attentionStudy(net, scenes);
      const dets: CocoDetection[] = study.detections.flatMap((list, i) =>
        list.map((d) => ({ image_id: i + 1, category_id: d.label + 1, bbox: [d.box[0], d.box[1], d.box[2] - d.box[0], d.box[3] - d.box[1]], score: d.score })),
      );
      const stats = evaluateDetections(toCocoGroundTruth(scenes), dets);
      const row: Row = { model, epoch, AP: round(stats.AP), AP50: round(stats.AP50), objects: study.objects, layers: pick(study.layers), examples };
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

// The app's example images: layer-1 share in the true box and entropy per epoch.
console.log(`\n| epoch (examples) | ${models.map((m) => `${BUNDLED[m as keyof typeof BUNDLED].label}: in-box L1 / entropy L1`).join(' | ')} |`);
console.log(`|---|${models.map(() => '---').join('|')}|`);
for (const e of epochs) {
  const cells = models.map((m) => cell(rows.find((r) => r.model === m && r.epoch === e), (r) => (r.examples ? `${r.examples[0].truthShare.toFixed(2)} / ${r.examples[0].entropy.toFixed(2)}` : '-')));
  console.log(`| ${e} | ${cells.join(' | ')} |`);
}

// The README's figure: per epoch (log axis: the early epochs are the point), layer-1 attention
// share inside the true box (solid) and AP50 (dashed), one colour per model.
const W = 900, H = 340, mg = { l: 56, r: 340, t: 20, b: 44 };
const colors: Record<string, string> = { 'detr-baseline': '#0072B2', 'sam-detr': '#D55E00', 'sam-detr-smca': '#009E73' };
const eMax = Math.max(2, ...epochs);
const px = (e: number) => mg.l + (Math.log(e) / Math.log(eMax)) * (W - mg.l - mg.r);
const py = (v: number) => H - mg.b - v * (H - mg.t - mg.b);
let svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">\n<rect width="${W}" height="${H}" fill="white"/>\n`;
for (let i = 0; i <= 5; i++) svg += `<line x1="${mg.l}" x2="${W - mg.r}" y1="${py(i / 5)}" y2="${py(i / 5)}" stroke="#ddd"/><text x="${mg.l - 6}" y="${py(i / 5) + 4}" text-anchor="end">${(i / 5).toFixed(1)}</text>\n`;
for (const e of epochs) svg += `<text x="${px(e)}" y="${H - mg.b + 16}" text-anchor="middle">${e}</text>\n`;
svg += `<text x="${(mg.l + W - mg.r) / 2}" y="${H - 8}" text-anchor="middle">epoch (log axis)</text><text transform="translate(16,${(H - mg.b + mg.t) / 2}) rotate(-90)" text-anchor="middle">share of attention / AP50</text>\n`;
let li = 0;
for (const m of models) {
  const rs = rows.filter((r) => r.model === m);
  if (!rs.length) continue;
  const c = colors[m] ?? '#555';
  const path = (f: (r: Row) => number) => rs.map((r, j) => `${j ? 'L' : 'M'}${px(r.epoch).toFixed(1)},${py(f(r)).toFixed(1)}`).join(' ');
  svg += `<path d="${path((r) => r.layers[0].truthShare)}" fill="none" stroke="${c}" stroke-width="2.5"/>\n<path d="${path((r) => r.AP50)}" fill="none" stroke="${c}" stroke-width="1.5" stroke-dasharray="5 3"/>\n`;
  const label = BUNDLED[m as keyof typeof BUNDLED].label;
  svg += `<line x1="${W - mg.r + 10}" x2="${W - mg.r + 34}" y1="${mg.t + 12 + li * 36}" y2="${mg.t + 12 + li * 36}" stroke="${c}" stroke-width="2.5"/><text x="${W - mg.r + 40}" y="${mg.t + 16 + li * 36}" fill="${c}">${label}: L1 attention in true box</text>\n`;
  svg += `<line x1="${W - mg.r + 10}" x2="${W - mg.r + 34}" y1="${mg.t + 28 + li * 36}" y2="${mg.t + 28 + li * 36}" stroke="${c}" stroke-width="1.5" stroke-dasharray="5 3"/><text x="${W - mg.r + 40}" y="${mg.t + 32 + li * 36}" fill="${c}">${label}: AP50</text>\n`;
  li++;
}
svg += '</svg>\n';
writeFileSync(outPath.replace(/\.json$/, '.svg'), svg);
