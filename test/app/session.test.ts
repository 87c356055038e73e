import { describe, expect, it } from 'vitest';
import { LensSession, sliceKey, type LensWorker, type SessionImage } from '../../src/app/session/LensSession';
import type { ModelInfo, Request, RunResult, QuerySlice } from '../../src/worker/messages';

/** A worker whose replies the test releases one by one, in any order. */
class FakeWorker implements LensWorker {
  calls: { req: Request; resolve: (v: unknown) => void; reject: (e: Error) => void }[] = [];
  cancelled = 0;
  cancel() {
    this.cancelled++;
    for (const c of this.calls.splice(0)) c.reject(new Error('cancelled'));
  }
  call<T extends Request>(req: T): Promise<never> {
    return new Promise((resolve, reject) => this.calls.push({ req, resolve: resolve as (v: unknown) => void, reject })) as Promise<never>;
  }
  /** Replies to the i-th call of a type (in the order they were made). */
  reply(type: Request['type'], i: number, value: unknown) {
    const c = this.calls.filter((x) => x.req.type === type)[i];
    if (!c) throw new Error(`no call ${i} of ${type}`);
    c.resolve(value);
  }
  /** Fails the i-th call of a type. */
  failCall(type: Request['type'], i: number, message: string) {
    const c = this.calls.filter((x) => x.req.type === type)[i];
    if (!c) throw new Error(`no call ${i} of ${type}`);
    c.reject(new Error(message));
  }
  count(type: Request['type']) {
    return this.calls.filter((x) => x.req.type === type).length;
  }
}

const tick = () => new Promise((r) => setTimeout(r, 0));
const model = (name: string, slot = 0) => ({ slot, name, source: 'bundled', config: { nheads: 8 }, classNames: [], loadMs: 1, params: 1000 }) as unknown as ModelInfo;
const run = (tag: number): RunResult => ({ slot: 0, variant: 'main', detections: [{ query: tag, label: 0, score: 0.9, box: [0, 0, 1, 1] }], featH: 1, featW: 1, resized: [1, 1], padded: [1, 1], timings: [], backend: 'wasm' });
const image = (name: string): SessionImage => ({ name, width: 4, height: 4, rgb: new Uint8ClampedArray(48) });
const slice = (query: number, tag: string) => ({ slot: 0, variant: 'main', query, tag }) as unknown as QuerySlice;

async function ready() {
  const w = new FakeWorker();
  const s = new LensSession(w);
  const init = s.init('wasm', undefined);
  w.reply('init', 0, { backend: 'wasm', fallbacks: [], crossOriginIsolated: false });
  await init;
  const load = s.loadBundled(0, 'm', '/');
  w.reply('loadBundled', 0, model('m'));
  await load;
  return { w, s };
}

describe('LensSession: replies of older runs never reach the view', () => {
  it('a slow detection reply for a previous image is dropped when a newer one answered first', async () => {
    const { w, s } = await ready();
    s.requestRun(0, 'image A', image('A'), undefined);
    s.requestRun(0, 'image B', image('B'), undefined);
    w.reply('detect', 1, run(2));
    await tick();
    expect(s.getSnapshot().runs.main?.result.detections[0].query).toBe(2);
    w.reply('detect', 0, run(1)); // the old image's answer arrives late
    await tick();
    expect(s.getSnapshot().runs.main?.result.detections[0].query).toBe(2);
    expect(s.getSnapshot().completed).toBe(1);
  });

  it('a query slice fetched for the previous run is not applied to the new run', async () => {
    const { w, s } = await ready();
    s.requestRun(0, 'A', image('A'), undefined);
    w.reply('detect', 0, run(1));
    await tick();
    void s.fetchSlice(0, 'main', 3); // in flight for run A
    s.requestRun(0, 'B', image('B'), undefined);
    w.reply('detect', 1, run(2));
    await tick();
    w.reply('querySlice', 0, slice(3, 'from run A'));
    await tick();
    expect(s.getSnapshot().slices[sliceKey(0, 'main', 3)]).toBeUndefined();
    // Asked again for run B, it is fetched anew and kept.
    void s.fetchSlice(0, 'main', 3);
    w.reply('querySlice', 1, slice(3, 'from run B'));
    await tick();
    expect((s.getSnapshot().slices[sliceKey(0, 'main', 3)] as unknown as { tag: string }).tag).toBe('from run B');
  });

  it('encoder attention: only the newest request counts, and none from a previous run', async () => {
    const { w, s } = await ready();
    s.requestRun(0, 'A', image('A'), undefined);
    w.reply('detect', 0, run(1));
    await tick();
    void s.fetchEncoderAttention(0, 5);
    void s.fetchEncoderAttention(0, 6);
    w.reply('encoderAttention', 1, { index: 6 });
    w.reply('encoderAttention', 0, { index: 5 });
    await tick();
    expect(s.getSnapshot().encSlice?.index).toBe(6);
  });

  it('encoder sampling points (multi-scale): only the newest request counts, none from a previous run, gone with the run', async () => {
    const { w, s } = await ready();
    s.requestRun(0, 'A', image('A'), undefined);
    w.reply('detect', 0, run(1));
    await tick();
    void s.fetchEncoderPoints(0, 5);
    void s.fetchEncoderPoints(1, 6);
    expect(w.calls.filter((c) => c.req.type === 'encoderPoints').map((c) => c.req)).toEqual([
      { type: 'encoderPoints', slot: 0, layer: 0, index: 5 }, { type: 'encoderPoints', slot: 0, layer: 1, index: 6 },
    ]);
    w.reply('encoderPoints', 1, { index: 6 });
    w.reply('encoderPoints', 0, { index: 5 }); // the older request answers last
    await tick();
    expect(s.getSnapshot().encPoints?.index).toBe(6);
    // Asked for run A, answered after run B started: dropped; and run B starts without A's points.
    void s.fetchEncoderPoints(0, 7);
    s.requestRun(0, 'B', image('B'), undefined);
    expect(s.getSnapshot().encPoints).toBeNull();
    w.reply('detect', 1, run(2));
    await tick();
    w.reply('encoderPoints', 2, { index: 7 });
    await tick();
    expect(s.getSnapshot().encPoints).toBeNull();
  });

  it('the same run asked twice (React effects re-run) starts one detection', async () => {
    const { w, s } = await ready();
    s.requestRun(0, 'A', image('A'), undefined);
    s.requestRun(0, 'A', image('A'), undefined);
    expect(w.count('detect')).toBe(1);
  });

  it('nothing of the previous image stays while the next one runs', async () => {
    const { w, s } = await ready();
    s.requestRun(0, 'A', image('A'), undefined);
    w.reply('detect', 0, run(1));
    await tick();
    s.requestRun(0, 'B', image('B'), undefined);
    expect(s.getSnapshot().runs.main).toBeUndefined();
  });
});

describe('LensSession: models', () => {
  it('takes the second model out of the view when a comparison ends; the worker keeps it for a return, and frees one still loading', async () => {
    const { w, s } = await ready();
    const load = s.loadBundled(1, 'pair', '/');
    w.reply('loadBundled', 1, model('pair', 1));
    await load;
    expect(s.getSnapshot().models[1]?.name).toBe('pair');
    void s.unload(1);
    expect(s.getSnapshot().models[1]).toBeNull();
    expect(w.calls.some((c) => c.req.type === 'unload')).toBe(false);
    void s.loadBundled(1, 'other', '/');
    void s.unload(1);
    expect(w.calls.some((c) => c.req.type === 'unload' && c.req.slot === 1)).toBe(true);
  });

  it('a failed load says so, keeps the loaded model, and tells the caller (the picker goes back); a superseded one is silent', async () => {
    const { w, s } = await ready();
    const load = s.loadBundled(0, 'other', '/');
    w.failCall('loadBundled', 1, 'Failed to fetch');
    expect(await load).toBe('failed');
    expect(s.getSnapshot().models[0]?.name).toBe('m');
    expect(s.getSnapshot().error).toBe('loading other (m stays loaded): Failed to fetch');
    expect(s.getSnapshot().busy).toBeNull();
    s.setError(null);
    const old = s.loadBundled(0, 'x', '/');
    const newer = s.loadBundled(0, 'y', '/');
    w.failCall('loadBundled', 2, 'Failed to fetch');
    expect(await old).toBeUndefined();
    expect(s.getSnapshot().error).toBeNull();
    w.reply('loadBundled', 3, model('y'));
    expect(await newer).toMatchObject({ name: 'y' });
  });

  it('a bundled model the worker cannot fetch (offline, cache out of its reach) is fetched by the page and handed over', async () => {
    const w = new FakeWorker();
    const asked: string[] = [];
    const files = { card: { config: {} }, weights: new Blob([new Uint8Array(4)]) } as never;
    const s = new LensSession(w, undefined, async (base, name) => (asked.push(base + name), files));
    const init = s.init('wasm', undefined);
    w.reply('init', 0, { backend: 'wasm', fallbacks: [], crossOriginIsolated: false });
    await init;
    const load = s.loadBundled(0, 'sam-detr', '/app/');
    w.failCall('loadBundled', 0, 'Failed to fetch');
    await tick();
    expect(asked).toEqual(['/app/sam-detr']);
    const retry = w.calls.filter((c) => c.req.type === 'loadBundled')[1]?.req;
    expect(retry).toMatchObject({ type: 'loadBundled', slot: 0, name: 'sam-detr', files });
    w.reply('loadBundled', 1, model('sam-detr'));
    expect(await load).toMatchObject({ name: 'sam-detr' });
    expect(s.getSnapshot().error).toBeNull();
    // When the page cannot fetch them either, the worker's error is the one shown.
    const s2 = new LensSession(w, undefined, () => Promise.reject(new Error('offline too')));
    const i2 = s2.init('wasm', undefined);
    w.reply('init', 1, { backend: 'wasm', fallbacks: [], crossOriginIsolated: false });
    await i2;
    const load2 = s2.loadBundled(0, 'sam-detr', '/app/');
    w.failCall('loadBundled', 2, 'Failed to fetch');
    expect(await load2).toBe('failed');
    expect(s2.getSnapshot().error).toBe('loading sam-detr: Failed to fetch');
  });

  it('a model loading when the backend restarts does not land on the new backend', async () => {
    const w = new FakeWorker();
    const s = new LensSession(w);
    const i1 = s.init('wasm', undefined);
    w.reply('init', 0, { backend: 'wasm', fallbacks: [], crossOriginIsolated: false });
    await i1;
    void s.loadBundled(0, 'm', '/');
    const i2 = s.init('cpu', undefined);
    w.reply('loadBundled', 0, model('m'));
    w.reply('init', 1, { backend: 'cpu', fallbacks: [], crossOriginIsolated: false });
    await i2;
    await tick();
    expect(s.getSnapshot().backend?.backend).toBe('cpu');
    expect(s.getSnapshot().models[0]).toBeNull();
  });
});

describe('LensSession: cancel', () => {
  it('stops a run: the worker is replaced, nothing of the run shows, no error, and it does not start again by itself', async () => {
    const { w, s } = await ready();
    s.requestRun(0, 'slow', image('A'), undefined);
    s.cancel();
    expect(w.cancelled).toBe(1);
    await tick();
    expect(s.getSnapshot().error).toBeNull();
    w.reply('init', 0, { backend: 'wasm', fallbacks: [], crossOriginIsolated: false });
    await tick();
    expect(s.getSnapshot().statusText).toMatch(/Cancelled/);
    expect(s.getSnapshot().models[0]).toBeNull(); // the backend started again: the model loads again
    const load = s.loadBundled(0, 'm', '/');
    w.reply('loadBundled', 0, model('m'));
    await load;
    s.requestRun(0, 'slow', image('A'), undefined); // the same run, asked again by the view
    expect(w.count('detect')).toBe(0);
    s.requestRun(0, 'slow, run again', image('A'), undefined); // the user asks for it
    expect(w.count('detect')).toBe(1);
  });
});

describe('LensSession: a failed run', () => {
  it('shows the error, replaces the worker, and the next image runs', async () => {
    const { w, s } = await ready();
    s.requestRun(0, 'thin image', image('A'), undefined);
    w.calls.find((c) => c.req.type === 'detect')!.reject(new Error('memory access out of bounds'));
    await tick();
    expect(s.getSnapshot().error).toMatch(/detection: memory access out of bounds/);
    expect(w.cancelled).toBe(1);
    w.reply('init', 0, { backend: 'wasm', fallbacks: [], crossOriginIsolated: false });
    await tick();
    const load = s.loadBundled(0, 'm', '/');
    w.reply('loadBundled', 0, model('m'));
    await load;
    s.requestRun(0, 'next image', image('B'), undefined);
    w.reply('detect', 0, run(5));
    await tick();
    expect(s.getSnapshot().runs.main?.result.detections[0].query).toBe(5);
    expect(s.getSnapshot().error).toBeNull(); // a run that works clears the old error
  });
});

