/**
 * DC5 where the checkpoint does not say it (issue 9): the engine switches it over the same
 * weights, the session re-runs and keeps the choice with the stored checkpoint (a reload and a
 * second drop load it so), and the model panel shows a fact, a guess, or nothing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Engine } from '../../src/worker/engine';
import { OFFICIAL_DETR_R50, type ModelConfig } from '../../src/model/config';
import { generateScene } from '../../src/data/scene';
import { formulaCheckpoint, formulaDetrCheckpoint } from '../../src/checkpoint/formulaCheckpoint';
import { torchSave } from '../../src/checkpoint/torchSave';
import { MemorySink } from '../../src/checkpoint/byteSink';
import { CheckpointStore, StoreError } from '../../src/app/storage/checkpointStore';
import { LensSession, type LensWorker, type SessionImage } from '../../src/app/session/LensSession';
import { dc5View } from '../../src/app/dc5';
import type { ModelInfo, Request } from '../../src/worker/messages';
import { MemDir, storage } from '../support/memOpfs';

const detr: ModelConfig = { ...OFFICIAL_DETR_R50, backbone: 'resnet18', backboneWidth: 8, hiddenDim: 32, numQueries: 6, numClasses: 5, encLayers: 1, decLayers: 2, dimFeedforward: 64 };
const sam: ModelConfig = {
  backbone: 'resnet18', backboneWidth: 8, dilation: false, decoder: 'sam', smca: false, inputProjGroupNorm: false,
  hiddenDim: 32, nheads: 8, numQueries: 6, encLayers: 1, decLayers: 2, dimFeedforward: 64, numClasses: 5, point2Hidden: [32, 64, 64],
};
const none = () => {};
const scene = generateScene(3, { width: 96, height: 64 });
const image: SessionImage = { name: 'scene', width: 96, height: 64, rgb: scene.pixels };

async function pth(obj: Record<string, unknown>): Promise<Blob> {
  const sink = new MemorySink();
  await torchSave(sink, obj);
  return new Blob([sink.bytes() as Uint8Array<ArrayBuffer>]);
}
const detrFile = () => pth(formulaDetrCheckpoint(detr, { seed: 3 }));

/** The session's worker, answered by a real engine in this process. */
class EngineWorker implements LensWorker {
  engine = new Engine(() => 'cpu');
  calls: Request[] = [];
  cancel() {}
  async call<T extends Request>(req: T): Promise<never> {
    this.calls.push(req);
    const e = this.engine;
    const r = req as Request;
    switch (r.type) {
      case 'init':
        return { backend: 'cpu', fallbacks: [], crossOriginIsolated: false } as never;
      case 'loadCheckpoint':
        return (await e.loadCheckpoint(r.slot, r.file, r.fileName, none, r.store, r.dilation)) as never;
      case 'loadStored':
        return (await e.loadStored(r.slot, r.file, r.fileName, none, r.dilation)) as never;
      case 'setDilation':
        return e.setDilation(r.slot, r.dilation) as never;
      case 'storeWeights':
        return (await e.storeWeights(r.slot, r.model, r.handle)) as never;
      case 'detect':
        return (await e.detect(r.slot, r.rgb, r.width, r.height, { inputSize: r.inputSize }, none)) as never;
      default:
        throw new Error(`not served here: ${r.type}`);
    }
  }
}

async function until(cond: () => boolean, what: string) {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
}

async function session(root: MemDir) {
  const w = new EngineWorker();
  const s = new LensSession(w, () => CheckpointStore.open(storage(root)));
  await s.init('cpu', undefined);
  return { w, s };
}

/** Runs the main slot once more and gives its result. */
async function runOnce(s: LensSession, key: string) {
  const done = s.getSnapshot().completed;
  s.requestRun(0, key, image, 64);
  await until(() => s.getSnapshot().completed > done, 'a run');
  return s.getSnapshot().runs.main!.result;
}

describe('DC5 that the checkpoint does not say', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('engine: switched over the same weights (no new weight tensors), the run goes, the next run has stride 16; back again, the first detections', async () => {
    const engine = new Engine(() => 'cpu');
    const info = await engine.loadCheckpoint(0, await detrFile(), 'detr-small.pth', none);
    expect([info.dilationSource, info.dilationDetected, info.dilationGuess, info.config.dilation]).toEqual(['file-name', false, true, false]);
    const a = await engine.detect(0, scene.pixels, 96, 64, { inputSize: 64 }, none);
    const tensors = tf.memory().numTensors;
    const on = engine.setDilation(0, true);
    expect([on.config.dilation, on.dilationDetected, on.dilationSource]).toEqual([true, false, 'file-name']);
    await expect(engine.querySlice(0, 'main', 0)).rejects.toThrow(/run a detection first/);
    const b = await engine.detect(0, scene.pixels, 96, 64, { inputSize: 64 }, none);
    // Same run size, same weights: only the run's tensors, which are as many as before.
    expect(tf.memory().numTensors).toBe(tensors);
    expect([b.featH, b.featW]).toEqual([a.featH * 2, a.featW * 2]);
    expect(b.detections.map((d) => d.box)).not.toEqual(a.detections.map((d) => d.box));
    engine.setDilation(0, false);
    const c = await engine.detect(0, scene.pixels, 96, 64, { inputSize: 64 }, none);
    expect(c.detections).toEqual(a.detections);
    engine.disposeAll();
  });

  it('engine: a DC5 the args say is a fact (the choice is ignored on load, refused after); without args the choice is built', async () => {
    const engine = new Engine(() => 'cpu');
    const withArgs = await pth(formulaCheckpoint(sam, { seed: 2, epochs: 50 }));
    const info = await engine.loadCheckpoint(0, withArgs, 'sam-dc5.pth', none, false, true);
    expect([info.dilationSource, info.dilationGuess, info.config.dilation]).toEqual(['args', false, false]);
    expect(() => engine.setDilation(0, true)).toThrow(/not a guess/);
    // Without args, the user's choice is what is built.
    const guessed = await engine.loadCheckpoint(1, await detrFile(), 'detr-small.pth', none, false, true);
    expect([guessed.dilationSource, guessed.dilationDetected, guessed.config.dilation]).toEqual(['file-name', false, true]);
    engine.disposeAll();
  });

  it('session: the switch re-runs, is kept with the stored checkpoint, and a reload or a second drop of the file loads it so', async () => {
    const root = new MemDir();
    const { s } = await session(root);
    const file = await detrFile();
    const info = await s.loadCheckpoint(file, 'detr-small.pth', () => []);
    expect(info?.dilationSource).toBe('file-name');
    await until(() => s.getSnapshot().shelf.items.length === 1 && !s.getSnapshot().shelf.storing, 'the store');
    const off = await runOnce(s, 'off');
    await s.setDilation(0, true);
    const m = s.getSnapshot().models[0]!;
    expect([m.config.dilation, m.dilationDetected]).toEqual([true, false]);
    expect(s.getSnapshot().runs.main).toBeUndefined();
    expect(s.getSnapshot().uploads.find((u) => u.name === m.name)?.config.dilation).toBe(true);
    const on = await runOnce(s, 'on');
    expect(on.featH).toBe(off.featH * 2);
    const [item] = s.getSnapshot().shelf.items;
    expect([item.dilation, item.kind]).toEqual([true, 'DETR, resnet18 + DC5']);

    // A reload: the stored model comes back with the choice, still marked as a guess switched.
    const again = await session(root);
    expect(await again.s.restoreUpload(0, 'upload:detr-small.pth', () => [])).toBe('ok');
    await until(() => !!again.s.getSnapshot().models[0], 'the restore');
    const r = again.s.getSnapshot().models[0]!;
    expect(again.w.calls.find((c) => c.type === 'loadStored')).toMatchObject({ dilation: true });
    expect([r.config.dilation, r.dilationDetected, r.dilationSource]).toEqual([true, false, 'file-name']);
    expect((await runOnce(again.s, 'reloaded')).featH).toBe(on.featH);

    // The same file dropped again: the kept choice applies; another file of that name: it does not.
    const third = await session(root);
    expect((await third.s.loadCheckpoint(file, 'detr-small.pth', () => []))?.config.dilation).toBe(true);
    const other = new Blob([await file.arrayBuffer(), new Uint8Array(8)]);
    const fourth = await session(root);
    expect((await fourth.s.loadCheckpoint(other, 'detr-small.pth', () => []))?.config.dilation).toBe(false);
  });

  it('session: switched back to the guess, nothing is kept (the newest switch wins); a checkpoint whose args say DC5 is not switched', async () => {
    const root = new MemDir();
    const { s, w } = await session(root);
    await s.loadCheckpoint(await detrFile(), 'detr-small.pth', () => []);
    await until(() => s.getSnapshot().shelf.items.length === 1 && !s.getSnapshot().shelf.storing, 'the store');
    await s.setDilation(0, true);
    await s.setDilation(0, false);
    // Two switches at once: the second (the newest) is what shows and what is kept.
    const first = s.setDilation(0, true);
    await s.setDilation(0, false);
    await first;
    expect(s.getSnapshot().models[0]!.config.dilation).toBe(false);
    const [item] = s.getSnapshot().shelf.items;
    expect([item.dilation, item.kind]).toEqual([undefined, 'DETR, resnet18']);
    const store = await CheckpointStore.open(storage(root));
    if (store instanceof StoreError) throw store;
    expect((await store.get('detr-small.pth'))?.dilation).toBeUndefined();

    await s.loadCheckpoint(await pth(formulaCheckpoint(sam, { seed: 2, epochs: 50 })), 'sam.pth', () => []);
    const before = w.calls.length;
    await s.setDilation(0, true);
    expect(w.calls.length).toBe(before);
    expect(s.getSnapshot().models[0]!.config.dilation).toBe(false);
  });
});

describe('the model panel on DC5', () => {
  const info = (over: Partial<ModelInfo>, dilation = false): ModelInfo =>
    ({ slot: 0, name: 'upload:x.pth', source: 'checkpoint', config: { ...detr, dilation }, classNames: [], inputSize: 800, maxSize: 1333, placeholder: false, params: 1, loadMs: 1, ...over,
      // As the engine tells it (chosenDc5): a guess when the name or the default said it.
      dilationGuess: over.dilationSource === 'file-name' || over.dilationSource === 'default' }) as ModelInfo;
  it('a fact from args, a guess from the name or the default (said which), the user\'s choice, nothing for multi-scale and bundled models', () => {
    expect(dc5View(info({ dilationSource: 'args', dilationDetected: true }, true))).toEqual({ kind: 'fact', on: true, text: "yes — the checkpoint's args say so" });
    expect(dc5View(info({ dilationSource: 'file-name', dilationDetected: false }))).toEqual({ kind: 'guess', on: false, chosen: false, note: 'guessed from the file name (it does not say dc5)' });
    expect(dc5View(info({ dilationSource: 'default', dilationDetected: false }))).toEqual({ kind: 'guess', on: false, chosen: false, note: 'assumed: the file does not say' });
    expect(dc5View(info({ dilationSource: 'file-name', dilationDetected: true }, false))).toMatchObject({ kind: 'guess', on: false, chosen: true, note: 'your choice (guessed on: the file name says dc5)' });
    expect(dc5View(info({ dilationSource: 'n/a' }))).toBeNull();
    expect(dc5View(info({}))).toBeNull(); // stored before the source was kept: as its configuration says
    expect(dc5View(info({ source: 'bundled', dilationSource: 'default' }))).toBeNull();
  });
});
