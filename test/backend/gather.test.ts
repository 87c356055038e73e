import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/backend/useBackend';

// The wasm GatherV2 override (src/backend/wasmGather.ts) must give the cpu backend's results.
const CASES: [string, number[], 'float32' | 'int32', number[], number][] = [
  ['rows of a matrix', [50, 7], 'float32', [3, 0, 49, 3, 17], 0],
  ['middle axis, 2-d indices', [4, 9, 5], 'float32', [8, 0, 2, 2, 5, 1], 1],
  ['last axis', [3, 4, 6], 'float32', [5, 5, 0], 2],
  ['int32 values', [10, 3], 'int32', [9, 1, 4], 0],
];

describe('wasm GatherV2 override', () => {
  it.each(CASES)('%s matches the cpu backend', async (_name, shape, dtype, idx, axis) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const values = Array.from({ length: n }, (_, i) => (dtype === 'int32' ? i * 3 - 7 : Math.sin(i) * 10));
    const idxShape = axis === 1 ? [2, idx.length / 2] : [idx.length];
    await useBackend('cpu');
    const ref = await tf.tidy(() => tf.gather(tf.tensor(values, shape, dtype), tf.tensor(idx, idxShape, 'int32'), axis)).data();
    await useBackend('wasm');
    const out = tf.tidy(() => tf.gather(tf.tensor(values, shape, dtype), tf.tensor(idx, idxShape, 'int32'), axis));
    const cpuShape = [...shape.slice(0, axis), ...idxShape, ...shape.slice(axis + 1)];
    expect(out.shape).toEqual(cpuShape);
    expect(out.dtype).toBe(dtype);
    expect(Array.from(await out.data())).toEqual(Array.from(ref));
    out.dispose();
  });

  it('rejects an index out of range with a clear message', async () => {
    await useBackend('wasm');
    expect(() => tf.tidy(() => tf.gather(tf.zeros([4, 2]), tf.tensor1d([1, 4], 'int32')))).toThrow(/index value 4 is not in \[0, 3\]/);
  });
});
