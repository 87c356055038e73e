import { describe, expect, it } from 'vitest';
import { CheckpointStore, StoreError, checkpointKind, type DirLike, type FileHandleLike, type StorageLike } from '../src/app/storage/checkpointStore';
import { CheckpointShelf, type ShelfState } from '../src/app/storage/checkpointShelf';

const notFound = () => Object.assign(new Error('not found'), { name: 'NotFoundError' });

/**
 * An in-memory origin-private file system, as much of it as the store uses. Like OPFS, a
 * writable commits its bytes on close only; `failWrite` makes the next data write fail.
 */
class MemDir implements DirLike {
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
            if (this.failWrite && name.endsWith('.data')) throw this.failWrite;
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

function storage(root: MemDir, quota = 1e9, persisted = false): StorageLike & { asked: number } {
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

const bytes = (n: number, seed = 1) => new Blob([Uint8Array.from({ length: n }, (_, i) => (i * seed) & 255)]);

async function open(root = new MemDir(), quota = 1e9) {
  const st = storage(root, quota);
  const store = await CheckpointStore.open(st);
  if (store instanceof StoreError) throw store;
  return { root, store, st };
}

describe('checkpoint store (origin-private file system)', () => {
  it('keeps a file with its size, date and kind; gives it back byte for byte under its name; removes it', async () => {
    const { store, root } = await open();
    const blob = bytes(5000, 7);
    const t0 = Date.now();
    await store.put('detr-r50-dc5-f0fb7ef5.pth', blob, 'DETR, resnet50 + DC5');
    const [c] = await store.list();
    expect(c).toMatchObject({ name: 'detr-r50-dc5-f0fb7ef5.pth', size: 5000, kind: 'DETR, resnet50 + DC5' });
    expect(c.storedAt).toBeGreaterThanOrEqual(t0);
    const f = await store.file('detr-r50-dc5-f0fb7ef5.pth');
    expect(f?.name).toBe('detr-r50-dc5-f0fb7ef5.pth');
    expect(new Uint8Array(await f!.arrayBuffer())).toEqual(new Uint8Array(await blob.arrayBuffer()));
    // Everything lives under one folder of the origin's file system.
    expect([...root.dirs.keys()]).toEqual(['checkpoints']);
    await store.remove('detr-r50-dc5-f0fb7ef5.pth');
    expect(await store.list()).toEqual([]);
    expect(await store.file('detr-r50-dc5-f0fb7ef5.pth')).toBeNull();
    expect(root.dirs.get('checkpoints')!.files.size).toBe(0);
  });

  it('lists newest first, and a name with dots or separators is stored as a safe entry name', async () => {
    const { store, root } = await open();
    await store.put('..', bytes(10), 'a');
    await new Promise((r) => setTimeout(r, 5));
    await store.put('dir/x\\y.pth', bytes(20), 'b');
    expect((await store.list()).map((c) => c.name)).toEqual(['dir/x\\y.pth', '..']);
    for (const k of root.dirs.get('checkpoints')!.files.keys()) expect(k).not.toMatch(/[/\\]|^\.\.?$/);
    expect((await store.file('..'))!.size).toBe(10);
  });

  it('refuses a file larger than the room left, before writing anything', async () => {
    const { store, root } = await open(new MemDir(), 3 * 2 ** 20);
    const e = await store.put('big.pth', bytes(2.5 * 2 ** 20), 'k').catch((x) => x);
    expect(e).toBeInstanceOf(StoreError);
    expect(e.code).toBe('quota');
    expect(e.message).toMatch(/needs 2\.6 MB and this site has 3\.1 MB of browser storage left/);
    expect(root.dirs.get('checkpoints')!.files.size).toBe(0);
  });

  it('a write that fails (quota hit during the write, disk error) leaves nothing listed or stored', async () => {
    const { store, root } = await open();
    root.dirs.get('checkpoints')!.failWrite = Object.assign(new Error('full'), { name: 'QuotaExceededError' });
    const e = await store.put('a.pth', bytes(100), 'k').catch((x) => x);
    expect(e.code).toBe('quota');
    expect(e.message).toMatch(/quota for this site is full/);
    root.dirs.get('checkpoints')!.failWrite = new Error('I/O error');
    const e2 = await store.put('a.pth', bytes(100), 'k').catch((x) => x);
    expect(e2.code).toBe('write');
    expect(e2.message).toMatch(/writing it failed \(I\/O error\)/);
    expect(await store.list()).toEqual([]);
    expect(root.dirs.get('checkpoints')!.files.size).toBe(0);
  });

  it('says why when the browser has no origin-private file system or refuses it', async () => {
    const none = await CheckpointStore.open({});
    expect(none).toBeInstanceOf(StoreError);
    expect((none as StoreError).message).toMatch(/no origin-private file system/);
    const refused = await CheckpointStore.open({ getDirectory: async () => Promise.reject(Object.assign(new Error('The operation is insecure.'), { name: 'SecurityError' })) });
    expect((refused as StoreError).message).toMatch(/refuses the origin-private file system \(The operation is insecure\.; a private window\?\)/);
  });

  it('reports usage, quota and persistence', async () => {
    const { store } = await open();
    await store.put('a.pth', bytes(1234), 'k');
    const info = await store.info();
    expect(info!.usage).toBeGreaterThanOrEqual(1234);
    expect(info).toMatchObject({ quota: 1e9, persisted: false });
  });

  it('names the kind of model a checkpoint holds', () => {
    expect(checkpointKind({ decoder: 'detr', detrStyle: 'official', smca: false, backbone: 'resnet101', dilation: true })).toBe('DETR, resnet101 + DC5');
    expect(checkpointKind({ decoder: 'sam', smca: true, backbone: 'resnet50', dilation: false })).toBe('SAM-DETR + SMCA, resnet50');
    expect(checkpointKind({ decoder: 'sam', smca: false, backbone: 'resnet50', dilation: false, multiscale: true })).toBe('SAM-DETR multi-scale, resnet50');
  });
});

describe('checkpoint shelf (what the session keeps)', () => {
  const shelfOn = (root: MemDir, quota = 1e9) => {
    const states: ShelfState[] = [];
    const st = storage(root, quota);
    const shelf = new CheckpointShelf(() => CheckpointStore.open(st), (s) => states.push(s));
    return { shelf, states, st, last: () => states[states.length - 1] };
  };

  it('keeps a loaded checkpoint once, asks for persistence, and lists it with the storage used', async () => {
    const root = new MemDir();
    const { shelf, last, st } = shelfOn(root);
    await shelf.keep('a.pth', bytes(300), 'SAM-DETR, resnet50');
    expect(last().items.map((c) => c.name)).toEqual(['a.pth']);
    expect(last().info!.usage).toBeGreaterThanOrEqual(300);
    expect(last().note).toBeNull();
    expect(st.asked).toBe(1);
    // The same file again is not written again (a write now would fail and say so).
    root.dirs.get('checkpoints')!.failWrite = new Error('written twice');
    await shelf.keep('a.pth', bytes(300), 'SAM-DETR, resnet50');
    expect(last().note).toBeNull();
    root.dirs.get('checkpoints')!.failWrite = null;
    expect((await shelf.file('a.pth'))!.size).toBe(300);
    await shelf.remove('a.pth');
    expect(last().items).toEqual([]);
  });

  it('a checkpoint that cannot be stored gives one line saying so; it does not throw', async () => {
    const { shelf, last } = shelfOn(new MemDir(), 2 ** 20);
    await shelf.keep('big.pth', bytes(2 ** 20), 'k');
    expect(last().note).toMatch(/^"big\.pth" is loaded but not stored in this browser: it needs 1\.0 MB .*Drop it again after a reload\.$/);
    expect(last().note).not.toMatch(/\n/);
    expect(last().items).toEqual([]);
  });

  it('without a file system: unavailable with the reason, and a dropped file says it is not stored', async () => {
    const states: ShelfState[] = [];
    const shelf = new CheckpointShelf(() => CheckpointStore.open({}), (s) => states.push(s));
    expect(await shelf.file('a.pth')).toBeNull();
    await shelf.keep('a.pth', bytes(10), 'k');
    const last = states[states.length - 1];
    expect(last.available).toBe(false);
    expect(last.note).toMatch(/"a\.pth" is loaded but not stored: this browser has no origin-private file system/);
  });
});
