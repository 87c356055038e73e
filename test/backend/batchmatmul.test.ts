import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/backend/useBackend';

// The wasm BatchMatMul override (src/backend/wasmBatchMatMul.ts) must give the cpu backend's
// results on every path: shared right operand, per-entry loop (large products), transposes,
// rank-4 batches, and the stock fallbacks (small products, batch 1).
const CASES: [string, number[], number[], boolean, boolean][] = [
  ['shared right operand', [8, 140, 12], [12, 96], false, false],
  ['per-entry loop', [4, 100, 120], [4, 120, 90], false, false],
  ['per-entry loop, transposed b', [4, 100, 120], [4, 90, 120], false, true],
  ['per-entry loop, transposed a', [4, 120, 100], [4, 120, 90], true, false],
  ['rank 4', [2, 3, 100, 110], [2, 3, 110, 100], false, false],
  ['small products (stock)', [16, 10, 8], [16, 8, 10], false, false],
  ['batch 1 (stock)', [1, 30, 20], [1, 20, 10], false, false],
  ['batch 1, transposed b (transposed once, then the fast path)', [1, 30, 20], [1, 10, 20], false, true],
  ['2-d, transposed a and b', [20, 30], [10, 20], true, true],
];

describe('wasm BatchMatMul override', () => {
  it.each(CASES)('%s matches the cpu backend', async (_name, sa, sb, ta, tb) => {
    let seed = 1;
    const rnd = (n: number) => Float32Array.from({ length: n }, () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1);
    const av = rnd(sa.reduce((x, y) => x * y, 1));
    const bv = rnd(sb.reduce((x, y) => x * y, 1));
    await useBackend('cpu');
    const ref = await tf.tidy(() => tf.matMul(tf.tensor(av, sa), tf.tensor(bv, sb), ta, tb)).data();
    await useBackend('wasm');
    const out = tf.tidy(() => tf.matMul(tf.tensor(av, sa), tf.tensor(bv, sb), ta, tb));
    const got = await out.data();
    expect(out.shape).toEqual([...sa.slice(0, -2), ta ? sa[sa.length - 1] : sa[sa.length - 2], tb ? sb[sb.length - 2] : sb[sb.length - 1]]);
    out.dispose();
    let worst = 0;
    for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(got[i] - ref[i]));
    expect(worst).toBeLessThan(1e-4);
  });
});
