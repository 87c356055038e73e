import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { type ByteSource, bytesSource } from '../../src/checkpoint/byteSource';
import { MemorySink } from '../../src/checkpoint/byteSink';
import { openCheckpoint } from '../../src/checkpoint/checkpoint';
import { detectConfig } from '../../src/checkpoint/detectConfig';
import { viewAs } from '../../src/checkpoint/dtypes';
import { CheckpointError } from '../../src/checkpoint/errors';
import { expectedStateDictShapes } from '../../src/checkpoint/expectedKeys';
import { unpickle } from '../../src/checkpoint/pickle';
import { SaveStorage, SaveTensor } from '../../src/checkpoint/pickleWriter';
import { type PyValue, PyTuple, toPlain } from '../../src/checkpoint/pyTypes';
import { TensorRef } from '../../src/checkpoint/tensor';
import { torchSave } from '../../src/checkpoint/torchSave';
import { readEntry, readZipDirectory } from '../../src/checkpoint/zip';
import { type ModelConfig, OFFICIAL_R50, validateConfig } from '../../src/model/config';
import { SafetensorsError, parseHeader } from '../../src/checkpoint/safetensors';
import { buildZip } from '../../scripts/lib/hostile/zipBuild';

const codeOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CheckpointError);
    return (e as CheckpointError).code;
  }
  return 'no error';
};
const run = (b: Uint8Array) => unpickle(b, 0, { what: 'test pickle' }).value;

describe('toPlain: iterative, cycle-checked, budgeted', () => {
  it('refuses a list that contains itself, and keeps order and sharing-free copies otherwise', () => {
    const self: PyValue[] = [];
    self.push(self);
    expect(codeOf(() => toPlain(self))).toBe('corrupt');
    const shared = [1, 2];
    expect(toPlain(new Map<PyValue, PyValue>([['b', shared], ['a', new PyTuple([shared, 3n])]]))).toEqual({ b: [1, 2], a: [[1, 2], 3] });
  });

  it('converts a 100k-deep list without recursion when the depth allows, refuses it under the args depth', () => {
    let v: PyValue[] = [];
    const root = v;
    for (let i = 0; i < 100_000; i++) v = (v[0] = []) as PyValue[];
    expect(codeOf(() => toPlain(root, { maxDepth: 64 }))).toBe('too-large');
    expect(() => toPlain(root, { maxDepth: 200_000 })).not.toThrow();
  });

  it('stops a billion laughs at the value budget', () => {
    let v: PyValue[] = ['lol'];
    for (let i = 0; i < 9; i++) v = Array.from({ length: 10 }, () => v);
    const t0 = performance.now();
    expect(codeOf(() => toPlain(v, { maxValues: 10_000 }))).toBe('too-large');
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe('the pickle VM', () => {
  it('APPENDS of 200,000 items (spreading them overflowed the call stack)', () => {
    const b = new Uint8Array(200_004);
    b.set([0x5d, 0x28]);
    b.fill(0x4e, 2, 200_002);
    b.set([0x65, 0x2e], 200_002);
    expect((run(b) as unknown[]).length).toBe(200_000);
  });

  it('LONG1 still decodes signed integers; LONG4 wider than the cap is refused before it is read', () => {
    expect(run(Uint8Array.of(0x8a, 2, 0x00, 0xff, 0x2e))).toBe(-256);
    expect(run(Uint8Array.of(0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x2e))).toBe(-(2n ** 71n));
    expect(codeOf(() => run(Uint8Array.of(0x8b, 0x01, 0x04, 0, 0, 0x2e)))).toBe('too-large');
  });

  it('invalid UTF-8 is corrupt, not a TypeError', () => {
    expect(codeOf(() => run(Uint8Array.of(0x8c, 2, 0xc3, 0x28, 0x2e)))).toBe('corrupt');
  });
});

/** A checkpoint with one float32 storage of `n` values, viewed by `views` tensors at offsets 0..views-1, with every entry deflated or the storage stored. */
async function sharedStorage(n: number, views: number, deflate: boolean): Promise<Uint8Array> {
  const values = Float32Array.from({ length: n }, (_, i) => i);
  const s = new SaveStorage('float32', n, () => new Uint8Array(values.buffer.slice(0)));
  const model = new Map(Array.from({ length: views }, (_, i) => [`w${i}`, new SaveTensor(s, [n - views], i)]));
  const sink = new MemorySink();
  await torchSave(sink, { model });
  const src = bytesSource(sink.bytes());
  const entries = await readZipDirectory(src);
  return buildZip(await Promise.all([...entries.values()].map(async (e) => ({ name: e.name, data: await readEntry(src, e), deflate }))));
}

function counting(src: ByteSource): { bytes: () => number; src: ByteSource } {
  let bytes = 0;
  return { bytes: () => bytes, src: { ...src, read: (o: number, n: number) => ((bytes += n), src.read(o, n)) } };
}

async function tensorsOf(src: ByteSource): Promise<TensorRef[]> {
  const ck = await openCheckpoint(src);
  return Object.values((toPlain(ck.root) as { model: Record<string, TensorRef> }).model);
}

describe('byte views', () => {
  it('viewAs copies a misaligned Node Buffer view (Buffer.slice() is a view at the same offset)', () => {
    const buf = Buffer.alloc(13);
    new DataView(buf.buffer, buf.byteOffset).setFloat32(1, 2.5, true);
    expect(Array.from(viewAs('float32', buf.subarray(1, 5)))).toEqual([2.5]);
  });

  it('bytesSource returns aligned copies of a Buffer, not views into it', async () => {
    const buf = Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const got = await bytesSource(buf).read(1, 4);
    expect(got.byteOffset).toBe(0);
    got[0] = 99;
    expect(buf[1]).toBe(1);
  });
});

describe('storages: inflated once, CRC-checked in full', () => {
  it('a deflated storage viewed by 50 tensors is inflated once', async () => {
    const bytes = await sharedStorage(100_000, 50, true);
    const c = counting(bytesSource(bytes));
    const ts = await tensorsOf(c.src);
    const before = c.bytes();
    for (const t of ts) await t.read();
    // One compressed read of the storage, not fifty.
    expect(c.bytes() - before).toBeLessThan(bytes.length);
    expect(Array.from((await ts[7].readFloat32()).subarray(0, 3))).toEqual([7, 8, 9]);
  });

  it('a changed byte outside the range a tensor reads still fails that read (the whole entry is checked)', async () => {
    const bytes = (await sharedStorage(1000, 1, false)).slice();
    const ts = await tensorsOf(bytesSource(bytes));
    // Flip a bit of the storage's last value, which lies past the view w0 = values [0, 999).
    const dir = await readZipDirectory(bytesSource(bytes));
    const e = dir.get('archive/data/0')!;
    const dataStart = e.localHeaderOffset + 30 + e.name.length;
    bytes[dataStart + 999 * 4] ^= 1;
    const ts2 = await tensorsOf(bytesSource(bytes));
    expect(ts).toHaveLength(1);
    const err = await ts2[0].read().then(() => null, (x: unknown) => x);
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as CheckpointError).message).toMatch(/fails its CRC-32 check/);
  });

  it('a deflated entry declaring more than deflate can produce is refused before inflating', async () => {
    const bomb = buildZip([{ name: 'archive/data.pkl', data: new Uint8Array(0), deflated: { bytes: new Uint8Array(deflateRawSync(Buffer.alloc(10))), declaredSize: 2 ** 31 } }]);
    const err = await openCheckpoint(bytesSource(bomb)).then(() => null, (x: unknown) => x);
    expect((err as CheckpointError).message).toMatch(/more than deflate can expand/);
  });
});

describe('config detection', () => {
  const small: ModelConfig = { ...OFFICIAL_R50, backbone: 'resnet18', backboneWidth: 8, hiddenDim: 32, nheads: 4, numQueries: 7, numClasses: 5, encLayers: 1, decLayers: 3, dimFeedforward: 64, point2Hidden: [16, 16], inputProjGroupNorm: false };
  const shapes = () => new Map(expectedStateDictShapes(small));

  it('counts layers by contiguous indices and names the keys past a gap', () => {
    const s = shapes();
    for (const k of [...s.keys()]) if (k.startsWith('transformer.decoder.layers.1.')) s.delete(k);
    const d = detectConfig(s);
    expect(d.config.decLayers).toBe(1);
    expect(d.notes.join('\n')).toMatch(/counted 1 decoder layers \(indices 0-0\); transformer\.decoder\.layers\.2\.\S+, .* do not continue that numbering/);
  });

  it('a non-numeric layer index is named too, and does not count', () => {
    const s = shapes();
    s.set('transformer.encoder.layers.x.weight', [1]);
    const d = detectConfig(s);
    expect(d.config.encLayers).toBe(1);
    expect(d.notes.join('\n')).toMatch(/transformer\.encoder\.layers\.x\.weight does not continue/);
  });

  it('validateConfig refuses non-positive and absurd dimensions', () => {
    expect(validateConfig(OFFICIAL_R50)).toEqual([]);
    expect(validateConfig({ ...OFFICIAL_R50, hiddenDim: 0 })).toContain('hiddenDim must be a positive integer');
    expect(validateConfig({ ...OFFICIAL_R50, dimFeedforward: 1_048_576 })).toContain('dimFeedforward 1048576 is larger than 65536');
    expect(validateConfig({ ...OFFICIAL_R50, decLayers: 1000 })).toContain('decLayers 1000 is larger than 64');
    expect(validateConfig({ ...OFFICIAL_R50, numQueries: Number.NaN })).toContain('numQueries must be a positive integer');
    expect(validateConfig({ ...OFFICIAL_R50, point2Hidden: [256, -1] })).toHaveLength(1);
  });
});

describe('safetensors: typed errors', () => {
  const st = (json: string) => {
    const h = new TextEncoder().encode(json);
    const b = new Uint8Array(8 + h.length + 16);
    new DataView(b.buffer).setUint32(0, h.length, true);
    b.set(h, 8);
    return b;
  };
  const code = (b: Uint8Array) => {
    try {
      parseHeader(b);
      return 'ok';
    } catch (e) {
      expect(e).toBeInstanceOf(SafetensorsError);
      expect(e).toBeInstanceOf(CheckpointError);
      return (e as SafetensorsError).code;
    }
  };

  it('refuses null entries, bad metadata and overlapping tensors with a code', () => {
    expect(code(st('{"a": null}'))).toBe('corrupt');
    expect(code(st('{"a": 5}'))).toBe('corrupt');
    expect(code(st('{"__metadata__": null}'))).toBe('corrupt');
    expect(code(st('{"__metadata__": {"k": 1}}'))).toBe('corrupt');
    expect(code(st('{"a": {"dtype": "toString", "shape": [1], "data_offsets": [0, 4]}}'))).toBe('unsupported');
    expect(code(st('{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}'))).toBe('corrupt');
    expect(code(st('{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}}'))).toBe('ok');
    expect(code(st('{"a": {"dtype": "F32", "shape": [8], "data_offsets": [0, 32]}}'))).toBe('truncated');
  });

  it('300 single-byte mutants of a header: each parses or gives a SafetensorsError', () => {
    const orig = st('{"__metadata__": {"format": "pt"}, "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F16", "shape": [4], "data_offsets": [8, 16]}}');
    let s = 12345;
    for (let n = 0; n < 300; n++) {
      s = (s * 1103515245 + 12345) >>> 0;
      const m = orig.slice();
      m[s % m.length] = (s >>> 8) & 0xff;
      code(m);
    }
  });
});
