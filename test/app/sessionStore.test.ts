import { describe, expect, it } from 'vitest';
import { LensSession, type LensWorker } from '../../src/app/session/LensSession';
import { CheckpointStore, StoreError, type FileHandleLike, type StoredCheckpoint } from '../../src/app/storage/checkpointStore';
import type { Request } from '../../src/worker/messages';

/** A worker that answers at once: every checkpoint loads (its name as the model's), with `params` parameters (4 bytes each when stored). */
class Worker implements LensWorker {
  calls: Request[] = [];
  cancelled = 0;
  /** Parameters of every model it loads (4 bytes each). */
  params = 4;
  backend = 'wasm';
  cancel() {
    this.cancelled++;
  }
  async call<T extends Request>(req: T): Promise<never> {
    this.calls.push(req);
    if (req.type === 'init') return { backend: this.backend, fallbacks: [], crossOriginIsolated: false } as never;
    if (req.type === 'loadBundled') return { slot: req.slot, name: req.name, source: 'bundled', config: { nheads: 8 }, classNames: [], params: 1000, loadMs: 1 } as never;
    if (req.type === 'loadCheckpoint' || req.type === 'loadStored') {
      if (req.fileName === 'bad.pth') throw Object.assign(new Error('not a PyTorch checkpoint'), { code: 'not-a-checkpoint' });
      const config = { decoder: req.fileName.startsWith('detr') ? 'detr' : 'sam', detrStyle: 'official', smca: false, backbone: 'resnet50', dilation: false, numClasses: 91, nheads: 8 };
      return { slot: req.slot, name: `upload:${req.fileName}`, source: 'checkpoint', config, classNames: [], params: this.params, loadMs: 1 } as never;
    }
    if (req.type === 'detect') return { slot: req.slot, variant: 'main', detections: [], featH: 1, featW: 1, resized: [1, 1], padded: [1, 1], timings: [], backend: 'wasm' } as never;
    if (req.type === 'storeWeights') {
      if (!req.handle) return 0 as never;
      // What the engine writes: the model's float32 weights.
      const w = (await req.handle.createWritable()).getWriter();
      await w.write(new Uint8Array(this.params * 4));
      await w.close();
      return (this.params * 4) as never;
    }
    return null as never;
  }
  of<K extends Request['type']>(type: K) {
    return this.calls.filter((c): c is Extract<Request, { type: K }> => c.type === type);
  }
  loads() {
    return this.of('loadCheckpoint');
  }
}

/** The store's surface the session uses, in memory. */
class FakeStore {
  files = new Map<string, { blob: Blob; meta: StoredCheckpoint }>();
  failPut: StoreError | null = null;
  puts = 0;
  async list() {
    return [...this.files.values()].map((f) => f.meta);
  }
  async get(name: string) {
    const f = this.files.get(name);
    return f ? { file: new File([f.blob], name), format: f.meta.format ?? 'file' } : null;
  }
  async put(name: string, _need: number, info: { kind: string; fileSize: number }, write: (h: FileHandleLike) => Promise<number>) {
    this.puts++;
    if (this.failPut) throw this.failPut;
    const chunks: Uint8Array[] = [];
    const size = await write({ getFile: async () => new File([], name), createWritable: async () => new WritableStream({ write: (c) => void chunks.push(c) }) });
    const meta: StoredCheckpoint = { name, size, format: 'model', fileSize: info.fileSize, storedAt: 1, kind: info.kind };
    this.files.set(name, { blob: new Blob(chunks as Uint8Array<ArrayBuffer>[]), meta });
    return meta;
  }
  /** An entry as kept before the model alone was: the file as dropped, no format. */
  putOld(name: string, blob: Blob, kind: string) {
    this.files.set(name, { blob, meta: { name, size: blob.size, storedAt: 1, kind } });
  }
  async remove(name: string) {
    this.files.delete(name);
  }
  async info() {
    return { usage: 0, quota: 1e9, persisted: false };
  }
  async persist() {
    return false;
  }
}

const settle = () => new Promise((r) => setTimeout(r, 10));
const names = () => [] as string[];

async function session(store: FakeStore | StoreError, backend = 'wasm') {
  const w = new Worker();
  w.backend = backend;
  const s = new LensSession(w, async () => store as unknown as CheckpointStore);
  await s.init('wasm', undefined);
  return { w, s };
}

/** A model entry as the store keeps it now (what storeWeights wrote, under the dropped name). */
function putModel(store: FakeStore, name: string, blob: Blob, kind: string, fileSize = 3 * blob.size) {
  store.files.set(name, { blob, meta: { name, size: blob.size, format: 'model', fileSize, storedAt: 1, kind } });
}

describe('LensSession: stored checkpoints', () => {
  it('a dropped checkpoint that loads has its model stored (written by the worker) with its kind; one that fails to load is not', async () => {
    const store = new FakeStore();
    const { w, s } = await session(store);
    await s.loadCheckpoint(new Blob([new Uint8Array(64)]), 'detr-r50.pth', names);
    await settle();
    // The worker was told a store would follow, then given the file to write the model into.
    expect(w.loads()[0]).toMatchObject({ fileName: 'detr-r50.pth', store: true });
    expect(w.of('storeWeights')).toMatchObject([{ slot: 0, model: 'upload:detr-r50.pth' }]);
    expect(w.of('storeWeights')[0].handle).not.toBeNull();
    expect(store.files.get('detr-r50.pth')?.meta).toMatchObject({ size: 16, fileSize: 64, format: 'model', kind: 'DETR, resnet50' });
    expect(s.getSnapshot().shelf.items.map((c) => c.name)).toEqual(['detr-r50.pth']);
    await s.loadCheckpoint(new Blob([new Uint8Array(64)]), 'bad.pth', names);
    await settle();
    expect(s.getSnapshot().error).toMatch(/not a PyTorch checkpoint/);
    expect([...store.files.keys()]).toEqual(['detr-r50.pth']);
    expect(w.of('storeWeights')).toHaveLength(1);
  });

  it('a model named by the URL is read from the store when this page never saw the file, into the slot asked for, as a stored model', async () => {
    const store = new FakeStore();
    putModel(store, 'sam.pth', new Blob([new Uint8Array(32)]), 'SAM-DETR, resnet50');
    const { w, s } = await session(store);
    expect(await s.restoreUpload(1, 'upload:sam.pth', names)).toBe('ok');
    await settle();
    expect(w.loads()).toEqual([]);
    const [load] = w.of('loadStored');
    expect(load).toMatchObject({ slot: 1, fileName: 'sam.pth' });
    expect(load.file.size).toBe(32);
    expect(s.getSnapshot().models[1]?.name).toBe('upload:sam.pth');
    // Not written a second time: it came from the store.
    expect(store.puts).toBe(0);
    expect(w.of('storeWeights')).toEqual([]);
  });

  it('an entry kept as the whole .pth (before the model alone was) loads as a checkpoint and is stored again as its model', async () => {
    const store = new FakeStore();
    store.putOld('old.pth', new Blob([new Uint8Array(48)]), 'SAM-DETR, resnet50');
    const { w, s } = await session(store);
    expect(await s.restoreUpload(0, 'upload:old.pth', names)).toBe('ok');
    await settle();
    expect(w.loads()).toMatchObject([{ fileName: 'old.pth', store: true }]);
    expect(store.files.get('old.pth')?.meta).toMatchObject({ size: 16, fileSize: 48, format: 'model' });
  });

  it('a link naming a checkpoint stored nowhere says so and how to add it, and shows no other model', async () => {
    const { w, s } = await session(new FakeStore());
    expect(await s.restoreUpload(0, 'upload:mine.pth', names)).toBe('missing');
    const st = s.getSnapshot();
    expect(st.error).toMatch(/"mine\.pth" named in this link is not stored in this browser\. Drop mine\.pth on the page to load it/);
    expect(st.missing).toBe('upload:mine.pth');
    expect(st.models[0]).toBeNull();
    expect(w.loads()).toEqual([]);
    // Dropping it then loads it and the page is no longer missing a model.
    await s.loadCheckpoint(new Blob([new Uint8Array(8)]), 'mine.pth', names);
    expect(s.getSnapshot().missing).toBeNull();
  });

  it('a checkpoint that cannot be stored stays loaded, with a one-line notice; the worker hears that no store follows', async () => {
    const store = new FakeStore();
    store.failPut = new StoreError('quota', 'it needs 160.0 MB and this site has 20.0 MB of browser storage left');
    const { w, s } = await session(store);
    const info = await s.loadCheckpoint(new Blob([new Uint8Array(64)]), 'big.pth', names);
    await settle();
    expect(info?.name).toBe('upload:big.pth');
    expect(s.getSnapshot().models[0]?.name).toBe('upload:big.pth');
    expect(s.getSnapshot().shelf.note).toBe('"big.pth" is loaded but not stored in this browser: it needs 160.0 MB and this site has 20.0 MB of browser storage left. Drop it again after a reload.');
    expect(w.of('storeWeights')).toMatchObject([{ model: 'upload:big.pth', handle: null }]);
  });

  it('a store lookup overtaken by another model for the slot loads nothing', async () => {
    const store = new FakeStore();
    putModel(store, 'late.pth', new Blob([new Uint8Array(4)]), 'k');
    const { w, s } = await session(store);
    const p = s.restoreUpload(0, 'upload:late.pth', names);
    void s.loadBundled(0, 'bundled', '/');
    await p;
    await settle();
    expect(w.loads()).toEqual([]);
    expect(w.of('loadStored')).toEqual([]);
  });
});

describe('LensSession: the second model of a comparison', () => {
  it('a stored checkpoint chosen again as the second model is not read again while it is the same file', async () => {
    const store = new FakeStore();
    putModel(store, 'r50.pth', new Blob([new Uint8Array(16)]), 'sam');
    const { w, s } = await session(store);
    await s.loadBundled(0, 'sam-detr', '/');
    expect(await s.restoreUpload(1, 'upload:r50.pth', names)).toBe('ok');
    await settle();
    expect(w.of('loadStored')).toHaveLength(1);
    expect(s.getSnapshot().models[1]?.name).toBe('upload:r50.pth');
    // The comparison ends: the view has no second model, the worker keeps it.
    await s.unload(1);
    expect(s.getSnapshot().models[1]).toBeNull();
    expect(w.of('unload')).toHaveLength(0);
    // Chosen again: at once, no read.
    expect(await s.restoreUpload(1, 'upload:r50.pth', names)).toBe('ok');
    expect(s.getSnapshot().models[1]?.name).toBe('upload:r50.pth');
    expect(w.of('loadStored')).toHaveLength(1);
    // Another second model in between: the first is read again when it comes back.
    await s.unload(1);
    await s.loadBundled(1, 'detr-baseline', '/');
    await s.unload(1);
    await s.restoreUpload(1, 'upload:r50.pth', names);
    await settle();
    expect(w.of('loadStored')).toHaveLength(2);
    // A bundled second model comes back at once too; a new worker (backend switch) forgets it.
    await s.loadBundled(1, 'sam-detr-smca', '/');
    await s.unload(1);
    const before = w.of('loadBundled').length;
    await s.loadBundled(1, 'sam-detr-smca', '/');
    expect(w.of('loadBundled')).toHaveLength(before);
    await s.unload(1);
    await s.init('cpu', undefined);
    await s.loadBundled(1, 'sam-detr-smca', '/');
    expect(w.of('loadBundled')).toHaveLength(before + 1);
  });
});

describe('LensSession: a large model leaves with its worker (wasm)', () => {
  const big = 64 * 2 ** 20 / 4;

  it('switching from an official-size checkpoint to another model replaces the worker first (once the model is stored); a small one does not', async () => {
    const store = new FakeStore();
    const { w, s } = await session(store);
    w.params = big;
    await s.loadCheckpoint(new Blob([new Uint8Array(64)]), 'r50.pth', names);
    await settle();
    expect(store.files.get('r50.pth')?.meta.format).toBe('model');
    expect(w.cancelled).toBe(0);
    await s.loadBundled(0, 'sam-detr', '/');
    expect(w.cancelled).toBe(1);
    // A new worker is started as the first one was, and the bundled model loads into it.
    expect(w.calls.slice(-2).map((c) => c.type)).toEqual(['init', 'loadBundled']);
    expect(s.getSnapshot().models[0]?.name).toBe('sam-detr');
    // The bundled model is small: leaving it keeps the worker.
    await s.loadCheckpoint(new Blob([new Uint8Array(64)]), 'r50b.pth', names);
    expect(w.cancelled).toBe(1);
  });

  it('a damaged file dropped after it: the error stays shown and the dropped model is loaded again (from this page or from the store)', async () => {
    const store = new FakeStore();
    const { w, s } = await session(store);
    w.params = big;
    await s.loadCheckpoint(new Blob([new Uint8Array(64)]), 'r50.pth', names);
    await settle();
    await s.loadCheckpoint(new Blob([new Uint8Array(8)]), 'bad.pth', names);
    await settle();
    expect(w.cancelled).toBe(1);
    expect(s.getSnapshot().models[0]?.name).toBe('upload:r50.pth');
    expect(s.getSnapshot().error).toMatch(/bad\.pth.*not a PyTorch checkpoint/);
    expect(s.getSnapshot().busy).toBeNull();
    // The model runs again (the view asks): the error stays until dismissed.
    s.requestRun(0, 'after', { name: 'a', width: 2, height: 2, rgb: new Uint8ClampedArray(12) }, undefined);
    await settle();
    expect(s.getSnapshot().completed).toBe(1);
    expect(s.getSnapshot().error).toMatch(/not a PyTorch checkpoint/);
    // A bundled model that fails to load after it: the same.
    const failing = w.call.bind(w);
    w.call = (async (req: Request) => (req.type === 'loadBundled' ? Promise.reject(new Error('offline')) : failing(req))) as typeof w.call;
    await s.loadBundled(0, 'sam-detr', '/');
    await settle();
    expect(s.getSnapshot().models[0]?.name).toBe('upload:r50.pth');
    expect(s.getSnapshot().error).toMatch(/offline/);

    // A later visit: the model comes from the store, and goes back to it after a bad drop.
    const later = await session(store);
    later.w.params = big;
    expect(await later.s.restoreUpload(0, 'upload:r50.pth', names)).toBe('ok');
    await settle();
    expect(later.w.of('loadStored')).toHaveLength(1);
    await later.s.loadCheckpoint(new Blob([new Uint8Array(8)]), 'bad.pth', names);
    await settle();
    expect(later.w.of('loadStored')).toHaveLength(2);
    expect(later.s.getSnapshot().models[0]?.name).toBe('upload:r50.pth');
    expect(later.s.getSnapshot().error).toMatch(/not a PyTorch checkpoint/);
  });

  it('not while another slot holds a model (a new worker would drop it), nor on a GPU backend', async () => {
    const { w, s } = await session(new FakeStore());
    w.params = big;
    await s.loadCheckpoint(new Blob([new Uint8Array(64)]), 'r50.pth', names);
    await s.loadBundled(1, 'sam-detr', '/');
    await s.loadBundled(0, 'sam-detr-smca', '/');
    expect(w.cancelled).toBe(0);
    const gpu = await session(new FakeStore(), 'webgpu');
    gpu.w.params = big;
    await gpu.s.loadCheckpoint(new Blob([new Uint8Array(64)]), 'r50.pth', names);
    await gpu.s.loadBundled(0, 'sam-detr', '/');
    expect(gpu.w.cancelled).toBe(0);
    expect(gpu.s.getSnapshot().models[0]?.name).toBe('sam-detr');
  });
});
