import { describe, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors } from '../../src/checkpoint/safetensors';
import { GROUP, QUANT_INT8, QUANT_KEY, SCALE_SUFFIX, quantizeInt8 } from '../../src/checkpoint/int8';
import type { StateDict } from '../../src/model/types';
import { CheckpointError } from '../../src/checkpoint/errors';

/** A deterministic pseudo-random tensor with one large value per row (the case a per-row scale handles worst). */
function tensor(shape: number[], seed: number): { shape: number[]; data: Float32Array } {
  const n = shape.reduce((a, d) => a * d, 1);
  const data = new Float32Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    data[i] = (x / 2 ** 31 - 0.5) * 0.2;
  }
  for (let r = 0; r < shape[0]; r++) data[(r * n) / shape[0]] = 3;
  return { shape, data };
}

const roundTrip = (sd: StateDict) => {
  const q = quantizeInt8(sd);
  return readSafetensors(writeSafetensors(q.stateDict, { dtype: q.dtype, metadata: q.metadata }));
};

describe('int8 snapshots (grouped scales)', () => {
  const sd: StateDict = new Map([
    ['conv.weight', tensor([16, 8, 3, 3], 1)],
    ['fc.weight', tensor([20, 70], 2)],
    ['fc.bias', tensor([20], 3)],
    ['small.weight', tensor([4, 4], 4)],
  ]);

  it('gives back every tensor, each value within half a step of its group', () => {
    const { stateDict, dtypes, metadata } = roundTrip(sd);
    expect(metadata[QUANT_KEY]).toBe(QUANT_INT8);
    expect([...stateDict.keys()]).toEqual([...sd.keys()]);
    expect(dtypes.get('conv.weight')).toBe('I8');
    expect(dtypes.get('fc.bias')).toBe('F16');
    expect(dtypes.get('small.weight')).toBe('F16');
    for (const name of ['conv.weight', 'fc.weight']) {
      const a = sd.get(name)!, b = stateDict.get(name)!;
      expect(b.shape).toEqual(a.shape);
      const per = a.data.length / a.shape[0];
      for (let i = 0; i < a.data.length; i++) {
        // The group's largest value sets its step; the row's outlier (3) only affects its own group.
        const g0 = Math.floor(i / per) * per + Math.floor((i % per) / GROUP) * GROUP;
        let max = 0;
        for (let j = g0; j < Math.min(g0 + GROUP, Math.floor(i / per) * per + per); j++) max = Math.max(max, Math.abs(a.data[j]));
        expect(Math.abs(b.data[i] - a.data[i])).toBeLessThanOrEqual((max / 127) * 0.5 * 1.002 + 1e-7);
      }
    }
  });

  it('is about half the size of float16', () => {
    const big: StateDict = new Map([['w', tensor([256, 256], 5)]]);
    const q = quantizeInt8(big);
    const int8 = writeSafetensors(q.stateDict, { dtype: q.dtype, metadata: q.metadata }).byteLength;
    const f16 = writeSafetensors(big, { dtype: 'F16' }).byteLength;
    expect(int8 / f16).toBeLessThan(0.54);
  });

  it('leaves I8 tensors alone in a file that does not say it is quantized', () => {
    const plain = writeSafetensors(new Map([['w', { shape: [2, 2], data: Float32Array.from([1, -2, 3, 4]) }], ['w' + SCALE_SUFFIX, { shape: [2, 1], data: Float32Array.from([10, 10]) }]]), { dtype: (n) => (n === 'w' ? 'I8' : 'F16') });
    expect(Array.from(readSafetensors(plain).stateDict.get('w')!.data)).toEqual([1, -2, 3, 4]);
  });

  it('refuses a scale of the wrong shape, a scale without its tensor and an unknown scheme', () => {
    const q = quantizeInt8(new Map([['w', tensor([8, 64], 6)]]));
    const bad = new Map(q.stateDict);
    bad.set('w' + SCALE_SUFFIX, { shape: [8, 1], data: new Float32Array(8) });
    const code = (f: () => unknown) => {
      try {
        f();
        return 'ok';
      } catch (e) {
        return e instanceof CheckpointError ? e.code : String(e);
      }
    };
    expect(code(() => readSafetensors(writeSafetensors(bad, { dtype: q.dtype, metadata: q.metadata })))).toBe('corrupt');
    const orphan = new Map([['v' + SCALE_SUFFIX, { shape: [8, 2], data: new Float32Array(16) }]]);
    expect(code(() => readSafetensors(writeSafetensors(orphan, { dtype: 'F16', metadata: q.metadata })))).toBe('corrupt');
    expect(code(() => readSafetensors(writeSafetensors(q.stateDict, { dtype: q.dtype, metadata: { [QUANT_KEY]: 'int4' } })))).toBe('unsupported');
  });
});
