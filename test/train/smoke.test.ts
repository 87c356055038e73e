import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/backend/useBackend';
import { registerWasmTrainingKernels } from '../../src/train/wasmGradients';
import { buildModel } from '../../src/model/model';
import { initWeights } from '../../src/train/init';
import { sceneBatch } from '../../src/data/sceneBatch';
import { generateScene } from '../../src/data/scene';
import { setCriterion } from '../../src/train/losses';
import { AdamW } from '../../src/train/optimizer';
import { BUNDLED } from '../../src/train/bundledConfigs';

// A few optimisation steps on one fixed batch, for each decoder kind: the loss must fall,
// and the trained variables must come back out as a state_dict of the same layout.
describe.each(Object.keys(BUNDLED))('smoke training: %s', (name) => {
  it('loss decreases over 12 steps on a fixed batch', async () => {
    await useBackend('wasm');
    registerWasmTrainingKernels();
    const config = { ...BUNDLED[name].config, encLayers: 1, decLayers: 2, numQueries: 10 };
    const model = buildModel(config, initWeights(config, 3), { trainable: true });
    const { batch, targets } = sceneBatch([generateScene(11, { width: 96, height: 96, minObjects: 2, maxObjects: 3 }), generateScene(12, { width: 96, height: 96, minObjects: 2, maxObjects: 3 })]);
    const lossOf = () => {
      const enc = model.runEncoder(batch);
      return setCriterion(model.runDecoder(enc).layers, targets).loss;
    };
    tf.tidy(lossOf); // creates the variables
    const vars = [...model.params.variables().values()].filter((v) => v.trainable);
    const opt = new AdamW([{ params: vars, lr: 1e-3 }], { maxGradNorm: 0.1 });
    const losses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const { value, grads } = tf.variableGrads(lossOf, vars);
      losses.push((await value.data())[0]);
      opt.step(grads);
      tf.dispose([value, ...Object.values(grads)]);
    }
    console.log(`${name}: loss ${losses.map((l) => l.toFixed(2)).join(' ')}`);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] * 0.85);
    const sd = await model.params.stateDict();
    expect(sd.get('query_embed.weight')!.data).not.toEqual(initWeights(config, 3).get('query_embed.weight')!.data);
    opt.dispose();
    model.dispose();
    tf.dispose([batch.images, batch.mask]);
  });
});
