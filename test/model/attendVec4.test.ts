/**
 * attend's vec4 layout (src/model/attention.ts, WebGPU's default): keys transposed once and keys,
 * values, mask and bias padded to a multiple of 4 keys, the padding masked. Checked on cpu against
 * the plain form, forced either way; on WebGPU itself: e2e/specs/backends.ts ("first WebGPU run ...") sees
 * no transposed-B product dispatched, and the WebGPU parity fixture passes.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { attend, attendLayout, vec4Layout } from '../../src/model/attention';
import { buildModel, formulaWeights, preprocess } from '../../src/model';
import type { ModelConfig } from '../../src/model/config';
import { generateScene } from '../../src/data/scene';

const rand = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);

function both<T>(fn: () => T): { plain: T; vec4: T } {
  attendLayout.mode = 'plain';
  const plain = fn();
  attendLayout.mode = 'vec4';
  const vec4 = fn();
  attendLayout.mode = 'auto';
  return { plain, vec4 };
}

async function maxDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  expect(b.shape).toEqual(a.shape);
  const d = tf.max(tf.abs(tf.sub(a, b)));
  const v = (await d.data())[0];
  d.dispose();
  return v;
}

describe('attend: the vec4 layout', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  afterEach(() => {
    attendLayout.mode = 'auto';
  });

  it('is the plain form off WebGPU unless forced', () => {
    expect(vec4Layout(32, 32)).toBe(false); // cpu
    attendLayout.mode = 'vec4';
    expect(vec4Layout(32, 32)).toBe(true);
  });

  it('equals the plain form: shared keys, 7 keys (padded to 8), a key mask and an additive bias', async () => {
    const batch = 2, heads = 8, lq = 6, lk = 7, d = 12;
    const q = rand([batch * heads, lq, d], 2) as tf.Tensor3D;
    const k = rand([batch, lk, d], 3) as tf.Tensor3D; // shared by all heads
    const v = rand([batch * heads, lk, 8], 4) as tf.Tensor3D;
    const mask = tf.tensor2d([[0, 0, 0, 0, 0, 1, 1], [0, 0, 0, 0, 0, 0, 0]]);
    const bias = rand([batch, heads, lq, lk], 5) as tf.Tensor4D;
    const r = both(() => tf.tidy(() => attend(q, k, v, batch, mask, bias)));
    expect(r.vec4.weights.shape).toEqual([batch, heads, lq, lk]);
    expect(await maxDiff(r.plain.weights, r.vec4.weights)).toBeLessThan(1e-6);
    expect(await maxDiff(r.plain.out, r.vec4.out)).toBeLessThan(1e-5);
    // Masked keys weigh exactly 0 both ways.
    const w = (await r.vec4.weights.slice([0, 0, 0, 5], [1, heads, lq, 2]).data()) as Float32Array;
    expect(Math.max(...w)).toBe(0);
    tf.dispose([q, k, v, mask, bias, r.plain.out, r.plain.weights, r.vec4.out, r.vec4.weights]);
  });

  it('equals the plain form: per-head keys, a multiple of 4 (no padding), no mask', async () => {
    const q = rand([8, 5, 8], 6) as tf.Tensor3D;
    const k = rand([8, 12, 8], 7) as tf.Tensor3D;
    const v = rand([8, 12, 4], 8) as tf.Tensor3D;
    const r = both(() => tf.tidy(() => attend(q, k, v, 1)));
    expect(await maxDiff(r.plain.weights, r.vec4.weights)).toBeLessThan(1e-6);
    expect(await maxDiff(r.plain.out, r.vec4.out)).toBeLessThan(1e-5);
    tf.dispose([q, k, v, r.plain.out, r.plain.weights, r.vec4.out, r.vec4.weights]);
  });

  it('gives a whole SAM-DETR + SMCA forward the same outputs (odd feature map: 3x5 keys)', async () => {
    const config: ModelConfig = {
      backbone: 'resnet18', backboneWidth: 8, dilation: false, decoder: 'sam', smca: true, inputProjGroupNorm: false,
      hiddenDim: 32, nheads: 8, numQueries: 12, encLayers: 1, decLayers: 2, dimFeedforward: 64, numClasses: 8, point2Hidden: [32, 64, 64],
    };
    const model = buildModel(config, formulaWeights(config, 2));
    const sc = generateScene(4, { width: 160, height: 96 });
    const pre = preprocess(sc.pixels, 96, 160, { shortSide: 96, maxSize: 160 });
    const r = both(() => {
      const enc = model.runEncoder(pre.batch);
      const dec = model.runDecoder(enc);
      return { enc, dec };
    });
    expect(r.vec4.enc.featH * r.vec4.enc.featW % 4).not.toBe(0);
    expect(await maxDiff(r.plain.enc.memory, r.vec4.enc.memory)).toBeLessThan(1e-4);
    for (let l = 0; l < 2; l++) {
      expect(await maxDiff(r.plain.dec.layers[l].crossAttn!, r.vec4.dec.layers[l].crossAttn!)).toBeLessThan(1e-5);
      expect(await maxDiff(r.plain.dec.layers[l].predBoxes, r.vec4.dec.layers[l].predBoxes)).toBeLessThan(1e-4);
    }
    model.dispose();
  });
});
