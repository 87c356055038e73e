import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/backend/useBackend';

// The wasm Concat override (src/backend/wasmConcat.ts: short runs copied element by element)
// must give the cpu backend's results, for short runs, long runs, and both in one call.
const CASES: [string, number[][], number, 'float32' | 'int32' | 'bool'][] = [
  ['four corners on the last axis (runs of 1)', [[30, 8, 1], [30, 8, 1], [30, 8, 1], [30, 8, 1]], 2, 'float32'],
  ['runs of 1, 2 and 3', [[7, 1], [7, 2], [7, 3]], 1, 'float32'],
  ['short and long runs mixed', [[5, 3], [5, 20], [5, 1]], 1, 'float32'],
  ['rank 4, last axis', [[2, 3, 4, 2], [2, 3, 4, 5]], 3, 'float32'],
  ['middle axis, short runs', [[4, 1, 3], [4, 2, 3]], 1, 'float32'],
  ['long runs only (the stock kernel)', [[3, 40], [3, 17]], 1, 'float32'],
  ['int32', [[6, 2], [6, 1]], 1, 'int32'],
  ['bool', [[6, 2], [6, 3]], 1, 'bool'],
  ['negative axis', [[5, 4, 1], [5, 4, 2]], -1, 'float32'],
];

describe('wasm Concat override', () => {
  it.each(CASES)('%s matches the cpu backend', async (_name, shapes, axis, dtype) => {
    let k = 0;
    const values = shapes.map((s) => Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => {
      k++;
      return dtype === 'float32' ? Math.sin(k) * 10 : dtype === 'int32' ? k * 3 - 7 : k % 3 === 0 ? 1 : 0;
    }));
    const run = () => tf.tidy(() => tf.concat(shapes.map((s, i) => tf.tensor(values[i], s, dtype)), axis));
    await useBackend('cpu');
    const ref = run();
    const refShape = ref.shape;
    const refData = Array.from(await ref.data());
    ref.dispose();
    await useBackend('wasm');
    const out = run();
    expect(out.shape).toEqual(refShape);
    expect(out.dtype).toBe(dtype);
    expect(Array.from(await out.data())).toEqual(refData);
    out.dispose();
  });
});
