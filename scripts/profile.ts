/**
 * npx tsx scripts/profile.ts [--size 800x1066] [--stage decoder|encoder|backbone] [--top 25] [--variant official|official_ms|official_detr]
 *
 * Per-kernel profile (tf.profile) of one stage of the official-size model (ResNet-50, SMCA,
 * 300 queries, formula weights) on the wasm backend in Node, after one warm-up run of that
 * stage. Prints kernels grouped by name and by name + input shapes, sorted by total time.
 */
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { useBackend } from '../src/backend/useBackend';
import { buildModel } from '../src/model/model';
import type { ModelConfig } from '../src/model/config';
import { OFFICIAL_VARIANTS, type OfficialVariant } from '../src/bench/officialVariants';
import { formulaWeights } from '../src/model/formulaWeights';
import { preprocess } from '../src/model/preprocess';
import { disposeDecoder, disposeEncoder } from '../src/model/dispose';

const { values } = parseArgs({ options: { size: { type: 'string', default: '800x1066' }, stage: { type: 'string', default: 'decoder' }, top: { type: 'string', default: '25' }, variant: { type: 'string', default: 'official' }, dc5: { type: 'boolean', default: false } } });
await useBackend('wasm');
const [H, W] = values.size!.split('x').map(Number);
const base = OFFICIAL_VARIANTS[values.variant as OfficialVariant]?.config;
if (!base) throw new Error(`unknown --variant ${values.variant}`);
const config: ModelConfig = values.dc5 ? { ...base, dilation: true } : base;
const model = buildModel(config, formulaWeights(config, 0));
const rgb = new Uint8Array(H * W * 3).map((_, i) => (i * 7919) % 251);
const { batch } = preprocess(rgb, H, W, { shortSide: Math.min(H, W), maxSize: 1333 });

const stage = values.stage!;
const enc = stage === 'decoder' ? model.runEncoder(batch) : undefined;
const run = () => {
  if (stage === 'decoder') disposeDecoder(model.runDecoder(enc!));
  else if (stage === 'encoder') disposeEncoder(model.runEncoder(batch));
  else tf.dispose(model.runBackbone(batch) as unknown as tf.TensorContainer);
};
run(); // warm-up: weight conversion and caches
const t0 = performance.now();
const info = await tf.profile(run);
const wall = performance.now() - t0;
const byName = new Map<string, { ms: number; n: number }>();
const byShape = new Map<string, { ms: number; n: number }>();
let total = 0;
for (const k of info.kernels) {
  const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
  total += ms;
  const add = (m: Map<string, { ms: number; n: number }>, key: string) => {
    const e = m.get(key) ?? { ms: 0, n: 0 };
    e.ms += ms;
    e.n += 1;
    m.set(key, e);
  };
  add(byName, k.name);
  add(byShape, `${k.name} ${k.inputShapes.map((s) => `[${s}]`).join(' ')}`);
}
const top = Number(values.top);
const show = (m: Map<string, { ms: number; n: number }>) =>
  [...m.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, top).forEach(([k, e]) => console.log(`${e.ms.toFixed(1).padStart(9)} ms ${String(e.n).padStart(5)}x  ${(100 * e.ms / total).toFixed(1).padStart(5)}%  ${k}`));
console.log(`${stage} @${H}x${W}: wall ${wall.toFixed(0)} ms (profiled), kernel sum ${total.toFixed(0)} ms, ${info.kernels.length} kernels`);
console.log('-- by kernel'); show(byName);
console.log('-- by kernel and input shapes'); show(byShape);
