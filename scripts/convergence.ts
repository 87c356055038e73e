/**
 * npx tsx scripts/convergence.ts [--runs runs/pre] [--label "20x20 grid"] [--reference runs]
 *   [--reference-label "scratch backbone"] [--reference-until N] [--note TEXT] [--svg docs/convergence.svg]
 * Collects <runs>/<model>/curve.json of the three bundled variants into
 * public/models/convergence.json (read by the app's Convergence view; `--note`, shown under the
 * chart, says e.g. that runs are still going), draws the SVG (validation AP50 per epoch), and
 * prints the README's AP / AP50 per epoch table. --reference adds the curves of another set of
 * runs (same models, another recipe; run folders or docs/training-scratch's <model>.curve.json
 * copies), up to the main runs' last epoch (or --reference-until), drawn dashed and labelled
 * "<label> (<reference-label>)"; --label names the main runs the same way.
 */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BUNDLED } from '../src/train/bundledConfigs';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: join('runs', 'pre') },
    reference: { type: 'string' },
    'reference-label': { type: 'string', default: 'scratch backbone' },
    'reference-until': { type: 'string' },
    label: { type: 'string' },
    note: { type: 'string' },
    svg: { type: 'string', default: join('docs', 'convergence.svg') },
  },
});
type Point = { epoch: number; AP: number; AP50: number; AP75: number; seconds: number; stepsPerSec: number };
interface Variant { model: string; reference: boolean; epochs: number[]; AP: number[]; AP50: number[]; AP75: number[]; minutes: number[] }
const variants: Record<string, Variant> = {};

function collect(dir: string, reference: boolean, maxEpoch = Infinity): void {
  for (const [name, spec] of Object.entries(BUNDLED)) {
    // A run folder (<dir>/<model>/curve.json) or a copy in docs (<dir>/<model>.curve.json).
    const f = [join(dir, name, 'curve.json'), join(dir, `${name}.curve.json`)].find((p) => existsSync(p));
    if (!f) continue;
    const curve = (JSON.parse(readFileSync(f, 'utf8')).curve as Point[]).filter((p) => p.epoch <= maxEpoch);
    const suffix = reference ? values['reference-label'] : values.label;
    variants[suffix ? `${spec.label} (${suffix})` : spec.label] = {
      model: name,
      reference,
      epochs: curve.map((p) => p.epoch),
      AP: curve.map((p) => p.AP),
      AP50: curve.map((p) => p.AP50),
      AP75: curve.map((p) => p.AP75),
      minutes: curve.map((p) => Math.round((p.seconds / 60) * 10) / 10),
    };
  }
}
collect(values.runs!, false);
if (!Object.keys(variants).length) throw new Error(`no curve.json under ${values.runs}/<model>/`);
// Reference curves stop where the main runs stop, so the axes compare like with like.
const mainLast = Math.max(...Object.values(variants).flatMap((v) => v.epochs));
if (values.reference) collect(values.reference, true, values['reference-until'] ? Number(values['reference-until']) : mainLast);
mkdirSync('public/models', { recursive: true });
writeFileSync(
  'public/models/convergence.json',
  JSON.stringify({ note: values.note ?? '', source: 'validation AP after each epoch on 200 scenes (scripts/train.ts, scripts/convergence.ts); reference: true marks another set of runs', variants }, null, 2) + '\n',
);

// A small static SVG of AP50 per epoch (no DOM needed): one colour per model, reference runs dashed.
const W = 760, H = 360, m = { l: 56, r: 270, t: 20, b: 44 };
const names = Object.keys(variants);
const models = Object.keys(BUNDLED);
const xMax = Math.max(1, ...names.flatMap((n) => variants[n].epochs));
const yMax = Math.max(0.05, ...names.flatMap((n) => variants[n].AP50)) * 1.1;
const x = (e: number) => m.l + (e / xMax) * (W - m.l - m.r);
const y = (v: number) => H - m.b - (v / yMax) * (H - m.t - m.b);
const colors = ['#0072B2', '#D55E00', '#009E73'];
let svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">\n<rect width="${W}" height="${H}" fill="white"/>\n`;
for (let i = 0; i <= 5; i++) {
  const v = (yMax / 5) * i;
  svg += `<line x1="${m.l}" x2="${W - m.r}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="${m.l - 6}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(2)}</text>\n`;
}
for (let e = 0; e <= xMax; e += Math.max(1, Math.round(xMax / 12))) svg += `<text x="${x(e)}" y="${H - m.b + 16}" text-anchor="middle">${e}</text>\n`;
svg += `<text x="${(m.l + W - m.r) / 2}" y="${H - 8}" text-anchor="middle">epoch (100 steps of 8 scenes)</text><text transform="translate(16,${(H - m.b + m.t) / 2}) rotate(-90)" text-anchor="middle">validation AP50</text>\n`;
names.forEach((n, i) => {
  const v = variants[n];
  const c = colors[models.indexOf(v.model) % colors.length];
  const path = v.epochs.map((e, j) => `${j ? 'L' : 'M'}${x(e).toFixed(1)},${y(v.AP50[j]).toFixed(1)}`).join(' ');
  svg += `<path d="${path}" fill="none" stroke="${c}" stroke-width="${v.reference ? 1.5 : 2.5}"${v.reference ? ' stroke-dasharray="5 3" opacity="0.7"' : ''}/>\n`;
  svg += `<line x1="${W - m.r + 10}" x2="${W - m.r + 34}" y1="${m.t + 12 + i * 20}" y2="${m.t + 12 + i * 20}" stroke="${c}" stroke-width="${v.reference ? 1.5 : 2.5}"${v.reference ? ' stroke-dasharray="5 3"' : ''}/><text x="${W - m.r + 40}" y="${m.t + 16 + i * 20}" fill="${c}">${n}</text>\n`;
});
svg += '</svg>\n';
writeFileSync(values.svg!, svg);

// Markdown table: AP / AP50 per epoch.
const maxEpochs = Math.max(0, ...names.map((n) => variants[n].epochs.length));
let md = `| epoch | ${names.map((n) => `${n} AP / AP50`).join(' | ')} |\n|---|${names.map(() => '---').join('|')}|\n`;
for (let j = 0; j < maxEpochs; j++) {
  md += `| ${j + 1} | ${names.map((n) => (variants[n].AP[j] === undefined ? '' : `${variants[n].AP[j].toFixed(3)} / ${variants[n].AP50[j].toFixed(3)}`)).join(' | ')} |\n`;
}
console.log(md);
