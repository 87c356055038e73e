import { describe, expect, it } from 'vitest';
import {
  readSafetensors, readSafetensorsBlob, writeSafetensors, writeSafetensorsF32Stream, parseHeader,
  f16ToF32, f32ToF16, bf16ToF32, f32ToBF16, SafetensorsError, MAX_HEADER,
} from '../../src/checkpoint/safetensors';
import type { StateDict } from '../../src/model/types';

function sd(): StateDict {
  const m: StateDict = new Map();
  m.set('a.weight', { shape: [2, 3], data: new Float32Array([1, -2, 0.5, 3.25, -0.125, 65504]) });
  m.set('b.bias', { shape: [3], data: new Float32Array([0.1, 1e-3, -7.5]) });
  m.set('scalar', { shape: [], data: new Float32Array([42]) });
  return m;
}

describe('safetensors', () => {
  it('round-trips float32 exactly and keeps order, shapes and metadata', () => {
    const bytes = writeSafetensors(sd(), { metadata: { format: 'pt' } });
    const { stateDict, metadata, dtypes } = readSafetensors(bytes);
    expect([...stateDict.keys()]).toEqual(['a.weight', 'b.bias', 'scalar']);
    expect(stateDict.get('a.weight')!.shape).toEqual([2, 3]);
    expect(stateDict.get('scalar')!.shape).toEqual([]);
    expect(Array.from(stateDict.get('b.bias')!.data)).toEqual(Array.from(new Float32Array([0.1, 1e-3, -7.5])));
    expect(metadata).toEqual({ format: 'pt' });
    expect(dtypes.get('a.weight')).toBe('F32');
    // Header length is 8-byte aligned.
    const n = new DataView(bytes.buffer).getUint32(0, true);
    expect(n % 8).toBe(0);
  });

  it('round-trips float16 and bfloat16 within their precision', () => {
    for (const dtype of ['F16', 'BF16'] as const) {
      const { stateDict, dtypes } = readSafetensors(writeSafetensors(sd(), { dtype }));
      expect(dtypes.get('b.bias')).toBe(dtype);
      const tol = dtype === 'F16' ? 1e-3 : 8e-3;
      const src = sd();
      for (const [k, v] of stateDict) {
        const want = src.get(k)!.data;
        v.data.forEach((x, i) => expect(Math.abs(x - want[i])).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want[i]))));
      }
    }
  });

  it('picks a dtype per tensor', () => {
    const { dtypes } = readSafetensors(writeSafetensors(sd(), { dtype: (n) => (n.endsWith('bias') ? 'F32' : 'F16') }));
    expect(dtypes.get('b.bias')).toBe('F32');
    expect(dtypes.get('a.weight')).toBe('F16');
  });

  it('converts half precision bit-exactly on known values', () => {
    expect(f32ToF16(1)).toBe(0x3c00);
    expect(f32ToF16(-2)).toBe(0xc000);
    expect(f32ToF16(65504)).toBe(0x7bff);
    expect(f32ToF16(1e6)).toBe(0x7c00);
    expect(f32ToF16(2 ** -24)).toBe(0x0001);
    expect(f16ToF32(0x0001)).toBe(2 ** -24);
    expect(f16ToF32(0x3555)).toBeCloseTo(0.33325, 5);
    expect(Number.isNaN(f16ToF32(f32ToF16(NaN)))).toBe(true);
    // round to nearest even: 1 + 2^-11 is halfway between 1 and 1 + 2^-10
    expect(f32ToF16(1 + 2 ** -11)).toBe(0x3c00);
    expect(f32ToF16(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(f32ToBF16(1)).toBe(0x3f80);
    expect(bf16ToF32(0x3f80)).toBe(1);
    expect(bf16ToF32(f32ToBF16(3.140625))).toBe(3.140625);
  });

  it('reads from a Blob in runs of tensors up to a chunk size, with progress per run', async () => {
    for (const dtype of ['F16', 'F32'] as const) {
      const bytes = writeSafetensors(sd(), { dtype });
      const whole = readSafetensors(bytes);
      // a.weight 6 values, b.bias 3, scalar 1: in F32, 24 + 12 + 4 bytes.
      const size = dtype === 'F32' ? 4 : 2;
      for (const [chunk, runs] of [[1e9, 1], [9 * size, 2], [1, 3]] as const) {
        const seen: number[] = [];
        const slices: number[] = [];
        const blob = new Blob([bytes]);
        const spy = { slice: (a?: number, b?: number) => (slices.push((b ?? 0) - (a ?? 0)), blob.slice(a, b)), size: blob.size } as unknown as Blob;
        const { stateDict, dtypes } = await readSafetensorsBlob(spy, (d) => seen.push(d), chunk);
        expect([...stateDict.keys()]).toEqual(['a.weight', 'b.bias', 'scalar']);
        for (const [k, v] of whole.stateDict) {
          expect(stateDict.get(k)!.shape).toEqual(v.shape);
          expect(Array.from(stateDict.get(k)!.data)).toEqual(Array.from(v.data));
        }
        expect(dtypes.get('a.weight')).toBe(dtype);
        expect(stateDict.get('a.weight')!.data[3]).toBe(3.25);
        expect(seen).toHaveLength(runs);
        expect(seen[seen.length - 1]).toBe(10 * size);
        // Two header reads, then one per run.
        expect(slices).toHaveLength(2 + runs);
      }
    }
  });

  it('rejects truncated and foreign files with clear errors', () => {
    const bytes = writeSafetensors(sd());
    expect(() => readSafetensors(bytes.subarray(0, bytes.length - 4))).toThrow(/truncated/);
    expect(() => readSafetensors(bytes.subarray(0, 20))).toThrow(/truncated/);
    expect(() => readSafetensors(new TextEncoder().encode('hello world, not a model'))).toThrow(SafetensorsError);
    expect(() => readSafetensors(new Uint8Array(4))).toThrow(/shorter/);
    const bad = new TextEncoder().encode('{"x":{"dtype":"Q7","shape":[1],"data_offsets":[0,4]}}');
    const f = new Uint8Array(8 + bad.length + 4);
    new DataView(f.buffer).setUint32(0, bad.length, true);
    f.set(bad, 8);
    expect(() => parseHeader(f)).toThrow(/unsupported dtype Q7/);
  });

  it('caps the header length where the reference implementation does: 100,000,000 bytes', () => {
    const claim = (n: number) => {
      const f = new Uint8Array(16);
      new DataView(f.buffer).setUint32(0, n, true);
      return f;
    };
    expect(MAX_HEADER).toBe(100_000_000);
    // At the cap the length is plausible and the file is merely too short; one byte more is not a safetensors file.
    expect(() => parseHeader(claim(100_000_000))).toThrow(/truncated/);
    expect(() => parseHeader(claim(100_000_001))).toThrow(/implausible/);
  });

  it('written in pieces (header, then each tensor as it is read): the same file as written whole, and read back as views of float32', async () => {
    const whole = writeSafetensors(sd(), { metadata: { format: 'x' } });
    const out = new Uint8Array(whole.byteLength);
    const reads: string[] = [];
    const pieces: number[] = [];
    const size = await writeSafetensorsF32Stream(
      [...sd()].map(([n, t]) => [n, t.shape]),
      async (n) => (reads.push(n), sd().get(n)!.data),
      (piece, at) => {
        pieces.push(piece.byteLength);
        out.set(piece, at);
      },
      { format: 'x' },
    );
    expect(size).toBe(whole.byteLength);
    expect(out).toEqual(whole);
    // One piece per tensor after the header: never the file at once.
    expect(reads).toEqual(['a.weight', 'b.bias', 'scalar']);
    expect(pieces.slice(1)).toEqual([24, 12, 4]);
    const back = await readSafetensorsBlob(new Blob([out]));
    for (const [n, t] of sd()) expect(back.stateDict.get(n)!.data).toEqual(t.data);
    await expect(writeSafetensorsF32Stream([['a', [2]]], () => new Float32Array(3), () => {})).rejects.toThrow(/shape \[2\] has 2 elements, data has 3/);
  });
});
