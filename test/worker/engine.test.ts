/** The worker's engine in Node: detection, slices, prior-off re-run, encoder rows, and no tensor leaks. */
import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Engine } from '../../src/worker/engine';
import { buildModel, formulaWeights } from '../../src/model';
import type { ModelConfig } from '../../src/model/config';
import { generateScene } from '../../src/data/scene';
import type { ModelInfo } from '../../src/worker/messages';

const config: ModelConfig = {
  backbone: 'resnet18', backboneWidth: 8, dilation: false, decoder: 'sam', smca: true, inputProjGroupNorm: false,
  hiddenDim: 32, nheads: 8, numQueries: 12, encLayers: 1, decLayers: 2, dimFeedforward: 64, numClasses: 8, point2Hidden: [32, 64, 64],
};

describe('inference engine', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  it('runs, slices one query for all layers, re-runs the decoder without the prior, and frees everything', async () => {
    const engine = new Engine(() => 'cpu');
    const model = buildModel(config, formulaWeights(config, 3));
    const info: ModelInfo = {
      slot: 0, name: 't', source: 'bundled', config, classNames: [], inputSize: 64, maxSize: 107, placeholder: true, params: 0, loadMs: 0,
    };
    engine.install(0, model, info);
    const sc = generateScene(5, { width: 96, height: 64 });
    const base = tf.memory().numTensors;
    const progress: string[] = [];
    const r = await engine.detect(0, sc.pixels, 96, 64, {}, (p) => progress.push(p.step ? `${p.stage} ${p.step}/${p.steps}` : p.stage));
    // Each stage, and within it each backbone block (resnet18: 8) and encoder and decoder layer as it ends.
    const blocks = Array.from({ length: 8 }, (_, i) => `backbone ${i + 1}/8`);
    expect(progress).toEqual(['preprocess', 'backbone', ...blocks, 'encoder', 'encoder 1/1', 'decoder', 'decoder 1/2', 'decoder 2/2', 'postprocess']);
    expect(r.resized).toEqual([64, 96]);
    expect(r.layerGrids).toBeUndefined(); // one feature map for every layer
    expect([r.featH, r.featW]).toEqual([2, 3]);
    expect(r.detections.length).toBe(Math.min(100, 12 * 8));
    for (const d of r.detections) {
      expect(d.box[0]).toBeGreaterThanOrEqual(-96);
      expect(d.query).toBeLessThan(12);
    }
    const afterRun = tf.memory().numTensors;

    const sl = await engine.querySlice(0, 'main', 5);
    expect(sl.layers).toBe(2);
    expect(sl.referenceBoxes!).toHaveLength(2);
    expect(sl.referenceBoxes![0]).toHaveLength(4);
    expect(sl.salientPoints![1]).toHaveLength(8);
    expect(sl.roiBoxes![0]).toHaveLength(4);
    expect(sl.attention[0]).toHaveLength(8);
    expect(sl.attention[0][0]).toHaveLength(6);
    const sum = sl.attention[1][3].reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(1, 4); // softmax row over the h*w keys
    expect(sl.gaussian).not.toBeNull();
    expect(sl.smcaScales![0]).toHaveLength(8);
    expect(sl.predictions[1].score).toBeGreaterThan(0);
    // Salient points lie inside the reference box (centre + 0.5 * wh * tanh).
    const [cx, cy, w, h] = sl.referenceBoxes![0];
    for (const [x, y] of sl.salientPoints![0]) {
      expect(Math.abs(x - cx)).toBeLessThanOrEqual(w / 2 + 1e-6);
      expect(Math.abs(y - cy)).toBeLessThanOrEqual(h / 2 + 1e-6);
    }
    expect(tf.memory().numTensors).toBe(afterRun); // slicing leaves nothing behind

    const off = await engine.rerun(0, false, undefined, () => {});
    expect(off.variant).toBe('off');
    const slOff = await engine.querySlice(0, 'off', 5);
    expect(slOff.gaussian).toBeNull();
    const changed = slOff.attention[1].some((m, hd) => m.some((v, i) => Math.abs(v - sl.attention[1][hd][i]) > 1e-6));
    expect(changed).toBe(true);
    // The first layer's reference boxes do not depend on the prior.
    expect(slOff.referenceBoxes![0]).toEqual(sl.referenceBoxes![0]);

    const enc = await engine.encoderAttention(0, 0, 4);
    expect(enc.attention).toHaveLength(8);
    expect(enc.attention[0].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);

    // A second detection replaces the first run's tensors instead of adding to them.
    await engine.detect(0, sc.pixels, 96, 64, {}, () => {});
    expect(tf.memory().numTensors).toBe(afterRun);
    await expect(engine.querySlice(0, 'main', 99)).rejects.toThrow(/out of range/);
    engine.unload(0);
    expect(tf.memory().numTensors).toBeLessThanOrEqual(base);
  });
  it('serves the DETR-style baseline (no aligner: no RoI, no salient points, no prior)', async () => {
    const c: ModelConfig = { ...config, decoder: 'detr', smca: false };
    const engine = new Engine(() => 'cpu');
    engine.install(0, buildModel(c, formulaWeights(c, 4)), {
      slot: 0, name: 'b', source: 'bundled', config: c, classNames: [], inputSize: 64, maxSize: 107, placeholder: true, params: 0, loadMs: 0,
    });
    const sc = generateScene(6, { width: 64, height: 64 });
    await engine.detect(0, sc.pixels, 64, 64, {}, () => {});
    const sl = await engine.querySlice(0, 'main', 0);
    expect(sl.salientPoints).toBeNull();
    expect(sl.roiBoxes).toBeNull();
    expect(sl.gaussian).toBeNull();
    expect(sl.attention[1]).toHaveLength(8);
    await expect(engine.rerun(0, false, undefined, () => {})).rejects.toThrow(/no SMCA prior/);
    engine.disposeAll();
  });
  it('serves official DETR: one detection per query from the softmax, no reference boxes, per-layer boxes and scores', async () => {
    const c: ModelConfig = { ...config, decoder: 'detr', detrStyle: 'official', smca: false, numClasses: 5 };
    const engine = new Engine(() => 'cpu');
    engine.install(0, buildModel(c, formulaWeights(c, 4)), {
      slot: 0, name: 'd', source: 'checkpoint', config: c, classNames: [], inputSize: 64, maxSize: 107, placeholder: false, params: 0, loadMs: 0,
    });
    const sc = generateScene(6, { width: 64, height: 64 });
    const base = tf.memory().numTensors;
    const r = await engine.detect(0, sc.pixels, 64, 64, {}, () => {});
    expect(r.detections.map((d) => d.query)).toEqual(Array.from({ length: c.numQueries }, (_, q) => q));
    for (const d of r.detections) {
      expect(d.label).toBeLessThan(5); // never "no object"
      expect(d.score).toBeGreaterThan(0);
      expect(d.score).toBeLessThan(1);
    }
    const sl = await engine.querySlice(0, 'main', 3);
    expect(sl.referenceBoxes).toBeNull();
    expect(sl.salientPoints).toBeNull();
    expect(sl.predictions).toHaveLength(c.decLayers);
    // The last layer's prediction is the query's detection (same softmax score and label).
    const det = r.detections[3];
    expect(sl.predictions[c.decLayers - 1].label).toBe(det.label);
    expect(sl.predictions[c.decLayers - 1].score).toBeCloseTo(det.score, 5);
    engine.disposeAll();
    expect(tf.memory().numTensors).toBeLessThanOrEqual(base);
  });
  // Multi-scale SAM-DETR (small, formula weights): every decoder layer's maps on its own level
  // (layers 0-1 stride 32, 2-3 stride 16, 4-5 stride 8), encoder sampling points for a clicked
  // cell, and no tensor left behind (the backbone's three levels included).
  it('serves multi-scale SAM-DETR: per-layer grids of the level each layer reads, encoder sampling points', async () => {
    const c: ModelConfig = { ...config, multiscale: true, inputProjGroupNorm: true, decLayers: 6, smca: true };
    const engine = new Engine(() => 'cpu');
    engine.install(0, buildModel(c, formulaWeights(c, 5)), {
      slot: 0, name: 'ms', source: 'checkpoint', config: c, classNames: [], inputSize: 64, maxSize: 107, placeholder: false, params: 0, loadMs: 0,
    });
    const sc = generateScene(7, { width: 96, height: 64 });
    const base = tf.memory().numTensors;
    const r = await engine.detect(0, sc.pixels, 96, 64, {}, () => {});
    expect([r.featH, r.featW]).toEqual([8, 12]); // the finest level, stride 8
    const afterRun = tf.memory().numTensors;
    const sl = await engine.querySlice(0, 'main', 4);
    const grids = [[2, 3, 32], [2, 3, 32], [4, 6, 16], [4, 6, 16], [8, 12, 8], [8, 12, 8]];
    expect(sl.layerGrids!.map((g) => [g.featH, g.featW, g.stride])).toEqual(grids);
    // The run names each layer's level too (the app's layer slider, before any query is selected).
    expect(r.layerGrids).toEqual(sl.layerGrids);
    sl.attention.forEach((heads, l) => {
      expect(heads).toHaveLength(8);
      for (const m of heads) expect(m).toHaveLength(grids[l][0] * grids[l][1]);
      expect(heads[2].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    });
    sl.gaussian!.forEach((heads, l) => expect(heads[0]).toHaveLength(grids[l][0] * grids[l][1]));
    expect(sl.salientPoints![5]).toHaveLength(8);
    // Encoder: a clicked stride-8 cell's sampling points, 8 heads x 3 levels x 4 points, weights summing to 1 per head.
    const pts = await engine.encoderSamplingPoints(0, 0, 8 * 12 - 1);
    expect(pts.levels).toEqual([{ featH: 8, featW: 12, stride: 8 }, { featH: 4, featW: 6, stride: 16 }, { featH: 2, featW: 3, stride: 32 }]);
    expect(pts.points).toHaveLength(8);
    for (const head of pts.points) {
      expect(head.map((lv) => lv.length)).toEqual([4, 4, 4]);
      expect(head.flat().reduce((a, p) => a + p[2], 0)).toBeCloseTo(1, 5);
    }
    await expect(engine.encoderSamplingPoints(0, 0, 8 * 12)).rejects.toThrow(/out of range/);
    await expect(engine.encoderAttention(0, 0, 3)).rejects.toThrow(/deformable/);
    expect((await engine.rerun(0, false, undefined, () => {})).layerGrids).toEqual(sl.layerGrids);
    expect((await engine.querySlice(0, 'off', 4)).attention[0][0]).toHaveLength(6);
    expect(tf.memory().numTensors).toBeGreaterThan(afterRun); // the prior-off decoder run is kept
    await engine.detect(0, sc.pixels, 96, 64, {}, () => {});
    expect(tf.memory().numTensors).toBe(afterRun);
    engine.disposeAll();
    expect(tf.memory().numTensors).toBeLessThanOrEqual(base);
  });
});
