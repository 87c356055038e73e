/** An in-memory origin-private file system for the store's tests (test/app-checkpointStore, app-storedModel). */
import type { DirLike, FileHandleLike, StorageLike } from '../../src/app/storage/checkpointStore';

const notFound = () => Object.assign(new Error('not found'), { name: 'NotFoundError' });

/**
 * An in-memory origin-private file system, as much of it as the store uses. Like OPFS, a
 * writable commits its bytes on close only; `failWrite` makes the next data write fail.
 */
export class MemDir implements DirLike {
  files = new Map<string, Uint8Array>();
  dirs = new Map<string, MemDir>();
  failWrite: Error | null = null;
  async getDirectoryHandle(name: string, o?: { create?: boolean }): Promise<DirLike> {
    if (!this.dirs.has(name)) {
      if (!o?.create) throw notFound();
      this.dirs.set(name, new MemDir());
    }
    return this.dirs.get(name)!;
  }
  async getFileHandle(name: string, o?: { create?: boolean }): Promise<FileHandleLike> {
    if (!this.files.has(name)) {
      if (!o?.create) throw notFound();
      this.files.set(name, new Uint8Array(0));
    }
    return {
      getFile: async () => new File([this.files.get(name)! as Uint8Array<ArrayBuffer>], name),
      createWritable: async () => {
        const chunks: Uint8Array[] = [];
        return new WritableStream<Uint8Array>({
          write: (c) => {
            if (this.failWrite && name.endsWith('.model')) throw this.failWrite;
            chunks.push(c);
          },
          close: () => {
            const all = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0));
            let o = 0;
            for (const c of chunks) all.set(c, (o += c.length) - c.length);
            this.files.set(name, all);
          },
        });
      },
    };
  }
  async removeEntry(name: string) {
    if (!this.files.delete(name) && !this.dirs.delete(name)) throw notFound();
  }
  async *keys() {
    yield* [...this.files.keys(), ...this.dirs.keys()];
  }
}

export function storage(root: MemDir, quota = 1e9, persisted = false): StorageLike & { asked: number } {
  const s = {
    asked: 0,
    getDirectory: async () => root,
    estimate: async () => {
      let usage = 0;
      for (const d of root.dirs.values()) for (const f of d.files.values()) usage += f.length;
      return { usage, quota };
    },
    persist: async () => {
      s.asked++;
      return persisted;
    },
    persisted: async () => persisted,
  };
  return s;
}

