import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/backend/useBackend';
import { registerWasmTrainingKernels } from '../../src/train/wasmGradients';
import { roiAlign, gridSamplePoints } from '../../src/model/roiAlign';
import { nearestIndices } from '../../src/model/position';
import { officialResizeShape } from '../../src/model/preprocess';

/** torchvision's roi_align (aligned=True, adaptive sampling), written out loop by loop as its CPU kernel does. */
function roiAlignReference(f: Float32Array, H: number, W: number, C: number, box: number[]): Float32Array {
  const out = new Float32Array(49 * C);
  const [x1, y1, x2, y2] = box.map((v) => Math.fround(v - 0.5));
  const rw = Math.fround(x2 - x1);
  const rh = Math.fround(y2 - y1);
  const bw = Math.fround(rw / 7);
  const bh = Math.fround(rh / 7);
  const gh = Math.ceil(rh / 7);
  const gw = Math.ceil(rw / 7);
  const count = Math.max(gh * gw, 1);
  for (let ph = 0; ph < 7; ph++) {
    for (let pw = 0; pw < 7; pw++) {
      for (let iy = 0; iy < gh; iy++) {
        const y = y1 + ph * bh + ((iy + 0.5) * bh) / gh;
        for (let ix = 0; ix < gw; ix++) {
          const x = x1 + pw * bw + ((ix + 0.5) * bw) / gw;
          if (y < -1 || y > H || x < -1 || x > W) continue;
          let yy = y <= 0 ? 0 : y;
          let xx = x <= 0 ? 0 : x;
          let yl = Math.floor(yy);
          let xl = Math.floor(xx);
          let yh: number;
          let xh: number;
          if (yl >= H - 1) { yh = yl = H - 1; yy = yl; } else yh = yl + 1;
          if (xl >= W - 1) { xh = xl = W - 1; xx = xl; } else xh = xl + 1;
          const ly = yy - yl, lx = xx - xl, hy = 1 - ly, hx = 1 - lx;
          for (let c = 0; c < C; c++) {
            const v = hy * hx * f[(yl * W + xl) * C + c] + hy * lx * f[(yl * W + xh) * C + c] + ly * hx * f[(yh * W + xl) * C + c] + ly * lx * f[(yh * W + xh) * C + c];
            out[(ph * 7 + pw) * C + c] += v / count;
          }
        }
      }
    }
  }
  return out;
}

/** grid_sample (bilinear, zeros, align_corners=False) of one point on a 7x7xC map. */
function gridSampleReference(f: ArrayLike<number>, C: number, gx: number, gy: number, f64 = false): Float32Array | Float64Array {
  const x = ((gx + 1) * 7 - 1) / 2;
  const y = ((gy + 1) * 7 - 1) / 2;
  const x0 = Math.floor(x), y0 = Math.floor(y);
  const out = f64 ? new Float64Array(C) : new Float32Array(C);
  for (const [yy, wy] of [[y0, 1 - (y - y0)], [y0 + 1, y - y0]]) {
    for (const [xx, wx] of [[x0, 1 - (x - x0)], [x0 + 1, x - x0]]) {
      if (yy < 0 || yy > 6 || xx < 0 || xx > 6) continue;
      for (let c = 0; c < C; c++) out[c] += wy * wx * f[(yy * 7 + xx) * C + c];
    }
  }
  return out;
}

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe('Semantics Aligner ops against loop-by-loop references', () => {
  beforeAll(async () => useBackend('wasm'));

  it('roiAlign matches torchvision semantics for boxes inside, across and outside the map', async () => {
    const H = 9, W = 13, C = 5;
    const r = rng(1);
    const f = Float32Array.from({ length: H * W * C }, () => r() * 2 - 1);
    const boxes = [
      [1.2, 0.7, 11.3, 8.1], // big: several samples per bin
      [-2.5, -1.5, 3.2, 4.4], // crosses the top-left edge
      [10.5, 6.2, 14.9, 10.3], // crosses the bottom-right edge
      [4.0, 4.0, 4.3, 4.2], // tiny
      [0, 0, 13, 9], // the whole map
      [5.1, 2.2, 5.1 + 7 * 1.0000001, 2.2 + 7], // extent right at an integer multiple of 7
    ];
    // 'separable' also in chunks of 4 RoIs (the last chunk partial), as large maps run it.
    for (const [form, chunk] of [['dense', undefined], ['separable', undefined], ['separable', 4 * 7 * W * C]] as const) {
      // A fresh tensor per form: tfjs-wasm caches the packed right operand of a batch-1 matMul by its
      // data buffer, so reusing one buffer under another shape as a right operand gives stale results.
      const feats = tf.tensor4d(f, [1, H, W, C]);
      const out = roiAlign(feats, tf.tensor3d(boxes.flat(), [1, boxes.length, 4]) as tf.Tensor3D, form, chunk);
      const got = await out.data();
      boxes.forEach((b, i) => {
        const ref = roiAlignReference(f, H, W, C, b);
        for (let k = 0; k < ref.length; k++) expect(Math.abs(got[i * 49 * C + k] - ref[k]), `${form} ${chunk ?? ''} box ${i}`).toBeLessThan(1e-5);
      });
    }
  });

  it('roiAlign in chunks of RoIs equals one product, per image of a batch of two', async () => {
    const H = 9, W = 13, C = 5;
    const r = rng(3);
    const f = Float32Array.from({ length: 2 * H * W * C }, () => r() * 2 - 1);
    const boxes = Array.from({ length: 2 * 5 }, () => { const x = r() * 10 - 1, y = r() * 7 - 1; return [x, y, x + 0.5 + r() * 6, y + 0.5 + r() * 5]; });
    const run = async (chunk?: number) => (await roiAlign(tf.tensor4d(f, [2, H, W, C]), tf.tensor3d(boxes.flat(), [2, 5, 4]) as tf.Tensor3D, 'separable', chunk).data());
    const whole = await run();
    const chunked = await run(3 * 7 * W * C); // chunks of 3, 2 per image
    whole.forEach((v, i) => expect(Math.abs(chunked[i] - v)).toBeLessThan(1e-6));
    // Each image's RoIs read that image: against the reference for image 1's first box.
    const ref = roiAlignReference(f.subarray(H * W * C), H, W, C, boxes[5]);
    for (let k = 0; k < ref.length; k++) expect(Math.abs(chunked[5 * 49 * C + k] - ref[k])).toBeLessThan(1e-5);
  });

  it('gridSamplePoints matches grid_sample with zero padding, including points near and past the border', async () => {
    const C = 4;
    const r = rng(2);
    const f = Float32Array.from({ length: 49 * C }, () => r() * 2 - 1);
    const pts = [[0, 0], [-1, -1], [1, 1], [0.97, -0.99], [0.3, 0.71], [-0.999, 0.5]];
    const got = await gridSamplePoints(tf.tensor4d(f, [1, 7, 7, C]), tf.tensor3d(pts.flat(), [1, pts.length, 2]) as tf.Tensor3D).data();
    pts.forEach(([gx, gy], i) => {
      const ref = gridSampleReference(f, C, gx, gy);
      for (let c = 0; c < C; c++) expect(Math.abs(got[i * C + c] - ref[c])).toBeLessThan(1e-6);
    });
  });

  it('gridSamplePoints gradients (features and points) match finite differences of its float64 reference', async () => {
    registerWasmTrainingKernels(); // the gather's gradient (UnsortedSegmentSum), as training registers it
    const C = 3;
    const r = rng(5);
    const f = Float32Array.from({ length: 2 * 49 * C }, () => r() * 2 - 1);
    // Points away from cell boundaries (the bilinear kernel has kinks there), one near the border.
    const pts = [0.13, -0.41, -0.77, 0.58, 0.91, 0.07, -0.26, -0.93];
    const weightsOut = Float32Array.from({ length: 2 * 2 * C }, () => r() * 2 - 1);
    const loss = (feat: tf.Tensor, p: tf.Tensor) => tf.sum(tf.mul(gridSamplePoints(feat.reshape([2, 7, 7, C]) as tf.Tensor4D, p.reshape([2, 2, 2]) as tf.Tensor3D), tf.tensor(weightsOut, [2, 2, C])));
    const g = tf.grads(loss);
    const [gf, gp] = g([tf.tensor(f), tf.tensor(pts)]);
    const gfv = await gf.data();
    const gpv = await gp.data();
    // Float64 reference: sum over RoIs and points of weightsOut . gridSampleReference.
    const ref64 = (fv: Float64Array | Float32Array, pv: number[]) => {
      let s = 0;
      for (let roi = 0; roi < 2; roi++) for (let k = 0; k < 2; k++) {
        const v = gridSampleReference(fv.slice(roi * 49 * C, (roi + 1) * 49 * C), C, pv[(roi * 2 + k) * 2], pv[(roi * 2 + k) * 2 + 1], true);
        for (let c = 0; c < C; c++) s += v[c] * weightsOut[(roi * 2 + k) * C + c];
      }
      return s;
    };
    const h = 1e-4;
    for (let i = 0; i < pts.length; i++) {
      const up = [...pts]; up[i] += h;
      const dn = [...pts]; dn[i] -= h;
      expect(Math.abs((ref64(f, up) - ref64(f, dn)) / (2 * h) - gpv[i])).toBeLessThan(1e-3);
    }
    for (let i = 0; i < f.length; i += 7) {
      const up = Float64Array.from(f); up[i] += h;
      const dn = Float64Array.from(f); dn[i] -= h;
      expect(Math.abs((ref64(up, pts) - ref64(dn, pts)) / (2 * h) - gfv[i])).toBeLessThan(1e-4);
    }
  });

  it('nearest mask downsampling follows PyTorch index rule', () => {
    expect(Array.from(nearestIndices(96, 3))).toEqual([0, 32, 64]);
    expect(Array.from(nearestIndices(80, 3))).toEqual([0, 26, 53]);
    expect(Array.from(nearestIndices(5, 5))).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('official resize rule', () => {
  it('shorter side 800, longer side at most 1333, with Python rounding and int truncation', () => {
    expect(officialResizeShape(480, 640)).toEqual([800, 1066]);
    expect(officialResizeShape(640, 480)).toEqual([1066, 800]);
    expect(officialResizeShape(800, 1066)).toEqual([800, 1066]);
    expect(officialResizeShape(100, 1000)).toEqual([133, 1330]);
    expect(officialResizeShape(6000, 8000)).toEqual([800, 1066]);
    expect(officialResizeShape(427, 640)).toEqual([800, 1199]);
  });
});
