/**
 * Checkpoints the user dropped, kept in the browser's origin-private file system (OPFS), so a
 * reload, a shared link naming one, or a later visit loads it without dropping it again. Nothing
 * here talks to a host: OPFS is local to this origin and browser profile.
 *
 * Layout: a `checkpoints/` folder with, per checkpoint, the model (`<name>.model`: its float32
 * weights and what the reader found, written by the worker: worker/storedModel.ts; not the
 * optimizer state, which is two thirds of an official training checkpoint) and a small JSON
 * sidecar (`<name>.json`: size, date, detected kind). The sidecar is written after the model, so
 * a write cut short (quota, tab closed) leaves no listed entry. Entries kept before the model
 * alone was (the file as dropped, `<name>.data`) still list and load; loading one stores its
 * model in its place.
 *
 * The handles are typed structurally (what this module uses of FileSystemDirectoryHandle), so
 * the unit tests run it on an in-memory directory.
 */
import type { ModelConfig } from '../../worker/messages';

export interface StoredCheckpoint {
  /** The dropped file's name; the model's name is `upload:<name>`. */
  name: string;
  /** Bytes it takes here. */
  size: number;
  /** 'model': the model's weights; 'file' (or absent: sidecars from before had none): the .pth as dropped. */
  format?: 'model' | 'file';
  /** The dropped file's size (absent: `size`). */
  fileSize?: number;
  /** When it was stored (ms since the epoch). */
  storedAt: number;
  /** What the reader detected, e.g. "DETR, resnet50 + DC5" (with DC5 as the user chose it). */
  kind: string;
  /**
   * DC5 as the user chose it where the checkpoint does not say (the model's guess was the other
   * one); absent: as detected. Applied each time it loads, from here or dropped again.
   */
  dilation?: boolean;
}

/** What is stored of a checkpoint, to load it (see CheckpointStore.get). */
export interface StoredFile {
  file: File;
  format: 'model' | 'file';
  /** The dropped file's size. */
  fileSize: number;
  /** The user's DC5 for it (StoredCheckpoint.dilation). */
  dilation?: boolean;
}

export interface StorageInfo {
  usage: number;
  quota: number;
  /** navigator.storage.persisted(): true when the browser will not evict this origin's data under pressure. */
  persisted: boolean;
}

export interface FileHandleLike {
  getFile(): Promise<File>;
  createWritable(): Promise<WritableStream<Uint8Array>>;
}

export interface DirLike {
  getDirectoryHandle(name: string, options?: { create?: boolean }): Promise<DirLike>;
  getFileHandle(name: string, options?: { create?: boolean }): Promise<FileHandleLike>;
  removeEntry(name: string): Promise<void>;
  keys(): AsyncIterable<string>;
}

/** What the store needs of navigator.storage. */
export interface StorageLike {
  getDirectory?: () => Promise<unknown>;
  estimate?: () => Promise<{ usage?: number; quota?: number }>;
  persist?: () => Promise<boolean>;
  persisted?: () => Promise<boolean>;
}

/** A store failure, with a message that fits on one line of the page. */
export class StoreError extends Error {
  constructor(
    readonly code: 'quota' | 'unavailable' | 'write' | 'read',
    message: string,
  ) {
    super(message);
  }
}

const DIR = 'checkpoints';
/** Room left free beside a new checkpoint (the browser's own bookkeeping, the sidecar). */
const MARGIN = 1 << 20;

export const fmtMB = (n: number) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${Math.max(0, Math.round(n / 1e3))} kB`);

/** A file name as an OPFS entry name: no separators, never "." or "..". */
const entry = (name: string) => encodeURIComponent(name).replace(/\./g, '%2E');

/** What kind of model a checkpoint holds, in words (the stored list shows it). */
export function checkpointKind(c: Pick<ModelConfig, 'decoder' | 'detrStyle' | 'smca' | 'backbone' | 'dilation' | 'multiscale'> & Partial<Pick<ModelConfig, 'numPatterns' | 'withBoxRefine' | 'twoStage'>>): string {
  if (c.decoder === 'deformable') return `Deformable DETR${c.twoStage ? ' (two-stage)' : c.withBoxRefine ? ' (box refinement)' : ''}, ${c.backbone}`;
  if (c.decoder === 'dab') return `DAB-DETR${c.numPatterns ? ` (${c.numPatterns} patterns)` : ''}, ${c.backbone}${c.dilation ? ' + DC5' : ''}`;
  const family = c.decoder === 'detr' ? (c.detrStyle === 'official' ? 'DETR' : 'DETR-style baseline') : `SAM-DETR${c.multiscale ? ' multi-scale' : ''}${c.smca ? ' + SMCA' : ''}`;
  return `${family}, ${c.backbone}${c.dilation ? ' + DC5' : ''}`;
}

export class CheckpointStore {
  private constructor(
    private readonly dir: DirLike,
    private readonly storage: StorageLike,
  ) {}

  /**
   * Opens the store, or says in one sentence why this browser cannot keep checkpoints (no OPFS,
   * a private window that refuses it).
   */
  static async open(storage: StorageLike | undefined): Promise<CheckpointStore | StoreError> {
    if (!storage?.getDirectory) return new StoreError('unavailable', 'this browser has no origin-private file system');
    try {
      const root = (await storage.getDirectory()) as DirLike;
      return new CheckpointStore(await root.getDirectoryHandle(DIR, { create: true }), storage);
    } catch (e) {
      return new StoreError('unavailable', `this browser refuses the origin-private file system (${(e as Error).message || (e as Error).name}; a private window?)`);
    }
  }

  /** The stored checkpoints, newest first. An entry whose sidecar cannot be read is left out. */
  async list(): Promise<StoredCheckpoint[]> {
    const out: StoredCheckpoint[] = [];
    for await (const k of this.dir.keys()) {
      if (!k.endsWith('.json')) continue;
      const meta = await this.sidecar(k);
      if (meta) out.push(meta);
    }
    return out.sort((a, b) => b.storedAt - a.storedAt);
  }

  private async sidecar(k: string): Promise<StoredCheckpoint | null> {
    try {
      const m = JSON.parse(await (await (await this.dir.getFileHandle(k)).getFile()).text()) as Partial<StoredCheckpoint>;
      if (typeof m.name !== 'string' || !Number.isFinite(m.size)) return null;
      // Sidecars written before the model alone was stored have no format: the file as dropped.
      const { dilation, ...rest } = m;
      return { ...rest, format: m.format === 'model' ? 'model' : 'file', fileSize: m.fileSize ?? m.size, ...(typeof dilation === 'boolean' ? { dilation } : {}) } as StoredCheckpoint;
    } catch {
      // A sidecar being written by another tab, or damaged: not listed.
      return null;
    }
  }

  /**
   * What is stored of a checkpoint: the model, or (an entry from before) the file as dropped
   * (the worker reads either by byte range, like a dropped file); null if nothing is.
   */
  async get(name: string): Promise<StoredFile | null> {
    const meta = await this.sidecar(`${entry(name)}.json`);
    if (!meta) return null;
    try {
      const f = await (await this.dir.getFileHandle(`${entry(name)}.${meta.format === 'model' ? 'model' : 'data'}`)).getFile();
      // Under the name the user dropped (the reader guesses DC5 from it).
      const dilation = meta.dilation === undefined ? {} : { dilation: meta.dilation };
      return { file: new File([f], name, { lastModified: f.lastModified }), format: meta.format === 'model' ? 'model' : 'file', fileSize: meta.fileSize ?? meta.size, ...dilation };
    } catch {
      return null;
    }
  }

  /**
   * Stores a checkpoint's model: `write` (the worker) writes it into the file handle it gets and
   * says how many bytes it wrote; `need` is what it will take (checked first against the quota,
   * and again by the write). An entry of the same name is replaced once the new one is complete.
   * Throws a StoreError when there is no room or the write fails; then nothing new stays stored.
   */
  async put(name: string, need: number, info: { kind: string; fileSize: number; dilation?: boolean }, write: (h: FileHandleLike) => Promise<number>): Promise<StoredCheckpoint> {
    const est = await this.estimate();
    if (est && est.quota - est.usage < need + MARGIN) {
      throw new StoreError('quota', `it needs ${fmtMB(need)} and this site has ${fmtMB(Math.max(0, est.quota - est.usage))} of browser storage left`);
    }
    const e = entry(name);
    const older = await this.sidecar(`${e}.json`);
    try {
      const size = await write(await this.dir.getFileHandle(`${e}.model`, { create: true }));
      const dilation = info.dilation === undefined ? {} : { dilation: info.dilation };
      const meta: StoredCheckpoint = { name, size, format: 'model', fileSize: info.fileSize, storedAt: Date.now(), kind: info.kind, ...dilation };
      await this.writeSidecar(e, meta);
      // The file as dropped, if an older entry kept it: the model now stands for it.
      if (older?.format === 'file') await this.dir.removeEntry(`${e}.data`).catch(() => {});
      return meta;
    } catch (err) {
      // An older entry kept as the file stays as it was; an older model was being overwritten and goes.
      await this.dir.removeEntry(`${e}.model`).catch(() => {});
      if (older?.format !== 'file') await this.dir.removeEntry(`${e}.json`).catch(() => {});
      const x = err as Error;
      if (x.name === 'QuotaExceededError') throw new StoreError('quota', `the browser's storage quota for this site is full (${fmtMB(need)} needed)`);
      throw new StoreError('write', `writing it failed (${x.message || x.name})`);
    }
  }

  private async writeSidecar(e: string, meta: StoredCheckpoint): Promise<void> {
    const mw = await (await this.dir.getFileHandle(`${e}.json`, { create: true })).createWritable();
    await new Blob([JSON.stringify(meta)]).stream().pipeTo(mw);
  }

  /**
   * Keeps the user's DC5 for a stored checkpoint (undefined: as detected again) and its kind in
   * words with it. False when it is not stored (nothing to keep it with); throws a StoreError
   * when the write fails.
   */
  async setDilation(name: string, dilation: boolean | undefined, kind: string): Promise<boolean> {
    const meta = await this.sidecar(`${entry(name)}.json`);
    if (!meta) return false;
    const rest: StoredCheckpoint = { ...meta };
    delete rest.dilation;
    try {
      await this.writeSidecar(entry(name), { ...rest, kind, ...(dilation === undefined ? {} : { dilation }) });
    } catch (err) {
      throw new StoreError('write', `keeping its DC5 setting failed (${(err as Error).message || (err as Error).name})`);
    }
    return true;
  }

  /** Removes a checkpoint; a missing one is not an error. */
  async remove(name: string): Promise<void> {
    for (const f of [`${entry(name)}.json`, `${entry(name)}.model`, `${entry(name)}.data`]) {
      try {
        await this.dir.removeEntry(f);
      } catch {
        // Not there (never fully written, or removed by another tab).
      }
    }
  }

  private async estimate(): Promise<{ usage: number; quota: number } | null> {
    if (!this.storage.estimate) return null;
    try {
      const e = await this.storage.estimate();
      return e.quota === undefined ? null : { usage: e.usage ?? 0, quota: e.quota };
    } catch {
      return null;
    }
  }

  /** Storage used by this site, its quota, and whether it is persistent. */
  async info(): Promise<StorageInfo | null> {
    const e = await this.estimate();
    if (!e) return null;
    const persisted = await this.storage.persisted?.().catch(() => false);
    return { ...e, persisted: !!persisted };
  }

  /**
   * Asks the browser to keep this site's storage under pressure (otherwise it may evict stored
   * checkpoints). Chromium decides without a prompt, by how the site is used; false is common.
   */
  async persist(): Promise<boolean> {
    try {
      return (await this.storage.persisted?.()) || !!(await this.storage.persist?.());
    } catch {
      return false;
    }
  }
}
