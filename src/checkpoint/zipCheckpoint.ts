import { type ByteSource, readRange } from './byteSource';
import { ELEMENT_SIZE } from './dtypes';
import { CheckpointError } from './errors';
import { unpickle } from './pickle';
import type { PyValue } from './pyTypes';
import { parseStoragePid } from './storagePid';
import { Backing, Storage } from './tensor';
import { type ZipEntry, checkCrc, entryDataOffset, readEntry, readZipDirectory } from './zip';

/**
 * torch.save's zip format: `<root>/data.pkl` is the object tree, each storage is the entry
 * `<root>/data/<key>`. Only the directory and data.pkl are read here; storages are read later,
 * by byte range, when a tensor asks.
 */
export async function openZipCheckpoint(src: ByteSource): Promise<PyValue> {
  const entries = await readZipDirectory(src);
  const names = [...entries.keys()];
  const pkl = names.find((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (!pkl) {
    const torchScript = names.some((n) => /^[^/]+\/(code\/|constants\.pkl$)/.test(n));
    throw new CheckpointError(
      'not-a-checkpoint',
      torchScript
        ? `"${src.name}" is a TorchScript archive (torch.jit.save), not a torch.save checkpoint; load the original .pth instead`
        : `"${src.name}" is a zip archive but not a PyTorch checkpoint: it has no <folder>/data.pkl entry`,
    );
  }
  const prefix = pkl.slice(0, -'data.pkl'.length);
  const pickle = await readEntry(src, entries.get(pkl)!);
  const storages = new Map<string, Storage>();
  const { value } = unpickle(pickle, 0, {
    what: pkl,
    persistentLoad(pid) {
      const p = parseStoragePid(pid, pkl);
      // One Storage per key: tensors sharing a storage (views, tied weights) share the object.
      let s = storages.get(p.key);
      if (!s) {
        const name = `${prefix}data/${p.key}`;
        const entry = entries.get(name);
        if (!entry) throw new CheckpointError('corrupt', `the checkpoint is damaged: storage entry "${name}" is missing from the archive`);
        // The entry's own size, not the size the pickle claims: what the file can really give.
        s = new Storage(p.key, p.dtype, p.numel, storageReader(src, entry, p.numel * ELEMENT_SIZE[p.dtype]), new Backing(entry.size, entry.method === 0));
        storages.set(p.key, s);
      } else if (s.dtype !== p.dtype || s.numel !== p.numel) {
        throw new CheckpointError('corrupt', `the checkpoint is damaged: storage ${p.key} appears with two types or sizes`);
      }
      return s;
    },
  });
  return value;
}

/**
 * Reads a storage's bytes by range. The first read fetches the whole entry once to check its
 * CRC-32 (for a model checkpoint that is the tensor itself: one storage per parameter), later
 * reads fetch only their range. A deflated storage is inflated once and kept, not once per
 * tensor viewing it.
 */
function storageReader(src: ByteSource, entry: ZipEntry, nbytes: number) {
  let dataStart: Promise<number> | null = null;
  // Settles once the CRC has been checked; holds no bytes, so the checked entry is not kept alive.
  let verified: Promise<void> | null = null;
  let inflated: Promise<Uint8Array> | null = null;
  return async (byteOffset: number, byteLength: number): Promise<Uint8Array> => {
    if (entry.size < nbytes) {
      throw new CheckpointError('corrupt', `the checkpoint is damaged: "${entry.name}" holds ${entry.size} bytes, its tensor needs ${nbytes}`);
    }
    if (entry.method !== 0) {
      inflated ??= readEntry(src, entry);
      return (await inflated).slice(byteOffset, byteOffset + byteLength);
    }
    dataStart ??= entryDataOffset(src, entry);
    const start = await dataStart;
    if (!verified) {
      // The first reader gets the whole checked entry (its own buffer when it asked for all of it).
      const first = (async () => {
        const whole = await readRange(src, start, entry.size, `storage "${entry.name}"`);
        checkCrc(src, entry, whole);
        return whole;
      })();
      verified = first.then(() => {});
      verified.catch(() => {}); // rethrown to later readers; not an unhandled rejection meanwhile
      const whole = await first;
      return byteOffset === 0 && byteLength === whole.length ? whole : whole.slice(byteOffset, byteOffset + byteLength);
    }
    await verified;
    return readRange(src, start + byteOffset, byteLength, `storage "${entry.name}"`);
  };
}
