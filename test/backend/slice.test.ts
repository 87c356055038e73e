import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/backend/useBackend';

// The wasm Slice override (src/backend/wasmSlice.ts) must give the cpu backend's results:
// contiguous slices, cuts in middle and last axes (long and short runs), every rank up to 6,
// int32 and bool values, empty slices, and -1 sizes.
const CASES: [string, number[], 'float32' | 'int32' | 'bool', number[], number[]][] = [
  ['one head of a batch (contiguous)', [8, 30, 40], 'float32', [3, 0, 0], [1, 30, 40]],
  ['rows of a matrix', [50, 7], 'float32', [4, 0], [20, 7]],
  ['columns of a matrix (short runs)', [50, 7], 'float32', [0, 2], [50, 3]],
  ['middle axis', [4, 9, 20], 'float32', [1, 2, 0], [2, 5, 20]],
  ['last axis, 2 of 4 (box centres)', [2, 30, 4], 'float32', [0, 0, 0], [2, 30, 2]],
  ['last axis, long runs', [3, 5, 64], 'float32', [1, 1, 16], [2, 3, 40]],
  ['rank 4, every axis cut', [3, 7, 7, 18], 'float32', [1, 2, 3, 1], [2, 4, 3, 17]],
  ['rank 5', [2, 3, 4, 5, 6], 'float32', [1, 0, 1, 2, 0], [1, 3, 2, 3, 6]],
  ['rank 6', [2, 2, 3, 2, 3, 4], 'float32', [0, 1, 1, 0, 1, 1], [2, 1, 2, 2, 2, 3]],
  ['rank 1', [100], 'float32', [17], [40]],
  ['int32', [10, 6], 'int32', [2, 1], [5, 4]],
  ['bool', [6, 5], 'bool', [1, 1], [3, 3]],
  ['size -1 (to the end)', [6, 8, 5], 'float32', [2, 3, 1], [-1, -1, -1]],
  ['empty', [6, 8], 'float32', [2, 3], [0, 4]],
  ['whole tensor', [4, 5, 6], 'float32', [0, 0, 0], [4, 5, 6]],
];

describe('wasm Slice override', () => {
  it.each(CASES)('%s matches the cpu backend', async (_name, shape, dtype, begin, size) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const values = Array.from({ length: n }, (_, i) => (dtype === 'float32' ? Math.sin(i) * 10 : dtype === 'int32' ? i * 3 - 7 : (i * 7) % 3 === 0 ? 1 : 0));
    await useBackend('cpu');
    const ref = tf.tidy(() => tf.slice(tf.tensor(values, shape, dtype), begin, size));
    const refShape = ref.shape;
    const refData = Array.from(await ref.data());
    ref.dispose();
    await useBackend('wasm');
    const out = tf.tidy(() => tf.slice(tf.tensor(values, shape, dtype), begin, size));
    expect(out.shape).toEqual(refShape);
    expect(out.dtype).toBe(dtype);
    expect(Array.from(await out.data())).toEqual(refData);
    out.dispose();
  });

  it('slices of a slice of a large tensor (heap growth between calls)', async () => {
    await useBackend('wasm');
    const big = tf.range(0, 8 * 300 * 850).reshape([8, 300, 850]);
    const parts = [0, 5, 7].map((h) => tf.slice(big, [h, 10, 800], [1, 3, 50]));
    for (const [i, h] of [0, 5, 7].entries()) {
      const got = await parts[i].data();
      expect(got[0]).toBe(h * 300 * 850 + 10 * 850 + 800);
      expect(got[50]).toBe(h * 300 * 850 + 11 * 850 + 800);
      expect(got[149]).toBe(h * 300 * 850 + 12 * 850 + 849);
    }
    tf.dispose([big, ...parts]);
  });
});
