import { existsSync, readFileSync, statSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { blobSource, bytesSource } from '../../src/checkpoint/byteSource';
import { MemorySink } from '../../src/checkpoint/byteSink';
import { openCheckpoint } from '../../src/checkpoint/checkpoint';
import { crc32 } from '../../src/checkpoint/crc32';
import { CheckpointError } from '../../src/checkpoint/errors';
import { openFileSource } from '../../src/checkpoint/nodeSource';
import { unpickle } from '../../src/checkpoint/pickle';
import { floatTensor } from '../../src/checkpoint/pickleWriter';
import { type PyValue, toPlain } from '../../src/checkpoint/pyTypes';
import { TensorRef } from '../../src/checkpoint/tensor';
import { torchSave } from '../../src/checkpoint/torchSave';
import { readZipDirectory } from '../../src/checkpoint/zip';

const dir = 'test/fixtures/pth';
const expected = JSON.parse(readFileSync(`${dir}/mini.expected.json`, 'utf8'));

/** Values as mini.expected.json writes them: numbers in C order, bool as 0/1. */
async function values(t: TensorRef): Promise<number[]> {
  const a = await t.read();
  if (t.dtype === 'int64') return Array.from(a as BigInt64Array, Number);
  if (t.dtype === 'float16' || t.dtype === 'bfloat16') return Array.from(await t.readFloat32());
  return Array.from(a as ArrayLike<number>);
}

async function decode(file: string) {
  const src = await openFileSource(`${dir}/${file}`);
  try {
    const ck = await openCheckpoint(src);
    const plain = toPlain(ck.root) as Record<string, Record<string, unknown>>;
    const model: Record<string, unknown> = {};
    for (const [k, t] of Object.entries(plain.model)) {
      const r = t as TensorRef;
      model[k] = { dtype: r.dtype, shape: r.shape, values: await values(r) };
    }
    return { format: ck.format, plain, decoded: { epoch: plain.epoch, args: { ...plain.args }, model } };
  } finally {
    await src.close();
  }
}

async function errorOf(p: Promise<unknown>): Promise<CheckpointError> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(CheckpointError);
  return e as CheckpointError;
}

describe('reading the vendored torch.save fixtures', () => {
  it.each(['mini.pth', 'mini_legacy.pth'])('%s decodes exactly to mini.expected.json', async (file) => {
    const { format, decoded } = await decode(file);
    expect(format).toBe(file.includes('legacy') ? 'legacy' : 'zip');
    expect(decoded).toEqual(expected);
  });

  it('keeps optimizer tensors as unread lazy references, with integer dict keys', async () => {
    const { plain } = await decode('mini.pth');
    const state = (plain.optimizer.state as Record<string, Record<string, unknown>>)['0'];
    expect(state.step).toBe(3);
    expect(state.exp_avg).toBeInstanceOf(TensorRef);
    const src = await openFileSource(`${dir}/mini.pth`);
    const ck = await openCheckpoint(src);
    const opt = (ck.root as Map<PyValue, PyValue>).get('optimizer') as Map<PyValue, PyValue>;
    expect([...(opt.get('state') as Map<PyValue, PyValue>).keys()]).toEqual([0]);
    await src.close();
  });

  it('reads a Blob (the browser path) the same as a file', async () => {
    const bytes = readFileSync(`${dir}/mini.pth`);
    const ck = await openCheckpoint(blobSource(new Blob([bytes]), 'mini.pth'));
    const t = (toPlain(ck.root) as { model: Record<string, TensorRef> }).model['view.transposed'];
    expect(await values(t)).toEqual(expected.model['view.transposed'].values);
  });

  it('truncated.pth: says the file is truncated', async () => {
    const e = await errorOf(openFileSource(`${dir}/truncated.pth`).then(openCheckpoint));
    expect(e.code).toBe('truncated');
    expect(e.message).toMatch(/"truncated\.pth" starts like a zip archive .* truncated or damaged \(1969 bytes/);
  });

  it('a legacy file cut short: says the file is truncated', async () => {
    const bytes = readFileSync(`${dir}/mini_legacy.pth`);
    const e = await errorOf(openCheckpoint(bytesSource(bytes.subarray(0, 1000), 'cut.pth')));
    expect(e.code).toBe('truncated');
    expect(e.message).toMatch(/truncated: legacy main pickle ends at byte 1000/);
    // Pickles intact, storages cut: found when the storage table is walked.
    const ck = await openCheckpoint(bytesSource(bytes.subarray(0, 2200), 'cut.pth'));
    const t = (toPlain(ck.root) as { model: Record<string, TensorRef> }).model['query_embed.weight'];
    const e2 = await errorOf(t.read());
    expect(e2.code).toBe('truncated');
    expect(e2.message).toMatch(/needs bytes up to \d+, but the file has only 2200 bytes/);
  });

  it('malicious.pth: refuses posix.system by name and runs nothing', async () => {
    const pwnedBefore = existsSync('/tmp/pwned') ? statSync('/tmp/pwned').mtimeMs : null;
    const e = await errorOf(openFileSource(`${dir}/malicious.pth`).then(openCheckpoint));
    expect(e.code).toBe('refused-global');
    expect(e.message).toBe('refusing to load "posix.system" from the checkpoint: only tensors, dicts and argparse.Namespace are allowed');
    expect(existsSync('/tmp/pwned') ? statSync('/tmp/pwned').mtimeMs : null).toBe(pwnedBefore);
  });

  it('not_a_checkpoint.pth: names what the file looks like', async () => {
    const e = await errorOf(openFileSource(`${dir}/not_a_checkpoint.pth`).then(openCheckpoint));
    expect(e.code).toBe('not-a-checkpoint');
    expect(e.message).toMatch(/"not_a_checkpoint\.pth" is not a PyTorch checkpoint: it starts like a PNG image \(89 50 4e 47/);
  });
});

/** A pickle from opcodes: strings are written as latin1 bytes. */
function pk(...parts: (number | string)[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'number') out.push(p);
    else for (const ch of p) out.push(ch.charCodeAt(0));
  }
  return Uint8Array.from(out);
}
const run = (b: Uint8Array) => unpickle(b, 0, { what: 'test pickle' }).value;

describe('the pickle reader executes nothing', () => {
  it('refuses globals outside the allow-list, however they are named', () => {
    expect(() => run(pk(0x80, 2, 'c', 'os\nsystem\n', '.'))).toThrow('refusing to load "os.system"');
    // STACK_GLOBAL (protocol 4) with SHORT_BINUNICODE names
    expect(() => run(pk(0x80, 4, 0x8c, 8, 'builtins', 0x8c, 4, 'eval', 0x93, '.'))).toThrow('refusing to load "builtins.eval"');
    // INST (protocol 0)
    expect(() => run(pk('(', 'i', 'subprocess\nPopen\n', '.'))).toThrow('refusing to load "subprocess.Popen"');
    expect(() => run(pk(0x80, 2, 'c', 'torch\nload\n', '.'))).toThrow('refusing to load "torch.load"');
    expect(() => run(pk(0x80, 2, 'c', 'torch.storage\n_load_from_bytes\n', '.'))).toThrow('refusing to load "torch.storage._load_from_bytes"');
    expect(() => run(pk(0x80, 2, 0x82, 1, '.'))).toThrow(/extension registry/);
  });

  it('refuses to call allowed names that are not constructors', () => {
    expect(() => run(pk(0x80, 2, 'c', 'torch\nFloatStorage\n', ')', 'R', '.'))).toThrow('refusing to load "calling torch.FloatStorage"');
  });

  it('decodes data opcodes of protocols 2-4', () => {
    // {"a": [1, -2, 70000, 2**70, 1.5, None, True, (b"xy",)]} using several encodings
    const b = pk(0x80, 4, 0x95, 0, 0, 0, 0, 0, 0, 0, 0, '}', 0x94, 0x8c, 1, 'a', ']', 0x94, '(',
      'K', 1, 'J', 0xfe, 0xff, 0xff, 0xff, 'J', 0x70, 0x11, 0x01, 0x00, 0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0x40,
      'G', 0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 'N', 0x88, 'C', 2, 'xy', 0x85, 'e', 's', '.');
    const v = run(b) as Map<string, PyValue[]>;
    const list = v.get('a')!;
    expect(list.slice(0, 3)).toEqual([1, -2, 70000]);
    expect(list[3]).toBe(2n ** 70n);
    expect(list.slice(4, 7)).toEqual([1.5, null, true]);
    expect(toPlain(list[7])).toEqual([Uint8Array.from([0x78, 0x79])]);
  });

  it('turns a "__proto__" key into data, not a prototype', () => {
    const v = run(pk(0x80, 2, '}', 'X', 9, 0, 0, 0, '__proto__', '}', 'X', 5, 0, 0, 0, 'admin', 0x88, 's', 's', '.'));
    const plain = toPlain(v) as Record<string, Record<string, unknown>>;
    expect(Object.keys(plain)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('reports a pickle that runs off its end as truncated', () => {
    expect(() => run(pk(0x80, 2, 'X', 100, 0, 0, 0, 'abc'))).toThrow(/truncated: test pickle ends at byte 10/);
  });
});

describe('zip details', () => {
  async function smallCheckpoint(forceZip64: boolean): Promise<Uint8Array> {
    const sink = new MemorySink();
    await torchSave(sink, { model: { w: floatTensor([2, 3], () => Float32Array.of(1, 2, 3, 4, 5, 6)) } }, { forceZip64 });
    return sink.bytes();
  }

  it('reads ZIP64 records and extra fields', async () => {
    const bytes = await smallCheckpoint(true);
    const entries = await readZipDirectory(bytesSource(bytes));
    expect([...entries.keys()]).toEqual(['archive/data.pkl', 'archive/data/0', 'archive/version']);
    const ck = await openCheckpoint(bytesSource(bytes));
    const w = (toPlain(ck.root) as { model: Record<string, TensorRef> }).model.w;
    expect(Array.from(await w.readFloat32())).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('inflates deflate-compressed entries (a checkpoint re-zipped by another tool)', async () => {
    // Rebuild the archive with every entry deflated.
    const src = bytesSource(await smallCheckpoint(false));
    const entries = await readZipDirectory(src);
    const { readEntry } = await import('../../src/checkpoint/zip');
    const parts: Uint8Array[] = [];
    const central: Uint8Array[] = [];
    let pos = 0;
    for (const e of entries.values()) {
      const raw = await readEntry(src, e);
      const comp = deflateRawSync(raw);
      const name = new TextEncoder().encode(e.name);
      const head = new DataView(new ArrayBuffer(30));
      head.setUint32(0, 0x04034b50, true); head.setUint16(8, 8, true); head.setUint32(14, crc32(raw), true);
      head.setUint32(18, comp.length, true); head.setUint32(22, raw.length, true); head.setUint16(26, name.length, true);
      const cd = new DataView(new ArrayBuffer(46));
      cd.setUint32(0, 0x02014b50, true); cd.setUint16(10, 8, true); cd.setUint32(16, crc32(raw), true);
      cd.setUint32(20, comp.length, true); cd.setUint32(24, raw.length, true); cd.setUint16(28, name.length, true); cd.setUint32(42, pos, true);
      parts.push(new Uint8Array(head.buffer), name, comp);
      central.push(new Uint8Array(cd.buffer), name);
      pos += 30 + name.length + comp.length;
    }
    const cdLen = central.reduce((n, c) => n + c.length, 0);
    const eocd = new DataView(new ArrayBuffer(22));
    eocd.setUint32(0, 0x06054b50, true); eocd.setUint16(8, entries.size, true); eocd.setUint16(10, entries.size, true);
    eocd.setUint32(12, cdLen, true); eocd.setUint32(16, pos, true);
    const zipped = new Uint8Array(await new Blob([...parts, ...central, new Uint8Array(eocd.buffer)] as BlobPart[]).arrayBuffer());
    const ck = await openCheckpoint(bytesSource(zipped));
    const w = (toPlain(ck.root) as { model: Record<string, TensorRef> }).model.w;
    expect(Array.from(await w.readFloat32())).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('says so when a zip is not a torch.save archive', async () => {
    const bytes = await smallCheckpoint(false);
    // Rename data.pkl in both headers: same length, so offsets stay valid.
    const text = Buffer.from(bytes).toString('latin1').replaceAll('archive/data.pkl', 'archive/data.pkx');
    const e = await errorOf(openCheckpoint(bytesSource(Buffer.from(text, 'latin1'), 'other.zip')));
    expect(e.code).toBe('not-a-checkpoint');
    expect(e.message).toBe('"other.zip" is a zip archive but not a PyTorch checkpoint: it has no <folder>/data.pkl entry');
  });
});
