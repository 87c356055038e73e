/**
 * The image the user last opened, kept in this browser's origin-private file system, so a reload
 * (its URL says `image=upload`) shows it again instead of silently falling back to an example.
 * One image at a time: each new one replaces it. The file is kept as opened, not as decoded
 * pixels: smaller, and it decodes the same way again. Nothing leaves the browser.
 *
 * Layout: an `image/` folder with `last.data` (the bytes) and `last.json` (name, type, size,
 * date). The sidecar is removed before a new image is written and written after it, so an image
 * that could not be kept (too large, no room) never brings back the one before it.
 */
import type { DirLike, StorageLike } from './checkpointStore';

const DIR = 'image';
const DATA = 'last.data';
const META = 'last.json';
/** Larger files are not kept: a reload then says the image is gone (decoding caps the pixels anyway). */
export const MAX_KEPT_IMAGE_BYTES = 64 * 2 ** 20;

interface Meta {
  name: string;
  type: string;
  size: number;
  storedAt: number;
}

async function imageDir(storage: StorageLike | undefined, create: boolean): Promise<DirLike | null> {
  if (!storage?.getDirectory) return null;
  const root = (await storage.getDirectory()) as DirLike;
  return root.getDirectoryHandle(DIR, { create });
}

async function write(dir: DirLike, name: string, data: Blob): Promise<void> {
  await data.stream().pipeTo(await (await dir.getFileHandle(name, { create: true })).createWritable());
}

/** Keeps `file` as the last image (replacing the one before); false when it could not be kept. */
export async function keepImage(storage: StorageLike | undefined, file: File): Promise<boolean> {
  try {
    const dir = await imageDir(storage, true);
    if (!dir) return false;
    await dir.removeEntry(META).catch(() => undefined);
    if (file.size > MAX_KEPT_IMAGE_BYTES) {
      await dir.removeEntry(DATA).catch(() => undefined);
      return false;
    }
    await write(dir, DATA, file);
    const meta: Meta = { name: file.name, type: file.type, size: file.size, storedAt: Date.now() };
    await write(dir, META, new Blob([JSON.stringify(meta)]));
    return true;
  } catch {
    return false;
  }
}

/** The last image kept here, as the file it was opened from; null when there is none (or it is damaged). */
export async function keptImage(storage: StorageLike | undefined): Promise<File | null> {
  try {
    const dir = await imageDir(storage, false);
    if (!dir) return null;
    const meta = JSON.parse(await (await (await dir.getFileHandle(META)).getFile()).text()) as Meta;
    const data = await (await dir.getFileHandle(DATA)).getFile();
    if (typeof meta.name !== 'string' || data.size !== meta.size) return null;
    return new File([data], meta.name, { type: typeof meta.type === 'string' ? meta.type : '' });
  } catch {
    return null;
  }
}
