/**
 * A dropped checkpoint kept in the browser as its model: the worker's engine loads a training
 * checkpoint (model + AdamW state of every parameter, as the official ones are), writes the
 * model's weights into the store's file (the in-memory file system of the store's tests), and a
 * fresh engine loads them back: the same weights bit for bit, the same configuration, epoch,
 * report and detections, at about a third of the file's size.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Engine } from '../../src/worker/engine';
import type { ModelConfig } from '../../src/model/config';
import { generateScene } from '../../src/data/scene';
import { formulaCheckpoint } from '../../src/checkpoint/formulaCheckpoint';
import { expectedStateDictShapes } from '../../src/checkpoint/expectedKeys';
import { torchSave } from '../../src/checkpoint/torchSave';
import { MemorySink } from '../../src/checkpoint/byteSink';
import { blobSource } from '../../src/checkpoint/byteSource';
import { loadStateDict } from '../../src/checkpoint/loadStateDict';
import { CheckpointStore, StoreError, checkpointKind } from '../../src/app/storage/checkpointStore';
import { readStoredModel, writeStoredModel } from '../../src/worker/storedModel';
import type { Params } from '../../src/model/params';
import type { StateDict } from '../../src/model/types';
import { MemDir, storage } from '../support/memOpfs';

const config: ModelConfig = {
  backbone: 'resnet18', backboneWidth: 8, dilation: false, decoder: 'sam', smca: true, inputProjGroupNorm: false,
  hiddenDim: 32, nheads: 8, numQueries: 12, encLayers: 1, decLayers: 2, dimFeedforward: 64, numClasses: 8, point2Hidden: [32, 64, 64],
};
const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);
const none = () => {};

async function trainingCheckpoint(): Promise<Blob> {
  const all = expectedStateDictShapes(config).map(([n]) => n);
  const sink = new MemorySink();
  await torchSave(sink, formulaCheckpoint(config, { seed: 4, epochs: 50, optimizerStateFor: all }));
  return new Blob([sink.bytes() as Uint8Array<ArrayBuffer>]);
}

function expectSameWeights(got: StateDict, want: StateDict) {
  expect([...got.keys()]).toEqual([...want.keys()]);
  for (const [name, e] of want) {
    expect(got.get(name)!.shape, name).toEqual(e.shape);
    expect(bits(got.get(name)!.data), name).toEqual(bits(e.data));
  }
}

describe('stored model: a checkpoint kept as its weights', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('store and restore: the same weights bit for bit, configuration, epoch, report and detections; the optimizer state is left out', async () => {
    const pth = await trainingCheckpoint();
    const want = (await loadStateDict(blobSource(pth, 'tiny.pth'))).stateDict;
    const engine = new Engine(() => 'cpu');
    const info = await engine.loadCheckpoint(0, pth, 'tiny.pth', none, true);
    const sc = generateScene(3, { width: 96, height: 64 });
    const before = await engine.detect(0, sc.pixels, 96, 64, { inputSize: 64 }, none);

    const st = await CheckpointStore.open(storage(new MemDir()));
    if (st instanceof StoreError) throw st;
    const meta = await st.put('tiny.pth', info.params * 4, { kind: checkpointKind(info.config), fileSize: pth.size }, (h) => engine.storeWeights(0, info.name, h));
    // The model (float32) and a header, not the file: its AdamW moments are twice the model.
    expect(meta.size).toBeGreaterThan(info.params * 4);
    expect(meta.size).toBeLessThan(info.params * 4 + 64 * 1024);
    expect(meta.size).toBeLessThan(pth.size / 2.5);

    const kept = await st.get('tiny.pth');
    expect(kept?.format).toBe('model');
    expectSameWeights((await readStoredModel(kept!.file)).stateDict, want);
    const again = new Engine(() => 'cpu');
    const back = await again.loadStored(0, kept!.file, 'tiny.pth', none);
    expect(back).toMatchObject({ name: 'upload:tiny.pth', source: 'checkpoint', config: info.config, epoch: info.epoch, warnings: info.warnings, params: info.params });
    expect(back.report!.slice(0, info.report!.length)).toEqual(info.report);
    expect(back.report![info.report!.length]).toMatch(/^kept in this browser: the model's weights \(/);
    const after = await again.detect(0, sc.pixels, 96, 64, { inputSize: 64 }, none);
    expect(after.detections).toEqual(before.detections);
    engine.unload(0);
    again.unload(0);
  });

  it('stored after the model has run and let its arrays go: still bit for bit (made back from its tensors)', async () => {
    const pth = await trainingCheckpoint();
    const want = (await loadStateDict(blobSource(pth, 'tiny.pth'))).stateDict;
    const engine = new Engine(() => 'cpu');
    // Not told a store would follow: the first run lets the arrays go.
    const info = await engine.loadCheckpoint(0, pth, 'tiny.pth', none, false);
    await engine.detect(0, generateScene(3, { width: 96, height: 64 }).pixels, 96, 64, { inputSize: 64 }, none);
    const dir = new MemDir();
    const st = (await CheckpointStore.open(storage(dir))) as CheckpointStore;
    await st.put('tiny.pth', info.params * 4, { kind: 'k', fileSize: pth.size }, (h) => engine.storeWeights(0, info.name, h));
    expectSameWeights((await readStoredModel((await st.get('tiny.pth'))!.file)).stateDict, want);
    // A model no longer in the slot cannot be written, and says so (the store then keeps nothing).
    await expect(st.put('other.pth', 10, { kind: 'k', fileSize: 10 }, (h) => engine.storeWeights(0, 'upload:other.pth', h))).rejects.toThrow(/unloaded before it could be stored/);
    expect((await st.list()).map((c) => c.name)).toEqual(['tiny.pth']);
    engine.unload(0);
  });

  it('a stored file that is not a stored model, or whose configuration is damaged, is refused with a reason', async () => {
    const { writeSafetensors } = await import('../../src/checkpoint/safetensors');
    const plain = new Blob([writeSafetensors(new Map([['a', { shape: [1], data: Float32Array.of(1) }]]))]);
    await expect(readStoredModel(plain)).rejects.toThrow(/not a model stored by this app/);
    const bad = new Blob([writeSafetensors(new Map([['a', { shape: [1], data: Float32Array.of(1) }]]), { metadata: { format: 'sam-detr-lens stored model 1', config: '{"hiddenDim": -1}' } })]);
    await expect(readStoredModel(bad)).rejects.toThrow(/configuration is invalid/);
  });

  it('a large write lets the worker\'s other messages run every few megabytes (a sync handle write blocks its thread)', async () => {
    // 24 MB in six tensors: the writer's awaits alone are microtasks, which no message can pass.
    const arrays = Array.from({ length: 6 }, (_, i) => [`w${i}`, new Float32Array(2 ** 20).fill(i)] as const);
    const params = {
      shapes: () => arrays.map(([n, a]) => [n, [a.length]]),
      entryNow: async (n: string) => ({ shape: [2 ** 20], data: arrays.find(([m]) => m === n)![1] }),
    } as unknown as Params;
    let written = 0;
    const handle = {
      createWritable: () => Promise.reject(new Error('the sync handle is used')),
      createSyncAccessHandle: async () => ({ truncate: none, flush: none, close: none, write: (b: Uint8Array) => ((written += b.byteLength), b.byteLength) }),
    };
    let ticks = 0;
    let done = false;
    const tick = () => {
      if (done) return;
      ticks++;
      setTimeout(tick, 0);
    };
    setTimeout(tick, 0);
    const size = await writeStoredModel(params, { config, report: [], warnings: [] }, handle);
    done = true;
    expect(written).toBe(size);
    expect(size).toBeGreaterThan(24 * 2 ** 20);
    expect(ticks).toBeGreaterThanOrEqual(2);
  });
});
