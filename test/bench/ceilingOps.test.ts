import { describe, it, expect } from 'vitest';
import { CEILING_OPS, ceilingFlops, gflops, type CeilingOp } from '../../src/bench/ceilingOps';

// `npm run bench -- ceiling` turns both sides' times into GFLOP/s with this count; the names key
// both sides' results (the PyTorch tool gets the same list as JSON).
describe('ceiling ops', () => {
  it('counts 2 flops per multiply-add', () => {
    const mm: CeilingOp = { name: 'a', kind: 'matmul', m: 850, k: 256, n: 2048, what: '' };
    expect(ceilingFlops(mm)).toBe(2 * 850 * 256 * 2048);
    expect(ceilingFlops({ ...mm, transposeB: true })).toBe(ceilingFlops(mm));
    const conv: CeilingOp = { name: 'b', kind: 'conv', h: 50, w: 67, cin: 256, cout: 256, ksize: 3, what: '' };
    expect(ceilingFlops(conv)).toBe(2 * 50 * 67 * 256 * 256 * 9);
    expect(gflops(mm, 1000)).toBeCloseTo(ceilingFlops(mm) / 1e9, 9);
  });
  it('names each op once', () => {
    expect(new Set(CEILING_OPS.map((o) => o.name)).size).toBe(CEILING_OPS.length);
  });
});
