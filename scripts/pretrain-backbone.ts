/**
 * npm run train-backbone -- [--steps 1500] [--batch 8] [--lr 1e-3] [--out runs/backbone]
 *
 * Pretrains the bundled models' backbone (all three share it) on the dense cell-classification
 * task of src/train/backbonePretrain.ts, the stand-in for ImageNet. Writes
 * OUT/backbone.safetensors (the `backbone.*` entries) and OUT/pretrain.jsonl (loss, held-out
 * cell accuracy). `npm run train -- --backbone OUT/backbone.safetensors` starts from it.
 */
import { mkdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { useBackend } from '../src/backend/useBackend';
import { registerWasmTrainingKernels } from '../src/train/wasmGradients';
import { BUNDLED, TRAIN_IMAGE_SIZE } from '../src/train/bundledConfigs';
import { initTrainingWeights } from '../src/train/init';
import { pretrainBackbone } from '../src/train/backbonePretrain';
import { writeSafetensors } from '../src/checkpoint/safetensors';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '1500' },
    batch: { type: 'string', default: '8' },
    lr: { type: 'string', default: '1e-3' },
    'data-seed': { type: 'string', default: '0xb0' },
    'init-seed': { type: 'string', default: '7' },
    eval: { type: 'string', default: '48' },
    out: { type: 'string', default: join('runs', 'backbone') },
  },
});

await useBackend('wasm');
registerWasmTrainingKernels();
const out = values.out!;
mkdirSync(out, { recursive: true });
// The three bundled configs share the backbone; any of them builds it.
const config = BUNDLED['sam-detr'].config;
const hyper = { steps: Number(values.steps), batchSize: Number(values.batch), lr: Number(values.lr), dataSeed: Number(values['data-seed']), initSeed: Number(values['init-seed']), evalImages: Number(values.eval) };
const log = (rec: object) => appendFileSync(join(out, 'pretrain.jsonl'), JSON.stringify(rec) + '\n');
log({ type: 'start', hyper, date: new Date().toISOString() });
const t0 = performance.now();
const res = await pretrainBackbone({
  config,
  weights: initTrainingWeights(config, hyper.initSeed, TRAIN_IMAGE_SIZE),
  imageSize: TRAIN_IMAGE_SIZE,
  ...hyper,
  onLog: (rec) => {
    log({ type: 'step', ...rec });
    console.log(`[backbone] ${Object.entries(rec).map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(4)}`).join(' ')}`);
  },
});
const seconds = (performance.now() - t0) / 1000;
writeFileSync(join(out, 'backbone.safetensors'), writeSafetensors(res.backbone, { metadata: { task: 'dense cell classification pretraining', ...Object.fromEntries(Object.entries(hyper).map(([k, v]) => [k, String(v)])) } }));
log({ type: 'done', accuracyBefore: res.accuracyBefore, accuracyAfter: res.accuracyAfter, seconds });
console.log(`held-out cell accuracy ${res.accuracyBefore.toFixed(3)} -> ${res.accuracyAfter.toFixed(3)} in ${(seconds / 60).toFixed(1)} min; wrote ${join(out, 'backbone.safetensors')}`);
