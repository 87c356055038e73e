import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/backend/useBackend';
import { stateDictLayout } from '../../src/model/stateDictLayout';
import { OFFICIAL_R50, validateConfig, msDecoderLevel, type ModelConfig } from '../../src/model/config';
import { msDeformSample, msReferencePoints } from '../../src/model/msDeformAttn';
import { buildModel, msEncoderPointsOf } from '../../src/model/model';
import { formulaWeights } from '../../src/model/formulaWeights';
import { disposeEncoder } from '../../src/model/dispose';
import { configFromFixture } from '../../src/parity/fixture';
import { loadFixture } from '../support/helpers';

// Multi-scale SAM-DETR (the official --multiscale models): its state_dict layout, its config
// checks and the deformable sampling op. Its tensor-by-tensor parity is in test/parity/fixtures.test.ts
// (ms_r50_e12, ms_r50_smca_e50).

const layouts: Record<string, [string, number[]][]> = JSON.parse(readFileSync('test/fixtures/pth/official_state_dict_layouts.json', 'utf8'));
const MS: ModelConfig = { ...OFFICIAL_R50, multiscale: true };

describe('multi-scale SAM-DETR config', () => {
  it.each([
    ['ms_r50_e12', MS],
    ['ms_r50_smca_e12', { ...MS, smca: true }],
  ])('has the official %s state_dict: names, shapes and order', (variant, config) => {
    expect(stateDictLayout(config)).toEqual(layouts[variant]);
  });

  it('refuses what the official multi-scale model cannot be', () => {
    expect(validateConfig(MS)).toEqual([]);
    expect(validateConfig({ ...MS, dilation: true })).toEqual(['multiscale has no DC5 (dilation)']);
    expect(validateConfig({ ...MS, inputProjGroupNorm: false })).toEqual(['multiscale input_proj always has GroupNorm(32)']);
    expect(validateConfig({ ...MS, decLayers: 4 })).toEqual(['multiscale needs decLayers 6 (two layers per level)']);
    expect(validateConfig({ ...MS, decoder: 'detr' })).toContain('multiscale needs the SAM decoder');
    expect([0, 1, 2, 3, 4, 5].map(msDecoderLevel)).toEqual([2, 2, 1, 1, 0, 0]);
  });

  it('reads a fixture config and rejects values other than the hard-coded official ones', () => {
    const raw = JSON.parse(readFileSync('test/fixtures/official/ms_r50_e12/manifest.json', 'utf8')).config;
    expect(configFromFixture(raw)).toEqual(MS);
    expect(() => configFromFixture({ ...raw, encoder_points: 8 })).toThrow(/encoder_points/);
    expect(() => configFromFixture({ ...raw, decoder_level_of_layer: [0, 0, 1, 1, 2, 2] })).toThrow(/decoder_level_of_layer/);
    expect(configFromFixture({ backbone: 'resnet50' }).multiscale).toBeUndefined();
  });
});

/** Independent reference: grid_sample(bilinear, zeros, align_corners=False) of one channel at (x, y) in [0, 1]. */
function sampleRef(map: (y: number, x: number) => number, h: number, w: number, x: number, y: number): number {
  const ix = ((2 * x - 1 + 1) * w - 1) / 2;
  const iy = ((2 * y - 1 + 1) * h - 1) / 2;
  const x0 = Math.floor(ix);
  const y0 = Math.floor(iy);
  const at = (yy: number, xx: number) => (yy >= 0 && yy < h && xx >= 0 && xx < w ? map(yy, xx) : 0);
  const fx = ix - x0;
  const fy = iy - y0;
  return at(y0, x0) * (1 - fx) * (1 - fy) + at(y0, x0 + 1) * fx * (1 - fy) + at(y0 + 1, x0) * (1 - fx) * fy + at(y0 + 1, x0 + 1) * fx * fy;
}

describe.each(['cpu', 'wasm'] as const)('deformable sampling on %s', (backend) => {
  it('matches hand-computed bilinear values, zeros outside the map', async () => {
    await useBackend(backend);
    // One 2x3 map [[1, 2, 3], [4, 5, 6]], one head, one level, one point per query, weight 1.
    const values = tf.tensor3d([1, 2, 3, 4, 5, 6], [1, 6, 1]); // [B, H*W, heads*dh]
    // (0.5, 0.5): pixel (1, 0.5), halfway between 2 and 5 -> 3.5.
    // (0, 0): pixel (-0.5, -0.5), only cell (0, 0) inside, weight 0.25 -> 0.25.
    // (1.2, 0.25): pixel x 3.1, both columns outside -> 0.
    // (1, 0.75): pixel (2.5, 1): half of cell (1, 2) = 6 -> 3.
    // (-0.6, 2.3): far outside -> 0.
    const locs = tf.tensor([0.5, 0.5, 0, 0, 1.2, 0.25, 1, 0.75, -0.6, 2.3], [5, 1, 1, 1, 2]);
    const weights = tf.ones([5, 1, 1, 1]);
    const out = msDeformSample(values, [[2, 3]], locs, weights);
    expect(out.shape).toEqual([1, 5, 1]);
    const got = Array.from(await out.data());
    [3.5, 0.25, 0, 3, 0].forEach((v, i) => expect(got[i]).toBeCloseTo(v, 6));
    tf.dispose([values, locs, weights, out]);
  });

  // Random values, weights and locations from -0.6 to 1.6 (a third of them outside the map),
  // plus points exactly on cell borders, on the map's edges and far away, against the scalar
  // reference; with one chunk and with chunks of 3 queries (one chunk holding queries of both
  // images, the last one partial).
  it.each([
    ['one chunk', undefined],
    ['chunks of 3 queries', 3 * 3 * 16 * 2 + 5],
  ])('sums points and levels with their weights, per head and image (a batch of two, %s)', async (_name, chunkFloats) => {
    await useBackend(backend);
    const B = 2, heads = 3, P = 2, dh = 2, lq = 5;
    const shapes: [number, number][] = [[3, 4], [2, 2]];
    const S = shapes.reduce((n, [h, w]) => n + h * w, 0);
    const starts = shapes.map((_, l) => shapes.slice(0, l).reduce((n, [h, w]) => n + h * w, 0));
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const vals = Float32Array.from({ length: B * S * heads * dh }, () => rnd() * 2 - 1); // [B, S, heads*dh]
    const locData = Float32Array.from({ length: B * lq * heads * shapes.length * P * 2 }, () => rnd() * 2.2 - 0.6);
    // Exact borders and edges (x = 0.25 on a 4-wide map is pixel 0.5; x = 1 is pixel W - 0.5), far away.
    const special = [0, 0, 1, 1, 0.25, 0.5, 0.125, 1 / 3, 1e6, 0.5, -1e6, -1e6, 0.5, 1.25, 1.125, 1.125];
    locData.set(special);
    const wData = Float32Array.from({ length: B * lq * heads * shapes.length * P }, () => rnd());
    const value = tf.tensor3d(vals, [B, S, heads * dh]);
    const locs = tf.tensor(locData, [B * lq, heads, shapes.length, P, 2]);
    const weights = tf.tensor(wData, [B * lq, heads, shapes.length, P]);
    const before = tf.memory().numTensors;
    const out = msDeformSample(value, shapes, locs, weights, chunkFloats);
    expect(tf.memory().numTensors).toBe(before + 1); // only the output is left
    expect(out.shape).toEqual([B, lq, heads * dh]);
    const got = await out.data();
    for (let b = 0; b < B; b++) {
      for (let q = 0; q < lq; q++) {
        for (let hd = 0; hd < heads; hd++) {
          for (let d = 0; d < dh; d++) {
            let want = 0;
            shapes.forEach(([h, w], l) => {
              for (let p = 0; p < P; p++) {
                const li = ((((b * lq + q) * heads + hd) * shapes.length + l) * P + p);
                const map = (yy: number, xx: number) => vals[(b * S + starts[l] + yy * w + xx) * heads * dh + hd * dh + d];
                want += wData[li] * sampleRef(map, h, w, locData[2 * li], locData[2 * li + 1]);
              }
            });
            expect(got[(b * lq + q) * heads * dh + hd * dh + d]).toBeCloseTo(want, 5);
          }
        }
      }
    }
    tf.dispose([value, locs, weights, out]);
  });

  it('reads exact zeros for points whose four neighbours are all outside, whatever the values', async () => {
    await useBackend(backend);
    const value = tf.fill([1, 4, 1], 1e30) as tf.Tensor3D;
    // A 2x2 map: pixel -1 or 2 (x = -0.25 or 1.25) has no neighbour inside.
    const locs = tf.tensor([-0.25, 0.5, 1.25, 0.5, 0.5, -0.25, 0.5, 1.25, -5, 9], [5, 1, 1, 1, 2]);
    const out = msDeformSample(value, [[2, 2]], locs, tf.ones([5, 1, 1, 1]));
    expect(Array.from(await out.data())).toEqual([0, 0, 0, 0, 0]);
    tf.dispose([value, locs, out]);
  });

  it('scales reference points by the valid ratios of a padded batch', async () => {
    await useBackend(backend);
    // Two levels (2x2 and 1x1); image 0 unpadded, image 1 with half its width valid on level 0.
    const vr = tf.tensor3d([1, 1, 1, 1, 0.5, 1, 1, 1], [2, 2, 2]);
    const ref = msReferencePoints([[2, 2], [1, 1]], vr);
    expect(ref.shape).toEqual([2, 5, 2, 2]);
    const got = Array.from(await ref.data());
    // Image 0: cell centres (0.25|0.75, 0.25|0.75) then (0.5, 0.5), the same on both levels.
    const img0 = [[0.25, 0.25], [0.75, 0.25], [0.25, 0.75], [0.75, 0.75], [0.5, 0.5]].flatMap((p) => [...p, ...p]);
    // Image 1, level-0 cells: x = (j + 0.5) / (0.5 * 2), times 0.5 on level 0 and 1 on level 1.
    const img1 = [
      [0.25, 0.25, 0.5, 0.25], [0.75, 0.25, 1.5, 0.25], [0.25, 0.75, 0.5, 0.75], [0.75, 0.75, 1.5, 0.75],
      [0.25, 0.5, 0.5, 0.5], // level-1 cell: x = 0.5 / 1, times 0.5 (level 0) and 1 (level 1)
    ].flat();
    [...img0, ...img1].forEach((v, i) => expect(got[i]).toBeCloseTo(v, 6));
    tf.dispose([vr, ref]);
  });
});

// The view of a clicked location: one token's sampling points and weights, computed for that
// token alone, must be the official ones (the fixture's full-layer tensors, rows picked out),
// on the padded second image too (its valid ratios scale the reference points).
describe('one token\'s deformable sampling points (msEncoderPointsOf)', () => {
  it('equals the official sampling locations and weights of that token (ms_r50_smca_e50, both images, all levels)', async () => {
    await useBackend('wasm');
    const fx = loadFixture('ms_r50_smca_e50');
    const model = buildModel(fx.config, formulaWeights(fx.config, fx.weightSeed));
    const img = fx.tensors.get('input.images')!;
    const [B, , H, W] = img.shape;
    const images = tf.tidy(() => tf.tensor4d(img.data as Float32Array, [B, 3, H, W]).transpose([0, 2, 3, 1])) as tf.Tensor4D;
    const mask = tf.tensor3d(Float32Array.from(fx.tensors.get('input.mask')!.data), [B, H, W]);
    const enc = model.runEncoder({ images, mask, sizes: fx.imageSizes });
    const lq = enc.pos.shape[1]; // 12*16 + 6*8 + 3*4 = 252
    const per = 8 * 3 * 4;
    try {
      for (const layer of [0, 5]) {
        const locs = fx.tensors.get(`encoder.${layer}.sampling_locations`)!.data as Float32Array; // [B, Lq, heads, L, P, 2]
        const wts = fx.tensors.get(`encoder.${layer}.attention_weights`)!.data as Float32Array;
        // First, last and a middle cell of the stride-8 grid, and a token of each coarser level.
        for (const [b, index] of [[0, 0], [0, 100], [1, 191], [1, 7], [1, 200], [0, 251]]) {
          const t = msEncoderPointsOf(model, enc, layer, b, index);
          expect(t.locations.shape).toEqual([8, 3, 4, 2]);
          const gotL = await t.locations.data();
          const gotW = await t.weights.data();
          const row = b * lq + index;
          gotL.forEach((v, i) => expect(Math.abs(v - locs[row * per * 2 + i]), `layer ${layer} image ${b} token ${index} location ${i}`).toBeLessThanOrEqual(1e-4 + 1e-3 * Math.abs(locs[row * per * 2 + i])));
          gotW.forEach((v, i) => expect(Math.abs(v - wts[row * per + i])).toBeLessThanOrEqual(1e-4 + 1e-3 * Math.abs(wts[row * per + i])));
          tf.dispose([t.locations, t.weights]);
        }
      }
      expect(() => msEncoderPointsOf(model, enc, 0, 0, lq)).toThrow(/token 252 out of range/);
    } finally {
      disposeEncoder(enc);
      tf.dispose([images, mask]);
      model.dispose();
    }
  }, 60_000);
});
