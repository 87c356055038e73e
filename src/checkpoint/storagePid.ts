import { CheckpointError } from './errors';
import { type DType, STORAGE_DTYPES } from './dtypes';
import { type PyValue, PyGlobalRef, PyTuple } from './pyTypes';

/**
 * torch's persistent id for a storage: ('storage', StorageClass, key, location, numel) in the
 * zip format, plus a sixth view field in the legacy format: None, or (view_key, offset, size)
 * for storages that were views of another (very old torch versions).
 */
export interface StoragePid {
  dtype: DType;
  key: string;
  numel: number;
  view: { key: string; offset: number; numel: number } | null;
}

export function parseStoragePid(pid: PyValue, what: string): StoragePid {
  const bad = (why: string) => new CheckpointError('corrupt', `${what}: unexpected persistent id (${why})`);
  if (!(pid instanceof PyTuple) || pid.items[0] !== 'storage') throw bad('not a storage tuple');
  const [, cls, key, , numel, view] = pid.items;
  if (!(cls instanceof PyGlobalRef) || cls.module !== 'torch' || !(cls.name in STORAGE_DTYPES)) throw bad('unknown storage type');
  if (typeof key !== 'string' || typeof numel !== 'number') throw bad('key or size has the wrong type');
  if (!Number.isSafeInteger(numel) || numel < 0) throw bad(`storage size ${numel} is not a count`);
  if (key.length > 256) throw bad('the storage key is too long');
  let v: StoragePid['view'] = null;
  if (view instanceof PyTuple) {
    const [vk, off, n] = view.items;
    if (typeof vk !== 'string' || typeof off !== 'number' || typeof n !== 'number') throw bad('bad view field');
    if (![off, n].every((x) => Number.isSafeInteger(x) && x >= 0) || off + n > numel) throw bad('the storage view lies outside its storage');
    v = { key: vk, offset: off, numel: n };
  } else if (view !== undefined && view !== null) {
    throw bad('bad view field');
  }
  return { dtype: STORAGE_DTYPES[cls.name], key, numel, view: v };
}
