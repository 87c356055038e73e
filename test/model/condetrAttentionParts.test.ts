import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/backend/useBackend';
import { buildModel } from '../../src/model/model';
import { formulaWeights } from '../../src/model/formulaWeights';
import { OFFICIAL_CONDITIONAL_DETR_R50, type ModelConfig } from '../../src/model/config';
import { disposeDecoder, disposeEncoder } from '../../src/model/dispose';

// Conditional DETR's cross-attention split into its spatial part (q_spatial·k_pos) and its content
// part (q_content·k_content), each softmaxed alone (DecoderLayerTrace.spatialAttn / contentAttn).

const c: ModelConfig = {
  ...OFFICIAL_CONDITIONAL_DETR_R50, backbone: 'resnet18', backboneWidth: 8, hiddenDim: 32, nheads: 4, numQueries: 5, numClasses: 5,
  encLayers: 1, decLayers: 3, dimFeedforward: 64,
};
const [H, W] = [64, 96];

/** An image batch of one: `phase` changes its pixels; the right quarter is padding. */
function batch(phase: number) {
  const images = tf.tensor4d(Float32Array.from({ length: H * W * 3 }, (_, i) => Math.sin(i * 0.37 + phase)), [1, H, W, 3]);
  const mask = tf.tensor3d(Float32Array.from({ length: H * W }, (_, i) => (i % W >= (3 * W) / 4 ? 1 : 0)), [1, H, W]);
  return { images, mask, sizes: [[H, (3 * W) / 4]] as [number, number][] };
}

async function run(phase: number, attentionParts: boolean) {
  const model = buildModel(c, formulaWeights(c, 3));
  const b = batch(phase);
  const enc = model.runEncoder(b);
  const dec = model.runDecoder(enc, { attentionParts });
  try {
    const read = async (t: tf.Tensor | undefined) => (t ? Array.from((await t.data()) as Float32Array) : null);
    return {
      mask: await read(enc.maskFlat),
      layers: await Promise.all(dec.layers.map(async (l) => ({
        cross: (await read(l.crossAttn))!, spatial: await read(l.spatialAttn), content: await read(l.contentAttn), boxes: (await read(l.predBoxes))!,
        shape: l.crossAttn!.shape,
      }))),
    };
  } finally {
    disposeDecoder(dec);
    disposeEncoder(enc);
    tf.dispose([b.images, b.mask]);
    model.dispose();
  }
}

/** softmax over each row of `hw` of log(a) + log(b): the whole attention the two parts' logits make. */
function recombine(a: number[], b: number[], hw: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < a.length / hw; r++) {
    const z = Array.from({ length: hw }, (_, i) => Math.log(a[r * hw + i]) + Math.log(b[r * hw + i]));
    const m = Math.max(...z);
    const e = z.map((v) => (Number.isFinite(v) ? Math.exp(v - m) : 0));
    const s = e.reduce((x, y) => x + y, 0);
    out.push(...e.map((v) => v / s));
  }
  return out;
}

describe('Conditional DETR cross-attention, split into its spatial and content parts', () => {
  it('recombines into the whole cross-attention in every layer, with padded keys at zero', async () => {
    await useBackend('cpu');
    const before = tf.memory().numTensors;
    const { mask, layers } = await run(0, true);
    expect(tf.memory().numTensors).toBe(before);
    for (const l of layers) {
      const hw = l.shape[3];
      expect(l.spatial).toHaveLength(l.cross.length);
      expect(l.content).toHaveLength(l.cross.length);
      const whole = recombine(l.spatial!, l.content!, hw);
      let worst = 0;
      for (let i = 0; i < whole.length; i++) worst = Math.max(worst, Math.abs(whole[i] - l.cross[i]));
      expect(worst).toBeLessThan(1e-5);
      // Each part is a distribution over the unpadded keys.
      for (const part of [l.spatial!, l.content!]) {
        for (let i = 0; i < part.length; i++) if (mask![i % hw] === 1) expect(part[i]).toBe(0);
        expect(part.slice(0, hw).reduce((a, v) => a + v, 0)).toBeCloseTo(1, 5);
      }
    }
  });

  it('keeps the spatial part of layer 1 off the image content (it reads only positions), unlike the content part', async () => {
    await useBackend('cpu');
    const [a, b] = [await run(0, true), await run(1.3, true)];
    const diff = (x: number[], y: number[]) => Math.max(...x.map((v, i) => Math.abs(v - y[i])));
    // Layer 1's spatial query is the reference point's sine embedding alone, and the keys' positions depend only on the mask.
    expect(diff(a.layers[0].spatial!, b.layers[0].spatial!)).toBeLessThan(1e-6);
    expect(diff(a.layers[0].content!, b.layers[0].content!)).toBeGreaterThan(1e-3);
    // From layer 2 on the spatial query is scaled by query_scale(previous output), which sees the image.
    expect(diff(a.layers[1].spatial!, b.layers[1].spatial!)).toBeGreaterThan(1e-6);
  });

  it('is traced only when asked for, and changes no output', async () => {
    await useBackend('cpu');
    const [on, off] = [await run(0, true), await run(0, false)];
    for (let l = 0; l < off.layers.length; l++) {
      expect(off.layers[l].spatial).toBeNull();
      expect(off.layers[l].content).toBeNull();
      expect(on.layers[l].cross).toEqual(off.layers[l].cross);
      expect(on.layers[l].boxes).toEqual(off.layers[l].boxes);
    }
  });
});
