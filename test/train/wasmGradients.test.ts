import { beforeAll, describe, expect, it, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { maxAbs, maxAbsDiff, randArray, rng, useBackend } from '../support/trainHelpers';
import { WASM_TRAINING_KERNELS, dilatedConv2dFilterGrad, dilatedConv2dInputGrad } from '../../src/train/wasmGradients';

type Pad = 'valid' | 'same' | [[number, number], [number, number], [number, number], [number, number]];

interface ConvCase {
  name: string;
  x: [number, number, number, number];
  k: [number, number, number, number];
  stride: number;
  pad: Pad;
  dil: number;
}

const CASES: ConvCase[] = [
  { name: '3x3 s1 same', x: [2, 9, 7, 3], k: [3, 3, 3, 4], stride: 1, pad: 'same', dil: 1 },
  { name: '3x3 s1 valid', x: [2, 9, 7, 3], k: [3, 3, 3, 4], stride: 1, pad: 'valid', dil: 1 },
  { name: '3x3 s2 same', x: [2, 9, 8, 3], k: [3, 3, 3, 4], stride: 2, pad: 'same', dil: 1 },
  { name: '3x3 s2 valid', x: [2, 10, 7, 3], k: [3, 3, 3, 4], stride: 2, pad: 'valid', dil: 1 },
  { name: '3x3 s2 explicit 1', x: [2, 8, 9, 3], k: [3, 3, 3, 4], stride: 2, pad: [[0, 0], [1, 1], [1, 1], [0, 0]], dil: 1 },
  { name: '7x7 s2 explicit 3 (stem)', x: [1, 16, 13, 3], k: [7, 7, 3, 5], stride: 2, pad: [[0, 0], [3, 3], [3, 3], [0, 0]], dil: 1 },
  { name: '1x1 s1', x: [2, 5, 6, 4], k: [1, 1, 4, 3], stride: 1, pad: 'valid', dil: 1 },
  { name: '1x1 s2 (downsample)', x: [2, 7, 8, 4], k: [1, 1, 4, 6], stride: 2, pad: 'valid', dil: 1 },
  { name: '1x1 s2 same', x: [2, 8, 7, 4], k: [1, 1, 4, 6], stride: 2, pad: 'same', dil: 1 },
  { name: '3x3 d2 same (DC5)', x: [2, 9, 8, 3], k: [3, 3, 3, 4], stride: 1, pad: 'same', dil: 2 },
  { name: '3x3 d2 valid', x: [2, 9, 8, 3], k: [3, 3, 3, 4], stride: 1, pad: 'valid', dil: 2 },
  { name: '3x3 d2 explicit 2', x: [1, 7, 9, 2], k: [3, 3, 2, 3], stride: 1, pad: [[0, 0], [2, 2], [2, 2], [0, 0]], dil: 2 },
  { name: '2x3 d2 explicit asym', x: [1, 7, 9, 2], k: [2, 3, 2, 3], stride: 1, pad: [[0, 0], [1, 0], [0, 3], [0, 0]], dil: 2 },
];

/** Float64 reference conv2d (NHWC, HWIO) with explicit top/left pads; returns out and shape. */
function convRef(x: Float64Array, xs: number[], w: Float64Array, ws: number[], stride: number, dil: number,
  top: number, left: number, oh: number, ow: number): Float64Array {
  const [b, h, wd, ci] = xs;
  const [kh, kw, , co] = ws;
  const out = new Float64Array(b * oh * ow * co);
  for (let n = 0; n < b; n++) for (let y = 0; y < oh; y++) for (let xo = 0; xo < ow; xo++) {
    for (let i = 0; i < kh; i++) {
      const yy = y * stride + i * dil - top;
      if (yy < 0 || yy >= h) continue;
      for (let j = 0; j < kw; j++) {
        const xx = xo * stride + j * dil - left;
        if (xx < 0 || xx >= wd) continue;
        for (let c = 0; c < ci; c++) {
          const xv = x[((n * h + yy) * wd + xx) * ci + c];
          const wo = ((i * kw + j) * ci + c) * co;
          const oo = ((n * oh + y) * ow + xo) * co;
          for (let o = 0; o < co; o++) out[oo + o] += xv * w[wo + o];
        }
      }
    }
  }
  return out;
}

function dot(a: Float64Array, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function convGrads(c: ConvCase, xv: Float32Array, wv: Float32Array, rv: Float32Array): { dx: Float32Array; dw: Float32Array } {
  return tf.tidy(() => {
    const x = tf.tensor4d(xv, c.x);
    const w = tf.tensor4d(wv, c.k);
    const f = (a: tf.Tensor, b: tf.Tensor) => {
      const y = tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad, 'NHWC', c.dil);
      return tf.sum(tf.mul(y, tf.tensor(rv, y.shape)));
    };
    const [dx, dw] = tf.grads(f)([x, w]);
    return { dx: dx.dataSync() as Float32Array, dw: dw.dataSync() as Float32Array };
  });
}

const report: string[] = [];

describe('wasm training kernels', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('registers the kernels wasm lacks', () => {
    for (const k of WASM_TRAINING_KERNELS) expect(tf.getKernel(k, 'wasm')).toBeDefined();
  });

  for (const c of CASES) {
    it(`conv2d gradients: ${c.name}`, async () => {
      const r = rng(c.x.reduce((a, b) => a * 31 + b, c.stride * 7 + c.dil));
      const xv = randArray(c.x.reduce((a, b) => a * b), r);
      const wv = randArray(c.k.reduce((a, b) => a * b), r);
      const info = tf.backend_util.computeConv2DInfo(c.x, c.k, c.stride, c.dil, c.pad, undefined, false, 'channelsLast');
      const oh = info.outHeight, ow = info.outWidth;
      const rv = randArray(c.x[0] * oh * ow * c.k[3], r);

      await useBackend('wasm');
      const wasm = convGrads(c, xv, wv, rv);
      await useBackend('cpu');
      const cpu = convGrads(c, xv, wv, rv);
      await useBackend('wasm');

      // Float64 finite differences: the loss sum(conv(x, w) * r) is linear in each of x and w,
      // so a unit step gives the exact partial derivative.
      const x64 = Float64Array.from(xv), w64 = Float64Array.from(wv);
      const loss = () => dot(convRef(x64, c.x, w64, c.k, c.stride, c.dil, info.padInfo.top, info.padInfo.left, oh, ow), rv);
      const base = loss();
      const fdW = new Float64Array(w64.length);
      for (let i = 0; i < w64.length; i++) {
        const keep = w64[i];
        w64[i] = keep + 1; fdW[i] = loss() - base; w64[i] = keep;
      }
      const fdX = new Float64Array(x64.length);
      for (let i = 0; i < x64.length; i++) {
        const keep = x64[i];
        x64[i] = keep + 1; fdX[i] = loss() - base; x64[i] = keep;
      }
      const scaleW = maxAbs(fdW), scaleX = maxAbs(fdX);
      const e = {
        wasmVsCpuW: maxAbsDiff(wasm.dw, cpu.dw) / scaleW,
        wasmVsCpuX: maxAbsDiff(wasm.dx, cpu.dx) / scaleX,
        wasmVsFdW: maxAbsDiff(wasm.dw, fdW) / scaleW,
        wasmVsFdX: maxAbsDiff(wasm.dx, fdX) / scaleX,
        cpuVsFdW: maxAbsDiff(cpu.dw, fdW) / scaleW,
      };
      report.push(`${c.name}: rel max err dW wasm-vs-cpu ${e.wasmVsCpuW.toExponential(1)}, wasm-vs-FD ${e.wasmVsFdW.toExponential(1)}; dx wasm-vs-cpu ${e.wasmVsCpuX.toExponential(1)}, wasm-vs-FD ${e.wasmVsFdX.toExponential(1)}`);
      for (const v of Object.values(e)) expect(v).toBeLessThan(1e-5);
    });
  }

  it('dilated conv gradient helpers agree with a zero-inserted dense filter (stock gradient)', () => {
    const r = rng(5);
    const xs: [number, number, number, number] = [2, 10, 9, 3];
    const ks: [number, number, number, number] = [3, 3, 3, 2];
    const x = tf.tensor4d(randArray(2 * 10 * 9 * 3, r), xs);
    const w = tf.tensor4d(randArray(3 * 3 * 3 * 2, r), ks);
    const d = 2;
    // Dense 5x5 filter with the 3x3 taps at even positions.
    const dense = tf.tidy(() => {
      const z = tf.zeros([3, 2, 3, 2, 3, 2]).arraySync() as number[][][][][][];
      const wa = w.arraySync();
      const out: number[][][][] = [];
      for (let i = 0; i < 5; i++) {
        out.push([]);
        for (let j = 0; j < 5; j++) out[i].push(i % 2 === 0 && j % 2 === 0 ? wa[i / 2][j / 2] : wa[0][0].map((row) => row.map(() => 0)));
      }
      void z;
      return tf.tensor4d(out);
    });
    const y = tf.conv2d(x, w, 1, 'same', 'NHWC', d);
    const yDense = tf.conv2d(x, dense, 1, 'same');
    expect(maxAbsDiff(y.dataSync(), yDense.dataSync())).toBeLessThan(1e-5);
    const dy = tf.tensor4d(randArray(y.size, r), y.shape);
    const [dxRef, dDenseRef] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'), dy)))([x, dense]);
    const dwRef = tf.stridedSlice(dDenseRef, [0, 0, 0, 0], [5, 5, 3, 2], [2, 2, 1, 1]);
    const dx = dilatedConv2dInputGrad(xs, w, dy, d, 'same');
    const dw = dilatedConv2dFilterGrad(x, ks, dy, d, 'same');
    expect(maxAbsDiff(dx.dataSync(), dxRef.dataSync())).toBeLessThan(1e-4);
    expect(maxAbsDiff(dw.dataSync(), dwRef.dataSync())).toBeLessThan(1e-4);
    tf.dispose([x, w, dense, y, yDense, dy, dxRef, dDenseRef, dwRef, dx, dw]);
  });

  it('Conv2DBackpropFilter kernel does not leak wasm memory', () => {
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const x = tf.randomNormal([2, 8, 8, 3]) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 3, 4]) as tf.Tensor4D;
    const run = () => tf.tidy(() => {
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')))([x, w]);
      g[1].dataSync();
      const g1 = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')))([x, tf.randomNormal([1, 1, 3, 4])]);
      g1[1].dataSync();
    });
    run();
    const before = backend.numDataIds();
    const tensorsBefore = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) run();
    expect(backend.numDataIds()).toBe(before);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    tf.dispose([x, w]);
  });

  it('UnsortedSegmentSum matches cpu (float32 and int32, repeated and dropped ids)', async () => {
    const r = rng(11);
    const xv = randArray(7 * 3 * 2, r);
    const ids = [2, 0, 2, -1, 4, 1, 9];
    const run = () => tf.tidy(() => [
      tf.unsortedSegmentSum(tf.tensor3d(xv, [7, 3, 2]), tf.tensor1d(ids, 'int32'), 5).dataSync(),
      tf.unsortedSegmentSum(tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], 'int32'), tf.tensor1d([1, 1, 0], 'int32'), 2).dataSync(),
    ]);
    await useBackend('wasm');
    const wasm = run();
    await useBackend('cpu');
    const cpu = run();
    await useBackend('wasm');
    expect(maxAbsDiff(wasm[0], cpu[0])).toBeLessThan(1e-6);
    expect(Array.from(wasm[1])).toEqual([5, 6, 4, 6]);
    expect(Array.from(cpu[1])).toEqual([5, 6, 4, 6]);
  });

  it('gather with batchDims > 0 (wasm forward fix) matches cpu', async () => {
    const run = () => tf.tidy(() => {
      const p = tf.range(0, 2 * 3 * 4 * 5 * 2).reshape([2, 3, 4, 5, 2]);
      return [
        tf.gather(p, tf.tensor2d([[1, 1, 0], [2, 0, 2]], [2, 3], 'int32'), 1, 1).dataSync(),
        tf.gather(p, tf.tensor2d([[3, 0], [1, 2]], [2, 2], 'int32'), 3, 1).dataSync(), // outer dims between batch and axis
        tf.gather(p, tf.tensor3d([[[3], [0], [1]], [[2], [2], [0]]], [2, 3, 1], 'int32'), 2, 2).dataSync(),
        tf.gather(p, tf.tensor1d([1, 0], 'int32'), 1).dataSync(),
      ];
    });
    await useBackend('wasm');
    const wasm = run();
    await useBackend('cpu');
    const cpu = run();
    await useBackend('wasm');
    for (let i = 0; i < wasm.length; i++) expect(Array.from(wasm[i])).toEqual(Array.from(cpu[i]));
  });

  it('gather gradients (axis 0, axis 1, batchDims 1) match cpu', async () => {
    const r = rng(12);
    const pv = randArray(4 * 5 * 3, r);
    const run = () => tf.tidy(() => {
      const p = tf.tensor3d(pv, [4, 5, 3]);
      const g0 = tf.grad((a: tf.Tensor) => tf.sum(tf.square(tf.gather(a, tf.tensor1d([3, 0, 3, 1], 'int32'), 0))))(p);
      const g1 = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.gather(a, tf.tensor2d([[4, 4], [0, 2]], [2, 2], 'int32'), 1), 2)))(p);
      const g2 = tf.grad((a: tf.Tensor) => tf.sum(tf.exp(tf.gather(a, tf.tensor2d([[1, 1], [0, 4], [2, 2], [3, 0]], [4, 2], 'int32'), 1, 1))))(p);
      return [g0.dataSync(), g1.dataSync(), g2.dataSync()];
    });
    await useBackend('wasm');
    const wasm = run();
    await useBackend('cpu');
    const cpu = run();
    await useBackend('wasm');
    for (let i = 0; i < 3; i++) expect(maxAbsDiff(wasm[i], cpu[i])).toBeLessThan(1e-5);
    report.push(`gather grads: max |wasm-cpu| ${Math.max(...[0, 1, 2].map((i) => maxAbsDiff(wasm[i], cpu[i]))).toExponential(1)}`);
  });

  it('backward of the ops a detector uses runs on wasm and matches cpu', async () => {
    const r = rng(13);
    const xv = randArray(2 * 8 * 8 * 3, r);
    const wv = randArray(3 * 3 * 3 * 4, r);
    type F = (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor;
    const ops: Record<string, F> = {
      conv2d_s2_same: (x, w) => tf.conv2d(x, w, 2, 'same'),
      conv2d_dil2: (x, w) => tf.conv2d(x, w, 1, 'same', 'NHWC', 2),
      conv_bias_relu: (x, w) => tf.relu(tf.add(tf.conv2d(x, w, 1, 'same'), tf.tensor1d([0.1, -0.2, 0.3, 0]))),
      matMul: (x, w) => tf.matMul(x.reshape([16, 24]), w.reshape([27, 4]).slice([0, 0], [24, 4])),
      batchMatMulT: (x) => tf.matMul(x.reshape([2, 8, 24]), x.reshape([2, 8, 24]), false, true),
      sigmoid_tanh: (x) => tf.add(tf.sigmoid(x), tf.tanh(x)),
      layerNorm: (x) => { const m = tf.moments(x, -1, true); return tf.div(tf.sub(x, m.mean), tf.sqrt(tf.add(m.variance, 1e-5))); },
      batchNormAffine: (x) => tf.add(tf.mul(x, tf.tensor1d([0.5, 2, -1])), tf.tensor1d([0, 1, 2])),
      softmax: (x) => tf.softmax(x.reshape([2, 64, 3]).transpose([0, 2, 1])),
      gather: (x) => tf.gather(x, tf.tensor1d([0, 7, 7, 3], 'int32'), 2),
      slice_concat: (x) => tf.concat([tf.slice(x, [0, 1, 1, 0], [2, 4, 4, 2]), tf.slice(x, [0, 0, 0, 1], [2, 4, 4, 2])], 3),
      transpose: (x) => tf.mul(tf.transpose(x, [0, 3, 1, 2]), tf.range(0, 8).reshape([1, 1, 1, 8])),
      maxPool3x3s2: (x) => tf.maxPool(x, 3, 2, 'same'),
      avgPool: (x) => tf.avgPool(x, 2, 2, 'valid'),
      clip_log_exp: (x) => tf.add(tf.log(tf.clipByValue(tf.sigmoid(x), 1e-3, 1 - 1e-3)), tf.exp(tf.mul(x, 0.5))),
      where_greater: (x) => tf.where(tf.greater(x, 0), x, tf.mul(x, 0.1)),
      abs_pad: (x) => tf.pad(tf.abs(x), [[0, 0], [1, 2], [0, 1], [0, 0]]),
      resizeBilinear: (x) => tf.image.resizeBilinear(x, [5, 11]),
      cumsum_axis1: (x) => tf.mul(tf.cumsum(x, 1), x),
      maximum_minimum: (x) => tf.add(tf.maximum(x, 0.2), tf.minimum(x, -0.1)),
      mean_sum_max: (x) => tf.add(tf.add(tf.mean(x, [1, 2]), tf.sum(x, [1, 2])), tf.max(x, [1, 2])),
    };
    const run = () => {
      const out: Record<string, Float32Array[]> = {};
      for (const [name, f] of Object.entries(ops)) {
        out[name] = tf.tidy(() => {
          const x = tf.tensor4d(xv, [2, 8, 8, 3]);
          const w = tf.tensor4d(wv, [3, 3, 3, 4]);
          const probe = (a: tf.Tensor, b: tf.Tensor) => {
            const y = f(a as tf.Tensor4D, b as tf.Tensor4D);
            // + 0 * sum(w) keeps w on the tape for the ops that do not use it.
            return tf.add(tf.sum(tf.mul(y, tf.sin(tf.range(0, y.size).reshape(y.shape)))), tf.mul(tf.sum(b), 0));
          };
          return tf.grads(probe)([x, w]).map((g) => g.dataSync() as Float32Array);
        });
      }
      return out;
    };
    await useBackend('wasm');
    const wasm = run();
    await useBackend('cpu');
    const cpu = run();
    await useBackend('wasm');
    let worst = 0;
    for (const name of Object.keys(ops)) {
      for (let i = 0; i < 2; i++) {
        const e = maxAbsDiff(wasm[name][i], cpu[name][i]) / Math.max(1, maxAbs(cpu[name][i]));
        worst = Math.max(worst, e);
        expect(e, `${name} input ${i}`).toBeLessThan(1e-4);
      }
    }
    report.push(`${Object.keys(ops).length} op backwards on wasm vs cpu: worst rel err ${worst.toExponential(1)}`);
  });

  it('matMul with transposes (fast wrapper), fused matMul and conv2dTranspose match cpu', async () => {
    const r = rng(14);
    const av = randArray(6 * 5, r), bv = randArray(5 * 4, r), biasv = randArray(4, r);
    const xv = randArray(2 * 5 * 6 * 4, r), wv = randArray(3 * 3 * 3 * 4, r);
    const run = () => tf.tidy(() => {
      const a = tf.tensor2d(av, [6, 5]);
      const b = tf.tensor2d(bv, [5, 4]);
      const aT = tf.transpose(a), bT = tf.transpose(b);
      return [
        tf.matMul(aT, b, true, false),
        tf.matMul(a, bT, false, true),
        tf.matMul(aT, bT, true, true),
        tf.matMul(tf.reshape(aT, [1, 5, 6]), tf.reshape(b, [1, 5, 4]), true, false),
        tf.matMul(tf.reshape(a, [1, 1, 6, 5]), tf.reshape(bT, [1, 4, 5]), false, true),
        tf.fused.matMul({ a: aT, b: bT, transposeA: true, transposeB: true, bias: tf.tensor1d(biasv), activation: 'relu' }),
        tf.matMul(tf.stack([a, a]), tf.stack([bT, bT]), false, true), // batch 2: stock path
        tf.conv2dTranspose(tf.tensor4d(xv, [2, 5, 6, 4]), tf.tensor4d(wv, [3, 3, 3, 4]), [2, 10, 11, 3], 2, 'same'),
        tf.conv2dTranspose(tf.tensor4d(xv, [2, 5, 6, 4]), tf.tensor4d(wv, [3, 3, 3, 4]), [2, 11, 13, 3], 2, 'valid'),
      ].map((t) => t.dataSync());
    });
    await useBackend('wasm');
    const wasm = run();
    await useBackend('cpu');
    const cpu = run();
    await useBackend('wasm');
    wasm.forEach((w, i) => expect(maxAbsDiff(w, cpu[i]), `case ${i}`).toBeLessThan(1e-5));
    for (const k of ['Conv2DBackpropInput', 'BatchMatMul', '_FusedMatMul', 'GatherV2', 'MaxPoolGrad']) {
      const f = tf.getKernel(k, 'wasm')!.kernelFunc as unknown as Record<symbol, unknown>;
      expect(Object.getOwnPropertySymbols(f).length, k).toBe(1); // wrapped
    }
  });

  it('maxPool gradient (fast JS kernel) matches cpu, ties included', async () => {
    const r = rng(15);
    // Small integers after a relu: many ties inside windows.
    const xv = Float32Array.from({ length: 2 * 9 * 7 * 5 }, () => Math.max(0, Math.floor(r() * 6) - 2));
    const dyOf = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i + 1));
    const cfgs: [number, number, 'same' | 'valid' | number][] = [[3, 2, 'same'], [2, 2, 'valid'], [3, 1, 'same'], [3, 2, 1], [2, 3, 'same']];
    const run = () => cfgs.map(([f, st, pad]) => tf.tidy(() => {
      const x = tf.tensor4d(xv, [2, 9, 7, 5]);
      const y = tf.maxPool(x, f, st, pad);
      const dy = tf.tensor(dyOf(y.size), y.shape);
      return tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, f, st, pad), dy)))(x).dataSync();
    }));
    await useBackend('wasm');
    const wasm = run();
    await useBackend('cpu');
    const cpu = run();
    await useBackend('wasm');
    wasm.forEach((g, i) => expect(maxAbsDiff(g, cpu[i]), `config ${cfgs[i]}`).toBeLessThan(1e-6));
  });

  it('resizeNearestNeighbor gradient on wasm is the scatter-add of dy over its forward map', () => {
    // (The cpu backend's ResizeNearestNeighborGrad is wrong for batch > 1 in 4.22, so the
    // reference here is built from the forward map instead.)
    const [b, h, w, c, oh, ow] = [2, 8, 8, 3, 16, 12];
    const n = b * h * w * c;
    tf.tidy(() => {
      const idx = tf.range(0, n).reshape([b, h, w, c]) as tf.Tensor4D;
      const fwd = tf.image.resizeNearestNeighbor(idx, [oh, ow]).dataSync();
      const dy = tf.sin(tf.range(0, b * oh * ow * c)).reshape([b, oh, ow, c]);
      const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.image.resizeNearestNeighbor(a as tf.Tensor4D, [oh, ow]), dy)))(idx).dataSync();
      const ref = new Float32Array(n);
      const dv = dy.dataSync();
      for (let i = 0; i < fwd.length; i++) ref[fwd[i]] += dv[i];
      expect(maxAbsDiff(g, ref)).toBeLessThan(1e-5);
    });
  });

  // The measured errors, printed once after the checks (a report, not a test).
  afterAll(() => console.log(report.join('\n')));
});
