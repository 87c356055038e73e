import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bytesSource } from '../../src/checkpoint/byteSource';
import { MemorySink } from '../../src/checkpoint/byteSink';
import { openCheckpoint } from '../../src/checkpoint/checkpoint';
import { crc32 } from '../../src/checkpoint/crc32';
import type { DType } from '../../src/checkpoint/dtypes';
import { PyFloat, SaveStorage, SaveTensor } from '../../src/checkpoint/pickleWriter';
import { PyNamespace, PyOrderedDict, PyTuple, toPlain } from '../../src/checkpoint/pyTypes';
import { TensorRef } from '../../src/checkpoint/tensor';
import { type SaveOptions, torchSave } from '../../src/checkpoint/torchSave';
import { entryDataOffset, readZipDirectory } from '../../src/checkpoint/zip';

interface Expected { dtype: DType; shape: number[]; values: number[] }
const mini = JSON.parse(readFileSync('test/fixtures/pth/mini.expected.json', 'utf8')) as { epoch: number; args: Record<string, unknown>; model: Record<string, Expected> };

/** Raw little-endian bytes of values in a dtype (the fixture's values are exact in their dtype). */
function encode(dtype: DType, values: number[]): Uint8Array {
  const f32bits = (v: number) => new Uint32Array(Float32Array.of(v).buffer)[0];
  const half = (v: number) => {
    const b = f32bits(v);
    if ((b & 0x7fffffff) === 0) return (b >>> 16) & 0x8000;
    return ((b >>> 16) & 0x8000) | ((((b >>> 23) & 0xff) - 112) << 10) | ((b & 0x7fffff) >>> 13);
  };
  const arrays: Record<DType, () => ArrayBufferView> = {
    float32: () => Float32Array.from(values),
    float64: () => Float64Array.from(values),
    float16: () => Uint16Array.from(values, half),
    bfloat16: () => Uint16Array.from(values, (v) => f32bits(v) >>> 16),
    int64: () => BigInt64Array.from(values, (v) => BigInt(v)),
    int32: () => Int32Array.from(values),
    int16: () => Int16Array.from(values),
    int8: () => Int8Array.from(values),
    uint8: () => Uint8Array.from(values),
    bool: () => Uint8Array.from(values),
  };
  const a = arrays[dtype]();
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function tensorOf(e: Expected): SaveTensor {
  return new SaveTensor(new SaveStorage(e.dtype, e.values.length, () => encode(e.dtype, e.values)), e.shape);
}

async function readBack(bytes: Uint8Array) {
  const ck = await openCheckpoint(bytesSource(bytes));
  const plain = toPlain(ck.root) as Record<string, Record<string, unknown>>;
  const model: Record<string, Expected> = {};
  for (const [k, v] of Object.entries(plain.model)) {
    const t = v as TensorRef;
    const a = await t.read();
    const values = t.dtype === 'int64' ? Array.from(a as BigInt64Array, Number) : t.dtype.endsWith('float16') ? Array.from(await t.readFloat32()) : Array.from(a as ArrayLike<number>);
    model[k] = { dtype: t.dtype, shape: t.shape, values };
  }
  return { format: ck.format, plain, model };
}

describe('torchSave round trips through the reader', () => {
  it.each<[string, SaveOptions]>([
    ['zip', {}],
    ['legacy', { format: 'legacy' }],
    ['zip64', { forceZip64: true }],
  ])('%s: the mini fixture content survives write + read', async (_, opts) => {
    const model = new PyOrderedDict<string, SaveTensor>(Object.entries(mini.model).map(([k, e]) => [k, tensorOf(e)]));
    const args = new PyNamespace<unknown>();
    for (const [k, v] of Object.entries(mini.args)) args.attrs.set(k, v);
    const sink = new MemorySink();
    await torchSave(sink, { model, epoch: mini.epoch, args }, opts);
    const back = await readBack(sink.bytes());
    expect(back.format).toBe(opts.format ?? 'zip');
    expect(back.model).toEqual(mini.model);
    expect(back.plain.epoch).toBe(mini.epoch);
    expect({ ...back.plain.args }).toEqual(mini.args);
  });

  it('writes shared storages once, with offsets and strides (views)', async () => {
    const base = new SaveStorage('float32', 12, () => new Uint8Array(Float32Array.from({ length: 12 }, (_, i) => i).buffer));
    const obj = {
      whole: new SaveTensor(base, [3, 4]),
      transposed: new SaveTensor(base, [4, 3], 0, [1, 4]),
      row2: new SaveTensor(base, [4], 8),
      meta: new PyTuple([new PyFloat(2), -7, 2n ** 64n, 'é', null, [true, false]]),
    };
    const sink = new MemorySink();
    await torchSave(sink, { model: obj });
    const bytes = sink.bytes();
    const entries = await readZipDirectory(bytesSource(bytes));
    expect([...entries.keys()].filter((k) => k.includes('/data/'))).toEqual(['archive/data/0']);
    const ck = await openCheckpoint(bytesSource(bytes));
    const m = (toPlain(ck.root) as { model: Record<string, unknown> }).model;
    expect(Array.from((await (m.transposed as TensorRef).read()) as Float32Array)).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
    expect(Array.from((await (m.row2 as TensorRef).read()) as Float32Array)).toEqual([8, 9, 10, 11]);
    expect((m.whole as TensorRef).storage).toBe((m.transposed as TensorRef).storage);
    expect(m.meta).toEqual([2, -7, 2n ** 64n, 'é', null, [true, false]]);
  });

  it('lays the zip out as torch does: stored entries, data aligned to 64 bytes, correct CRCs', async () => {
    const sink = new MemorySink();
    const t = (n: number) => new SaveTensor(new SaveStorage('float32', n, () => new Uint8Array(4 * n).fill(n)), [n]);
    await torchSave(sink, { model: { a: t(3), b: t(5), c: t(17) } }, { archiveName: 'ckpt' });
    const bytes = sink.bytes();
    const src = bytesSource(bytes);
    const entries = await readZipDirectory(src);
    expect([...entries.keys()]).toEqual(['ckpt/data.pkl', 'ckpt/data/0', 'ckpt/data/1', 'ckpt/data/2', 'ckpt/version']);
    for (const e of entries.values()) {
      expect(e.method).toBe(0);
      const at = await entryDataOffset(src, e);
      expect(at % 64).toBe(0);
      const crc = new DataView(bytes.buffer, bytes.byteOffset + e.localHeaderOffset + 14, 4).getUint32(0, true);
      expect(crc).toBe(crc32(bytes.subarray(at, at + e.size)));
    }
    expect(new TextDecoder().decode(bytes.subarray(await entryDataOffset(src, entries.get('ckpt/version')!)).subarray(0, 2))).toBe('3\n');
  });

  it('crc32 matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    const data = Uint8Array.from({ length: 1001 }, (_, i) => (i * 31) & 0xff);
    expect(crc32(data.subarray(500), crc32(data.subarray(0, 500)))).toBe(crc32(data));
  });
});
