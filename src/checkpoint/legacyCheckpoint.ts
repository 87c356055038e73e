import { type ByteSource, readRange } from './byteSource';
import { type DType, ELEMENT_SIZE } from './dtypes';
import { CheckpointError, truncated } from './errors';
import { describeValue } from './describeValue';
import { PickleEndOfData, unpickle } from './pickle';
import type { PyValue } from './pyTypes';
import { parseStoragePid } from './storagePid';
import { Backing, Storage } from './tensor';

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
  get size(): number {
    return this.src.size;
  }
  get complete(): boolean {
    return this.bytes.length >= this.src.size;
  }
  /** Doubles what is held, or reads up to `atLeast` when that is further. */
  async grow(atLeast = 0): Promise<void> {
    const want = Math.min(this.src.size, Math.max(FIRST_CHUNK, this.bytes.length * 2, atLeast));
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
      return unpickle(prefix.bytes, start, { what, persistentLoad, sizeBound: prefix.size - start });
    } catch (e) {
      if (!(e instanceof PickleEndOfData) || prefix.complete) throw e;
      // A length the rest of the file cannot hold is refused before reading it: a pickle that
      // claims a 2 GB string in a 256 MB file is truncated, whatever the bytes in between.
      if (e.needEnd > prefix.size) throw truncated(`${what} (a length it announces)`, e.needEnd, prefix.size);
      await prefix.grow(e.needEnd);
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
  if (proto.value !== 1001) throw new CheckpointError('unsupported', `legacy checkpoint protocol ${describeValue(proto.value)} is not supported (expected 1001)`);
  const sys = await pickleAt(prefix, proto.end, 'legacy sys info');
  if (sys.value instanceof Map && sys.value.get('little_endian') === false) {
    throw new CheckpointError('unsupported', `"${src.name}" was written on a big-endian machine; re-save it on a little-endian one`);
  }

  const roots = new Map<string, { dtype: DType; numel: number; backing: Backing }>();
  // Roots by their key, views by theirs: two maps, so no root name can pass for a view (an id
  // built as "root/view" made root "a/b" and root "a"'s view "b" one storage).
  const rootStorages = new Map<string, Storage>();
  const views = new Map<string, { root: string; offset: number; storage: Storage }>();
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
    let root = roots.get(p.key);
    if (root && (root.dtype !== p.dtype || root.numel !== p.numel)) throw new CheckpointError('corrupt', `storage ${shortKey(p.key)} appears with two dtypes or sizes`);
    if (!root) {
      root = { dtype: p.dtype, numel: p.numel, backing: new Backing(p.numel * ELEMENT_SIZE[p.dtype], true) };
      roots.set(p.key, root);
    }
    // torch.load keeps roots and views in one table by key: a key used for both, or a view key
    // that returns with another root or range, would be read differently depending on order.
    const clash = (k: string) => new CheckpointError('corrupt', `legacy storage key ${shortKey(k)} names two different storages`);
    if (!p.view) {
      if (views.has(p.key)) throw clash(p.key);
      let s = rootStorages.get(p.key);
      if (!s) rootStorages.set(p.key, (s = new Storage(p.key, p.dtype, p.numel, readRoot(p.key), root.backing)));
      return s;
    }
    const v = p.view;
    if (roots.has(v.key) || rootStorages.has(v.key)) throw clash(v.key);
    const known = views.get(v.key);
    if (known) {
      if (known.root !== p.key || known.offset !== v.offset || known.storage.numel !== v.numel) throw clash(v.key);
      return known.storage;
    }
    const read = readRoot(p.key);
    const at = v.offset * ELEMENT_SIZE[p.dtype];
    const storage = new Storage(v.key, p.dtype, v.numel, (off, len) => read(at + off, len), root.backing);
    views.set(v.key, { root: p.key, offset: v.offset, storage });
    return storage;
  });
  const keyList = await pickleAt(prefix, main.end, 'legacy storage key list');
  if (!Array.isArray(keyList.value) || keyList.value.some((k) => typeof k !== 'string')) {
    throw new CheckpointError('corrupt', 'legacy storage key list is not a list of strings');
  }
  keys = keyList.value as string[];
  dataStart = keyList.end;
  return main.value;
}

/** A storage key from the file, short enough for a message. */
function shortKey(k: string): string {
  return JSON.stringify(k.length > 40 ? `${k.slice(0, 40)}...` : k);
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
