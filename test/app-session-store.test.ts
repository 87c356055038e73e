import { describe, expect, it } from 'vitest';
import { LensSession, type LensWorker } from '../src/app/session/LensSession';
import { CheckpointStore, StoreError, type StoredCheckpoint } from '../src/app/storage/checkpointStore';
import type { Request } from '../src/worker/messages';

/** A worker that answers at once: every checkpoint loads (its name as the model's). */
class Worker implements LensWorker {
  calls: Request[] = [];
  cancel() {}
  async call<T extends Request>(req: T): Promise<never> {
    this.calls.push(req);
    if (req.type === 'init') return { backend: 'wasm', fallbacks: [], crossOriginIsolated: false } as never;
    if (req.type === 'loadCheckpoint') {
      if (req.fileName === 'bad.pth') throw Object.assign(new Error('not a PyTorch checkpoint'), { code: 'not-a-checkpoint' });
      const config = { decoder: req.fileName.startsWith('detr') ? 'detr' : 'sam', detrStyle: 'official', smca: false, backbone: 'resnet50', dilation: false, numClasses: 91, nheads: 8 };
      return { slot: req.slot, name: `upload:${req.fileName}`, source: 'checkpoint', config, classNames: [], loadMs: 1 } as never;
    }
    return null as never;
  }
  loads() {
    return this.calls.filter((c): c is Extract<Request, { type: 'loadCheckpoint' }> => c.type === 'loadCheckpoint');
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
  async file(name: string) {
    const f = this.files.get(name);
    return f ? new File([f.blob], name) : null;
  }
  async put(name: string, blob: Blob, kind: string) {
    this.puts++;
    if (this.failPut) throw this.failPut;
    const meta = { name, size: blob.size, storedAt: 1, kind };
    this.files.set(name, { blob, meta });
    return meta;
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

async function session(store: FakeStore | StoreError) {
  const w = new Worker();
  const s = new LensSession(w, async () => store as unknown as CheckpointStore);
  await s.init('wasm', undefined);
  return { w, s };
}

describe('LensSession: stored checkpoints', () => {
  it('a dropped checkpoint that loads is stored with its kind; one that fails to load is not', async () => {
    const store = new FakeStore();
    const { s } = await session(store);
    await s.loadCheckpoint(new Blob([new Uint8Array(64)]), 'detr-r50.pth', names);
    await settle();
    expect(store.files.get('detr-r50.pth')?.meta).toMatchObject({ size: 64, kind: 'DETR, resnet50' });
    expect(s.getSnapshot().shelf.items.map((c) => c.name)).toEqual(['detr-r50.pth']);
    await s.loadCheckpoint(new Blob([new Uint8Array(64)]), 'bad.pth', names);
    await settle();
    expect(s.getSnapshot().error).toMatch(/not a PyTorch checkpoint/);
    expect([...store.files.keys()]).toEqual(['detr-r50.pth']);
  });

  it('a model named by the URL is read from the store when this page never saw the file, into the slot asked for', async () => {
    const store = new FakeStore();
    await store.put('sam.pth', new Blob([new Uint8Array(32)]), 'SAM-DETR, resnet50');
    const { w, s } = await session(store);
    expect(await s.restoreUpload(1, 'upload:sam.pth', names)).toBe('ok');
    await settle();
    const [load] = w.loads();
    expect(load).toMatchObject({ slot: 1, fileName: 'sam.pth' });
    expect(load.file.size).toBe(32);
    expect(s.getSnapshot().models[1]?.name).toBe('upload:sam.pth');
    // Not written a second time: it came from the store.
    expect(store.puts).toBe(1);
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

  it('a checkpoint that cannot be stored stays loaded, with a one-line notice', async () => {
    const store = new FakeStore();
    store.failPut = new StoreError('quota', 'it needs 160.0 MB and this site has 20.0 MB of browser storage left');
    const { s } = await session(store);
    const info = await s.loadCheckpoint(new Blob([new Uint8Array(64)]), 'big.pth', names);
    await settle();
    expect(info?.name).toBe('upload:big.pth');
    expect(s.getSnapshot().models[0]?.name).toBe('upload:big.pth');
    expect(s.getSnapshot().shelf.note).toBe('"big.pth" is loaded but not stored in this browser: it needs 160.0 MB and this site has 20.0 MB of browser storage left. Drop it again after a reload.');
  });

  it('a store lookup overtaken by another model for the slot loads nothing', async () => {
    const store = new FakeStore();
    await store.put('late.pth', new Blob([new Uint8Array(4)]), 'k');
    const { w, s } = await session(store);
    const p = s.restoreUpload(0, 'upload:late.pth', names);
    void s.loadBundled(0, 'bundled', '/');
    await p;
    await settle();
    expect(w.loads()).toEqual([]);
  });
});
