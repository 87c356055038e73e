/**
 * A Conditional DETR checkpoint through the engine the page uses: it loads as its own family,
 * detects with sigmoid scoring, and answers a query's layer-by-layer trace (attention over the
 * feature map, one prediction per layer) like the other families.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Engine } from '../../src/worker/engine';
import { OFFICIAL_CONDITIONAL_DETR_R50, type ModelConfig } from '../../src/model/config';
import { generateScene } from '../../src/data/scene';
import { formulaDetrCheckpoint } from '../../src/checkpoint/formulaCheckpoint';
import { torchSave } from '../../src/checkpoint/torchSave';
import { MemorySink } from '../../src/checkpoint/byteSink';

const small: ModelConfig = {
  ...OFFICIAL_CONDITIONAL_DETR_R50, backbone: 'resnet18', backboneWidth: 8, hiddenDim: 32, numQueries: 6, numClasses: 5,
  encLayers: 1, decLayers: 2, dimFeedforward: 64,
};
const none = () => {};

describe('Conditional DETR in the engine', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('loads as Conditional DETR, detects, and traces a query through every layer', async () => {
    const sink = new MemorySink();
    await torchSave(sink, formulaDetrCheckpoint(small, { seed: 5 }));
    const engine = new Engine(() => 'cpu');
    const info = await engine.loadCheckpoint(0, new Blob([sink.bytes() as Uint8Array<ArrayBuffer>]), 'ConditionalDETR_r18.pth', none);
    expect(info.family).toBe('Conditional DETR');
    expect(info.config.decoder).toBe('conditional');
    const scene = generateScene(3, { width: 96, height: 64 });
    const run = await engine.detect(0, scene.pixels, 96, 64, { inputSize: 64 }, none);
    // Sigmoid focal scoring: the top k of queries x classes (here all 30), best first.
    expect(run.detections).toHaveLength(30);
    const scores = run.detections.map((d) => d.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    const q = run.detections[0].query;
    const slice = await engine.querySlice(0, 'main', q);
    expect(slice.layers).toBe(2);
    expect(slice.attention).toHaveLength(2);
    expect(slice.attention[0]).toHaveLength(small.nheads);
    // Each head's cross-attention is a distribution over the feature map.
    const sum = Array.from(slice.attention[1][0]).reduce((a, v) => a + v, 0);
    expect(sum).toBeCloseTo(1, 4);
    expect(slice.attention[1][0]).toHaveLength(run.featH * run.featW);
    // The last layer's prediction is the detection's.
    const last = slice.predictions[1];
    expect(last.label).toBe(run.detections[0].label);
    expect(last.score).toBeCloseTo(run.detections[0].score, 5);
  });

  it("traces a query's reference point and the spatial and content parts of its cross-attention", async () => {
    const sink = new MemorySink();
    await torchSave(sink, formulaDetrCheckpoint(small, { seed: 5 }));
    const engine = new Engine(() => 'cpu');
    await engine.loadCheckpoint(0, new Blob([sink.bytes() as Uint8Array<ArrayBuffer>]), 'ConditionalDETR_r18.pth', none);
    const sliceOf = async (seed: number) => {
      const scene = generateScene(seed, { width: 96, height: 64 });
      const run = await engine.detect(0, scene.pixels, 96, 64, { inputSize: 64 }, none);
      return { run, slice: await engine.querySlice(0, 'main', 4) };
    };
    const { run, slice } = await sliceOf(3);
    const hw = run.featH * run.featW;
    // One reference point per query, read by every layer, inside the padded input.
    const pts = slice.referencePoints!;
    expect(pts).toHaveLength(2);
    expect(pts[1]).toEqual(pts[0]);
    for (const v of pts[0]) expect(v > 0 && v < 1).toBe(true);
    for (const part of [slice.spatialAttention!, slice.contentAttention!]) {
      expect(part).toHaveLength(2);
      expect(part[0]).toHaveLength(small.nheads);
      expect(part[1][0]).toHaveLength(hw);
      expect(Array.from(part[1][0]).reduce((a, v) => a + v, 0)).toBeCloseTo(1, 4);
    }
    // Layer 1's spatial part reads only positions: another image of the same size gives the same
    // maps, where the content part changes. A slice that swapped the two would fail here.
    const other = (await sliceOf(8)).slice;
    const diff = (a: Float32Array, b: Float32Array) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));
    expect(diff(other.spatialAttention![0][0], slice.spatialAttention![0][0])).toBeLessThan(1e-6);
    expect(diff(other.contentAttention![0][0], slice.contentAttention![0][0])).toBeGreaterThan(1e-4);
    engine.disposeAll();
  });
});
