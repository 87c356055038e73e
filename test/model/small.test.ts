import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/backend/useBackend';
import { buildModel, encoderAttentionRow } from '../../src/model/model';
import { formulaWeights } from '../../src/model/formulaWeights';
import { preprocess } from '../../src/model/preprocess';
import { postprocess } from '../../src/model/postprocess';
import { disposeDecoder, disposeEncoder } from '../../src/model/dispose';
import { SMALL } from '../support/helpers';


function image(h: number, w: number): Uint8Array {
  const px = new Uint8Array(h * w * 3);
  for (let i = 0; i < px.length; i++) px[i] = (i * 37 + (i >> 7) * 11) & 255;
  return px;
}

describe('small configurations', () => {
  beforeAll(async () => useBackend('wasm'));

  it.each([
    ['SAM-DETR', { ...SMALL }],
    ['SAM-DETR + SMCA', { ...SMALL, smca: true }],
    ['DETR-style baseline', { ...SMALL, decoder: 'detr' as const }],
    ['ResNet-50 bottlenecks, DC5', { ...SMALL, backbone: 'resnet50' as const, dilation: true, inputProjGroupNorm: false }],
  ])('%s builds, runs and traces every layer', async (_name, config) => {
    const model = buildModel(config, formulaWeights(config, 3));
    const { batch } = preprocess(image(96, 128), 96, 128, { shortSide: 96, maxSize: 200 });
    const enc = model.runEncoder(batch);
    const dec = model.runDecoder(enc);
    expect(dec.layers).toHaveLength(config.decLayers);
    const hw = enc.featH * enc.featW;
    for (const L of dec.layers) {
      expect(L.crossAttn!.shape).toEqual([1, config.nheads, config.numQueries, hw]);
      const rowSums = await tf.sum(L.crossAttn!, 3).data();
      for (const s of rowSums) expect(Math.abs(s - 1)).toBeLessThan(1e-4);
      if (config.decoder === 'sam') {
        expect(L.salientPoints!.shape).toEqual([1, config.numQueries, config.nheads, 2]);
        expect(L.gaussian !== undefined).toBe(config.smca);
        // Pixel coordinates of the points: relative (x, y) times the input tensor's (W, H).
        const rel = await L.salientPoints!.data();
        const px = await L.salientPointsPx!.data();
        const [H, W] = enc.inputSize;
        for (let i = 0; i < rel.length; i += 2) {
          expect(px[i]).toBeCloseTo(rel[i] * W, 3);
          expect(px[i + 1]).toBeCloseTo(rel[i + 1] * H, 3);
        }
      }
    }
    const dets = await postprocess(dec.layers[dec.layers.length - 1], [[96, 128]], 10);
    expect(dets[0]).toHaveLength(10);
    expect(dets[0][0].score).toBeGreaterThanOrEqual(dets[0][9].score);
    disposeDecoder(dec);
    disposeEncoder(enc);
    tf.dispose([batch.images, batch.mask]);
    model.dispose();
  });

  it('switching the SMCA prior off changes the attention and nothing upstream of it', async () => {
    const config = { ...SMALL, smca: true };
    const model = buildModel(config, formulaWeights(config, 5));
    const { batch } = preprocess(image(64, 64), 64, 64, { shortSide: 64 });
    const enc = model.runEncoder(batch);
    const on = model.runDecoder(enc);
    const off = model.runDecoder(enc, { smcaPrior: false });
    expect(off.layers[0].gaussian).toBeUndefined();
    const diffPoints = await tf.max(tf.abs(tf.sub(on.layers[0].salientPoints!, off.layers[0].salientPoints!))).data();
    expect(diffPoints[0]).toBe(0); // layer 0's points come before the prior
    const diffAttn = await tf.max(tf.abs(tf.sub(on.layers[0].crossAttn!, off.layers[0].crossAttn!))).data();
    expect(diffAttn[0]).toBeGreaterThan(1e-3);
    disposeDecoder(on);
    disposeDecoder(off);
    disposeEncoder(enc);
    tf.dispose([batch.images, batch.mask]);
    model.dispose();
  });

  it('recomputes encoder self-attention of one location per head', async () => {
    const model = buildModel(SMALL, formulaWeights(SMALL, 1));
    const { batch } = preprocess(image(64, 96), 64, 96, { shortSide: 64 });
    const enc = model.runEncoder(batch);
    const row = encoderAttentionRow(model, enc, 1, 0, 3);
    expect(row.shape).toEqual([8, enc.featH * enc.featW]);
    const sums = await tf.sum(row, 1).data();
    for (const s of sums) expect(Math.abs(s - 1)).toBeLessThan(1e-5);
    row.dispose();
    disposeEncoder(enc);
    tf.dispose([batch.images, batch.mask]);
    model.dispose();
  });

  it('does not grow tensor memory over repeated runs', async () => {
    const model = buildModel(SMALL, formulaWeights(SMALL, 2));
    const { batch } = preprocess(image(64, 64), 64, 64, { shortSide: 64 });
    const once = () => {
      const enc = model.runEncoder(batch);
      const dec = model.runDecoder(enc);
      disposeDecoder(dec);
      disposeEncoder(enc);
    };
    once();
    const before = tf.memory();
    for (let i = 0; i < 5; i++) once();
    const after = tf.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    tf.dispose([batch.images, batch.mask]);
    model.dispose();
  });

  it('rejects weights that do not fit the config, naming them', () => {
    const w = formulaWeights(SMALL, 0);
    w.delete('class_embed.0.bias');
    expect(() => buildModel(SMALL, w)).toThrow(/missing class_embed\.0\.bias/);
    expect(() => buildModel({ ...SMALL, hiddenDim: 60 }, w)).toThrow(/invalid model config/);
  });
});
