/**
 * npx tsx scripts/overfit.ts [LR=1e-3] [MODEL=sam-detr]
 * Diagnostic: 60 optimisation steps on one fixed batch of 4 generated scenes (160 px).
 * If the matcher, losses, gradients and optimizer work, L1 and GIoU fall well below their
 * starting values; it also lists parameters whose gradient is exactly zero on the first step
 * (expected: layer 0's self-attention and attn1/attn2 weights, since layer 0's input is zero).
 */
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../src/backend/useBackend';
import { registerWasmTrainingKernels } from '../src/train/wasmGradients';
import { buildModel } from '../src/model/model';
import { initTrainingWeights } from '../src/train/init';
import { sceneBatch } from '../src/data/sceneBatch';
import { generateScene } from '../src/data/scene';
import { setCriterion, readLossTerms } from '../src/train/losses';
import { AdamW, detrParamGroups, isBackboneParam } from '../src/train/optimizer';
import { BUNDLED } from '../src/train/bundledConfigs';
await useBackend('wasm'); registerWasmTrainingKernels();
const lr = Number(process.argv[2] ?? 2e-4); const name = process.argv[3] ?? 'sam-detr';
const config = BUNDLED[name].config;
const model = buildModel(config, initTrainingWeights(config, 7), { trainable: true });
const { batch, targets } = sceneBatch([0, 1, 2, 3].map((i) => generateScene(100 + i, { width: 160, height: 160 })));
let terms: Record<string, number> = {};
const lossOf = () => { const enc = model.runEncoder(batch); const c = setCriterion(model.runDecoder(enc).layers, targets); terms = readLossTerms(c); return c.loss; };
tf.tidy(lossOf);
const vars = [...model.params.variables().values()].filter((v) => v.trainable);
const opt = new AdamW(detrParamGroups(vars, isBackboneParam, lr, lr / 2), { maxGradNorm: 0.1 });
for (let i = 0; i < 60; i++) {
  const { value, grads } = tf.variableGrads(lossOf, vars);
  if (i === 0) { const norms = Object.entries(grads).map(([k, g]) => [k.replace(/#\d+$/, ''), tf.norm(g).dataSync()[0]] as [string, number]); const zero = norms.filter(([, n]) => n === 0).map(([k]) => k); console.log('params', vars.length, 'grads', norms.length, 'zero-grad params', zero.length, zero.slice(0, 12)); }
  opt.step(grads);
  if (i % 10 === 0 || i === 59) console.log(i, 'loss', terms.loss.toFixed(2), 'l1', terms.loss_bbox.toFixed(3), 'giou', terms.loss_giou.toFixed(3), 'ce', terms.loss_ce.toFixed(3));
  tf.dispose([value, ...Object.values(grads)]);
}
