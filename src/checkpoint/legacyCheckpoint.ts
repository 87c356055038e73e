import { type ByteSource, readRange } from './byteSource';
import { type DType, ELEMENT_SIZE } from './dtypes';
import { CheckpointError, truncated } from './errors';
import { PickleEndOfData, unpickle } from './pickle';
import type { PyValue } from './pyTypes';
import { parseStoragePid } from './storagePid';
import { Storage } from './tensor';

/**
 * The legacy (pre-1.6, `_use_new_zipfile_serialization=False`) format: five pickles back to
 * back (magic number, protocol version, sys info, the object tree, the storage key list), then
 * every storage as an int64 element count followed by its raw bytes, in key-list order.
 * Pickles are parsed from a growing prefix of the file; storage offsets are found by hopping
 * from count to count, never reading the storage bytes in between.
 */
const MAGIC = 0x1950a86a20f9469cfc6cn;
const FIRST_CHUNK = 1 << 16;

class GrowingPrefix {
  bytes = new Uint8Array(0);
  constructor(private readonly src: ByteSource) {}
  get complete(): boolean {
    return this.bytes.length >= this.src.size;
  }
  async grow(): Promise<void> {
    const want = Math.min(this.src.size, Math.max(FIRST_CHUNK, this.bytes.length * 2));
    const more = await readRange(this.src, this.bytes.length, want - this.bytes.length, 'legacy checkpoint header');
    const next = new Uint8Array(want);
    next.set(this.bytes);
    next.set(more, this.bytes.length);
    this.bytes = next;
  }
}

/** Parses the pickle at `start`, reading more of the file while the pickle runs past what we have. */
async function pickleAt(prefix: GrowingPrefix, start: number, what: string, persistentLoad?: (pid: PyValue) => PyValue) {
  for (;;) {
    try {
      return unpickle(prefix.bytes, start, { what, persistentLoad });
    } catch (e) {
      if (!(e instanceof PickleEndOfData) || prefix.complete) throw e;
      await prefix.grow();
    }
  }
}

export async function openLegacyCheckpoint(src: ByteSource): Promise<PyValue> {
  const prefix = new GrowingPrefix(src);
  await prefix.grow();
  const magic = await pickleAt(prefix, 0, 'legacy magic number');
  if (magic.value !== MAGIC) {
    throw new CheckpointError('not-a-checkpoint', `"${src.name}" is a Python pickle, but not one written by torch.save (no PyTorch magic number)`);
  }
  const proto = await pickleAt(prefix, magic.end, 'legacy protocol version');
  if (proto.value !== 1001) throw new CheckpointError('unsupported', `legacy checkpoint protocol ${String(proto.value)} is not supported (expected 1001)`);
  const sys = await pickleAt(prefix, proto.end, 'legacy sys info');
  if (sys.value instanceof Map && sys.value.get('little_endian') === false) {
    throw new CheckpointError('unsupported', `"${src.name}" was written on a big-endian machine; re-save it on a little-endian one`);
  }

  const roots = new Map<string, { dtype: DType; numel: number }>();
  const storages = new Map<string, Storage>();
  // Known once the key-list pickle after the main one is parsed; storages are read only after that.
  let keys: string[] = [];
  let dataStart = 0;
  let table: Promise<Map<string, number>> | null = null;
  const readRoot = (key: string) => async (byteOffset: number, byteLength: number) => {
    table ??= storageTable(src, keys, roots, dataStart);
    const at = (await table).get(key)!;
    return readRange(src, at + byteOffset, byteLength, `storage ${key}`);
  };
  const main = await pickleAt(prefix, sys.end, 'legacy main pickle', (pid) => {
    const p = parseStoragePid(pid, 'legacy main pickle');
    const root = roots.get(p.key);
    if (root && root.dtype !== p.dtype) throw new CheckpointError('corrupt', `storage ${p.key} appears with two dtypes`);
    if (!root) roots.set(p.key, { dtype: p.dtype, numel: p.numel });
    const id = p.view ? `${p.key}/${p.view.key}` : p.key;
    let s = storages.get(id);
    if (!s) {
      const read = readRoot(p.key);
      const es = ELEMENT_SIZE[p.dtype];
      s = p.view
        ? new Storage(p.view.key, p.dtype, p.view.numel, (off, len) => read(p.view!.offset * es + off, len))
        : new Storage(p.key, p.dtype, p.numel, read);
      storages.set(id, s);
    }
    return s;
  });
  const keyList = await pickleAt(prefix, main.end, 'legacy storage key list');
  if (!Array.isArray(keyList.value) || keyList.value.some((k) => typeof k !== 'string')) {
    throw new CheckpointError('corrupt', 'legacy storage key list is not a list of strings');
  }
  keys = keyList.value as string[];
  dataStart = keyList.end;
  return main.value;
}

/** Byte offset of each storage's data, found by walking the (count, bytes) records. */
async function storageTable(src: ByteSource, keys: string[], roots: Map<string, { dtype: DType; numel: number }>, start: number) {
  const at = new Map<string, number>();
  let pos = start;
  for (const k of keys) {
    const root = roots.get(k);
    if (!root) throw new CheckpointError('corrupt', `legacy storage ${k} is listed but no tensor uses it, so its element size is unknown`);
    const head = await readRange(src, pos, 8, `size of storage ${k}`);
    const count = Number(new DataView(head.buffer, head.byteOffset, 8).getBigInt64(0, true));
    if (count !== root.numel) throw new CheckpointError('corrupt', `legacy storage ${k} has ${count} elements, its persistent id says ${root.numel}`);
    at.set(k, pos + 8);
    pos += 8 + count * ELEMENT_SIZE[root.dtype];
  }
  if (pos > src.size) throw truncated('the last storage', pos, src.size);
  for (const k of roots.keys()) if (!at.has(k)) throw new CheckpointError('corrupt', `legacy storage ${k} is used but missing from the key list`);
  return at;
}
