import { describe, expect, it } from 'vitest';
import { CheckpointStore, StoreError, checkpointKind, type FileHandleLike } from '../../src/app/storage/checkpointStore';
import { CheckpointShelf, type ShelfState } from '../../src/app/storage/checkpointShelf';
import { MemDir, storage } from '../support/memOpfs';

const bytes = (n: number, seed = 1) => new Blob([Uint8Array.from({ length: n }, (_, i) => (i * seed) & 255)]);

/** A writer as the worker's storeWeights is: the bytes into the handle it gets, their count back. */
const writing = (blob: Blob) => async (h: FileHandleLike | null) => {
  if (!h) return 0;
  await blob.stream().pipeTo(await h.createWritable());
  return blob.size;
};

/** A stored checkpoint the way fb4aa94 kept it: the .pth as dropped, and a sidecar without a format. */
async function putOldEntry(root: MemDir, name: string, blob: Blob, kind: string) {
  const dir = (await root.getDirectoryHandle('checkpoints', { create: true })) as MemDir;
  const e = encodeURIComponent(name).replace(/\./g, '%2E');
  dir.files.set(`${e}.data`, new Uint8Array(await blob.arrayBuffer()));
  dir.files.set(`${e}.json`, new TextEncoder().encode(JSON.stringify({ name, size: blob.size, storedAt: 1, kind })));
}

async function open(root = new MemDir(), quota = 1e9) {
  const st = storage(root, quota);
  const store = await CheckpointStore.open(st);
  if (store instanceof StoreError) throw store;
  return { root, store, st };
}

const info = (kind: string, fileSize = 1) => ({ kind, fileSize });

describe('checkpoint store (origin-private file system)', () => {
  it('keeps a model with its size, the dropped file size, date and kind; gives it back byte for byte under the dropped name; removes it', async () => {
    const { store, root } = await open();
    const blob = bytes(5000, 7);
    const t0 = Date.now();
    await store.put('detr-r50-dc5-f0fb7ef5.pth', 5000, info('DETR, resnet50 + DC5', 15000), writing(blob));
    const [c] = await store.list();
    expect(c).toMatchObject({ name: 'detr-r50-dc5-f0fb7ef5.pth', size: 5000, fileSize: 15000, format: 'model', kind: 'DETR, resnet50 + DC5' });
    expect(c.storedAt).toBeGreaterThanOrEqual(t0);
    const got = await store.get('detr-r50-dc5-f0fb7ef5.pth');
    expect(got?.format).toBe('model');
    expect(got?.file.name).toBe('detr-r50-dc5-f0fb7ef5.pth');
    expect(new Uint8Array(await got!.file.arrayBuffer())).toEqual(new Uint8Array(await blob.arrayBuffer()));
    // Everything lives under one folder of the origin's file system.
    expect([...root.dirs.keys()]).toEqual(['checkpoints']);
    await store.remove('detr-r50-dc5-f0fb7ef5.pth');
    expect(await store.list()).toEqual([]);
    expect(await store.get('detr-r50-dc5-f0fb7ef5.pth')).toBeNull();
    expect(root.dirs.get('checkpoints')!.files.size).toBe(0);
  });

  it('lists newest first, and a name with dots or separators is stored as a safe entry name', async () => {
    const { store, root } = await open();
    await store.put('..', 10, info('a'), writing(bytes(10)));
    await new Promise((r) => setTimeout(r, 5));
    await store.put('dir/x\\y.pth', 20, info('b'), writing(bytes(20)));
    expect((await store.list()).map((c) => c.name)).toEqual(['dir/x\\y.pth', '..']);
    for (const k of root.dirs.get('checkpoints')!.files.keys()) expect(k).not.toMatch(/[/\\]|^\.\.?$/);
    expect((await store.get('..'))!.file.size).toBe(10);
  });

  it('refuses a model larger than the room left, before writing anything (the writer hears nothing)', async () => {
    const { store, root } = await open(new MemDir(), 3 * 2 ** 20);
    let asked = false;
    const e = await store.put('big.pth', 2.5 * 2 ** 20, info('k'), async () => ((asked = true), 0)).catch((x) => x);
    expect(e).toBeInstanceOf(StoreError);
    expect(e.code).toBe('quota');
    expect(e.message).toMatch(/needs 2\.6 MB and this site has 3\.1 MB of browser storage left/);
    expect(asked).toBe(false);
    expect(root.dirs.get('checkpoints')!.files.size).toBe(0);
  });

  it('a write that fails (quota hit during the write, disk error) leaves nothing listed or stored', async () => {
    const { store, root } = await open();
    root.dirs.get('checkpoints')!.failWrite = Object.assign(new Error('full'), { name: 'QuotaExceededError' });
    const e = await store.put('a.pth', 100, info('k'), writing(bytes(100))).catch((x) => x);
    expect(e.code).toBe('quota');
    expect(e.message).toMatch(/quota for this site is full/);
    root.dirs.get('checkpoints')!.failWrite = new Error('I/O error');
    const e2 = await store.put('a.pth', 100, info('k'), writing(bytes(100))).catch((x) => x);
    expect(e2.code).toBe('write');
    expect(e2.message).toMatch(/writing it failed \(I\/O error\)/);
    expect(await store.list()).toEqual([]);
    expect(root.dirs.get('checkpoints')!.files.size).toBe(0);
  });

  it('an entry kept before as the whole file lists and loads as a file; storing its model replaces it; a failed replacement leaves it', async () => {
    const root = new MemDir();
    const pth = bytes(3000, 5);
    await putOldEntry(root, 'old.pth', pth, 'SAM-DETR, resnet50');
    const { store } = await open(root);
    expect(await store.list()).toEqual([{ name: 'old.pth', size: 3000, fileSize: 3000, format: 'file', storedAt: 1, kind: 'SAM-DETR, resnet50' }]);
    const got = await store.get('old.pth');
    expect(got?.format).toBe('file');
    expect(new Uint8Array(await got!.file.arrayBuffer())).toEqual(new Uint8Array(await pth.arrayBuffer()));
    // Its model cannot be written: the old entry stays as it was.
    root.dirs.get('checkpoints')!.failWrite = new Error('I/O error');
    await expect(store.put('old.pth', 1000, info('SAM-DETR, resnet50', 3000), writing(bytes(1000)))).rejects.toThrow(/writing it failed/);
    expect((await store.list())[0]).toMatchObject({ format: 'file', size: 3000 });
    expect((await store.get('old.pth'))!.file.size).toBe(3000);
    // Written: the model stands for the file, which goes.
    root.dirs.get('checkpoints')!.failWrite = null;
    await store.put('old.pth', 1000, info('SAM-DETR, resnet50', 3000), writing(bytes(1000)));
    expect(await store.list()).toMatchObject([{ name: 'old.pth', size: 1000, fileSize: 3000, format: 'model' }]);
    expect([...root.dirs.get('checkpoints')!.files.keys()].sort()).toEqual(['old%2Epth.json', 'old%2Epth.model']);
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
    await store.put('a.pth', 1234, info('k'), writing(bytes(1234)));
    const usage = await store.info();
    expect(usage!.usage).toBeGreaterThanOrEqual(1234);
    expect(usage).toMatchObject({ quota: 1e9, persisted: false });
  });

  it('names the kind of model a checkpoint holds', () => {
    expect(checkpointKind({ decoder: 'detr', detrStyle: 'official', smca: false, backbone: 'resnet101', dilation: true })).toBe('DETR, resnet101 + DC5');
    expect(checkpointKind({ decoder: 'sam', smca: true, backbone: 'resnet50', dilation: false })).toBe('SAM-DETR + SMCA, resnet50');
    expect(checkpointKind({ decoder: 'sam', smca: false, backbone: 'resnet50', dilation: false, multiscale: true })).toBe('SAM-DETR multi-scale, resnet50');
    expect(checkpointKind({ decoder: 'dab', smca: false, backbone: 'resnet50', dilation: true, numPatterns: 3 })).toBe('DAB-DETR (3 patterns), resnet50 + DC5');
  });
});

describe('checkpoint shelf (what the session keeps)', () => {
  const shelfOn = (root: MemDir, quota = 1e9) => {
    const states: ShelfState[] = [];
    const st = storage(root, quota);
    const shelf = new CheckpointShelf(() => CheckpointStore.open(st), (s) => states.push(s));
    return { shelf, states, st, last: () => states[states.length - 1] };
  };

  /** The worker's side of keep(): what it was handed, each time. */
  const worker = (blob: Blob) => {
    const handed: (FileHandleLike | null)[] = [];
    const write = async (h: FileHandleLike | null) => {
      handed.push(h);
      return writing(blob)(h);
    };
    return { handed, write };
  };
  const model = (bytes: number, fileSize = 3 * bytes) => ({ kind: 'SAM-DETR, resnet50', bytes, fileSize });

  it('keeps the model of a loaded checkpoint once, asks for persistence, and lists it with the storage used; the worker hears once each time', async () => {
    const root = new MemDir();
    const { shelf, last, st } = shelfOn(root);
    const w = worker(bytes(300));
    await shelf.keep('a.pth', model(300), w.write);
    expect(last().items).toMatchObject([{ name: 'a.pth', size: 300, fileSize: 900, format: 'model' }]);
    expect(last().info!.usage).toBeGreaterThanOrEqual(300);
    expect(last().note).toBeNull();
    expect(st.asked).toBe(1);
    expect(w.handed.length).toBe(1);
    expect(w.handed[0]).not.toBeNull();
    // The same file again is not written again (a write now would fail and say so); the worker is told so.
    root.dirs.get('checkpoints')!.failWrite = new Error('written twice');
    await shelf.keep('a.pth', model(300), w.write);
    expect(last().note).toBeNull();
    expect(w.handed).toHaveLength(2);
    expect(w.handed[1]).toBeNull();
    root.dirs.get('checkpoints')!.failWrite = null;
    expect((await shelf.stored('a.pth'))!.file.size).toBe(300);
    await shelf.remove('a.pth');
    expect(last().items).toEqual([]);
  });

  it('a checkpoint that cannot be stored gives one line saying so (the model size, not the file size); it does not throw; the worker hears null', async () => {
    const { shelf, last } = shelfOn(new MemDir(), 2 ** 20);
    const w = worker(bytes(10));
    await shelf.keep('big.pth', model(2 ** 20, 3 * 2 ** 20), w.write);
    expect(last().note).toMatch(/^"big\.pth" is loaded but not stored in this browser: it needs 1\.0 MB .*Drop it again after a reload\.$/);
    expect(last().note).not.toMatch(/\n/);
    expect(last().items).toEqual([]);
    expect(w.handed).toEqual([null]);
  });

  it('without a file system: unavailable with the reason, and a dropped file says it is not stored', async () => {
    const states: ShelfState[] = [];
    const shelf = new CheckpointShelf(() => CheckpointStore.open({}), (s) => states.push(s));
    expect(await shelf.stored('a.pth')).toBeNull();
    const w = worker(bytes(10));
    await shelf.keep('a.pth', model(10), w.write);
    const last = states[states.length - 1];
    expect(last.available).toBe(false);
    expect(last.note).toMatch(/"a\.pth" is loaded but not stored: this browser has no origin-private file system/);
    expect(w.handed).toEqual([null]);
  });
});
