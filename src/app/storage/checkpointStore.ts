/**
 * Checkpoints the user dropped, kept in the browser's origin-private file system (OPFS), so a
 * reload, a shared link naming one, or a later visit loads it without dropping it again. Nothing
 * here talks to a host: OPFS is local to this origin and browser profile.
 *
 * Layout: a `checkpoints/` folder with, per checkpoint, its bytes (`<name>.data`, the file as
 * dropped) and a small JSON sidecar (`<name>.json`: size, date, detected kind). The sidecar is
 * written after the bytes, so a write cut short (quota, tab closed) leaves no listed entry.
 *
 * The handles are typed structurally (what this module uses of FileSystemDirectoryHandle), so
 * the unit tests run it on an in-memory directory.
 */
import type { ModelConfig } from '../../model/config';

export interface StoredCheckpoint {
  /** The dropped file's name; the model's name is `upload:<name>`. */
  name: string;
  size: number;
  /** When it was stored (ms since the epoch). */
  storedAt: number;
  /** What the reader detected, e.g. "DETR, resnet50 + DC5". */
  kind: string;
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
export function checkpointKind(c: Pick<ModelConfig, 'decoder' | 'detrStyle' | 'smca' | 'backbone' | 'dilation' | 'multiscale'>): string {
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
      try {
        const meta = JSON.parse(await (await (await this.dir.getFileHandle(k)).getFile()).text()) as StoredCheckpoint;
        if (typeof meta.name === 'string' && Number.isFinite(meta.size)) out.push(meta);
      } catch {
        // A sidecar being written by another tab, or damaged: not listed.
      }
    }
    return out.sort((a, b) => b.storedAt - a.storedAt);
  }

  /** The stored file (a File: the worker reads it by byte range, like a dropped one), or null. */
  async file(name: string): Promise<File | null> {
    try {
      const f = await (await this.dir.getFileHandle(`${entry(name)}.data`)).getFile();
      // The stored bytes, under the name the user dropped (the reader guesses DC5 from it).
      return new File([f], name, { lastModified: f.lastModified });
    } catch {
      return null;
    }
  }

  /**
   * Stores a checkpoint (streamed: never held whole in memory). Throws a StoreError when there is
   * no room (checked first against the quota, and again by the write) or the write fails; then
   * nothing of it stays stored.
   */
  async put(name: string, file: Blob, kind: string): Promise<StoredCheckpoint> {
    const est = await this.estimate();
    if (est && est.quota - est.usage < file.size + MARGIN) {
      throw new StoreError('quota', `it needs ${fmtMB(file.size)} and this site has ${fmtMB(Math.max(0, est.quota - est.usage))} of browser storage left`);
    }
    const data = `${entry(name)}.data`;
    try {
      const w = await (await this.dir.getFileHandle(data, { create: true })).createWritable();
      await file.stream().pipeTo(w);
      const meta: StoredCheckpoint = { name, size: file.size, storedAt: Date.now(), kind };
      const mw = await (await this.dir.getFileHandle(`${entry(name)}.json`, { create: true })).createWritable();
      await new Blob([JSON.stringify(meta)]).stream().pipeTo(mw);
      return meta;
    } catch (e) {
      await this.remove(name);
      const err = e as Error;
      if (err.name === 'QuotaExceededError') throw new StoreError('quota', `the browser's storage quota for this site is full (${fmtMB(file.size)} needed)`);
      throw new StoreError('write', `writing it failed (${err.message || err.name})`);
    }
  }

  /** Removes a checkpoint; a missing one is not an error. */
  async remove(name: string): Promise<void> {
    for (const f of [`${entry(name)}.json`, `${entry(name)}.data`]) {
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
