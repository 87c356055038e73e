/**
 * Deformable DETR checkpoints (plain, iterative box refinement, two-stage) through the engine the
 * page uses: each loads as its family, detects with its top-100 sigmoid postprocess, and answers a
 * query's slice with its decoder sampling points (per layer, head, level and point, equal to the
 * model's own tensors), the reference each layer reads and, for two-stage, the proposal the
 * query came from; the encoder tab's sampling points cover its four levels.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Engine } from '../../src/worker/engine';
import { loadCheckpoint } from '../../src/worker/modelApi';
import { buildModel, preprocess, disposeDecoder, disposeEncoder } from '../../src/model';
import { DEFORM_STRIDES, OFFICIAL_DEFORMABLE_DETR_R50, type ModelConfig } from '../../src/model/config';
import { generateScene } from '../../src/data/scene';
import { formulaCheckpoint } from '../../src/checkpoint/formulaCheckpoint';
import { torchSave } from '../../src/checkpoint/torchSave';
import { MemorySink } from '../../src/checkpoint/byteSink';

const small: ModelConfig = {
  ...OFFICIAL_DEFORMABLE_DETR_R50, backbone: 'resnet18', backboneWidth: 8, hiddenDim: 32, numQueries: 6, numClasses: 5,
  encLayers: 1, decLayers: 2, dimFeedforward: 64,
};
const variants: [string, ModelConfig][] = [
  ['plain', small],
  ['box refinement', { ...small, withBoxRefine: true }],
  ['two-stage', { ...small, withBoxRefine: true, twoStage: true }],
];
const none = () => {};
const W = 96;
const H = 64;

async function checkpointBlob(c: ModelConfig): Promise<Blob> {
  const sink = new MemorySink();
  await torchSave(sink, formulaCheckpoint(c, { seed: 5, epochs: 50 }));
  return new Blob([sink.bytes() as Uint8Array<ArrayBuffer>]);
}

/** The same checkpoint run by the model library directly: its decoder's tensors, read whole. */
async function reference(blob: Blob) {
  const ck = await loadCheckpoint(blob, 'r.pth', none);
  const model = buildModel(ck.config, ck.stateDict);
  const scene = generateScene(3, { width: W, height: H });
  const { batch } = preprocess(scene.pixels, H, W, { shortSide: 64, maxSize: 107 });
  const enc = model.runEncoder(batch);
  const dec = model.runDecoder(enc);
  const layers = await Promise.all(dec.layers.map(async (l) => ({
    loc: await l.samplingLocations!.array() as number[][][][][][],
    w: await l.samplingWeights!.array() as number[][][][][],
    ref: await (l.referenceBoxes ?? l.referencePoints)!.array(),
    boxes: await l.predBoxes.array(),
  })));
  const proposals = dec.proposals ? { taken: await dec.proposals.taken.array(), boxes: await dec.proposals.boxes.array() } : null;
  disposeDecoder(dec);
  disposeEncoder(enc);
  tf.dispose([batch.images, batch.mask]);
  model.dispose();
  return { layers, proposals };
}

describe('Deformable DETR in the engine', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  for (const [name, c] of variants) {
    it(`${name}: loads as Deformable DETR, detects, and slices a query's sampling points`, async () => {
      const blob = await checkpointBlob(c);
      const engine = new Engine(() => 'cpu');
      const info = await engine.loadCheckpoint(0, blob, 'deformable_detr_r18.pth', none);
      expect(info.family).toBe('Deformable DETR');
      expect(!!info.config.withBoxRefine).toBe(!!c.withBoxRefine);
      expect(!!info.config.twoStage).toBe(!!c.twoStage);
      const scene = generateScene(3, { width: W, height: H });
      const run = await engine.detect(0, scene.pixels, W, H, { inputSize: 64 }, none);
      // Top 100 of queries x classes by sigmoid: here all 30, best first; no per-layer level.
      expect(run.detections).toHaveLength(30);
      const scores = run.detections.map((d) => d.score);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
      expect(run.layerGrids).toBeUndefined();

      const q = run.detections[0].query;
      const slice = await engine.querySlice(0, 'main', q);
      const s = slice.sampling!;
      expect(s).toBeDefined();
      expect(slice.attention).toEqual([[], []]);
      expect(s.levels.map((g) => g.stride)).toEqual(DEFORM_STRIDES);
      expect(s.levels[0]).toEqual({ featH: run.featH, featW: run.featW, stride: 8 });
      expect(s.points).toHaveLength(2);
      expect(s.points[0]).toHaveLength(8);
      expect(s.points[0][0]).toHaveLength(4);
      expect(s.points[0][0][0]).toHaveLength(4);

      const ref = await reference(blob);
      for (let l = 0; l < 2; l++) {
        for (let h = 0; h < 8; h++) {
          // Each head's weights are a softmax over its levels x points.
          expect(s.points[l][h].flat().reduce((a, p) => a + p[2], 0)).toBeCloseTo(1, 5);
          for (let lv = 0; lv < 4; lv++) for (let p = 0; p < 4; p++) {
            const [x, y, w] = s.points[l][h][lv][p];
            expect(x).toBeCloseTo(ref.layers[l].loc[0][q][h][lv][p][0], 5);
            expect(y).toBeCloseTo(ref.layers[l].loc[0][q][h][lv][p][1], 5);
            expect(w).toBeCloseTo(ref.layers[l].w[0][q][h][lv][p], 5);
          }
        }
        const r = (ref.layers[l].ref as number[][][])[0][q];
        expect(s.references[l].length).toBe(r.length);
        s.references[l].forEach((v, i) => expect(v).toBeCloseTo(r[i], 5));
        // One image, so every level's valid ratio is that of the unpadded input: the same for each level.
        expect(s.levelReferences[l]).toHaveLength(4);
        for (const lr of s.levelReferences[l]) lr.forEach((v, i) => expect(v).toBeCloseTo(s.levelReferences[l][0][i], 5));
      }
      // The reference each layer reads: a fixed point (plain); with refinement a point, then the first layer's box.
      if (!c.withBoxRefine) {
        expect(s.references.map((r) => r.length)).toEqual([2, 2]);
        expect(s.references[1]).toEqual(s.references[0]);
      } else if (!c.twoStage) {
        expect(s.references.map((r) => r.length)).toEqual([2, 4]);
        s.references[1].forEach((v, i) => expect(v).toBeCloseTo(slice.predictions[0].box[i], 5));
      } else {
        expect(s.references.map((r) => r.length)).toEqual([4, 4]);
      }
      if (c.twoStage) {
        const p = s.proposal!;
        expect(p.token).toBe(ref.proposals!.taken[0][q]);
        p.box.forEach((v, i) => expect(v).toBeCloseTo(ref.proposals!.boxes[0][p.token][i], 5));
        // The first layer reads the proposal's box.
        s.references[0].forEach((v, i) => expect(v).toBeCloseTo(p.box[i], 5));
        const g = s.levels[p.level];
        const before = s.levels.slice(0, p.level).reduce((a, x) => a + x.featW * x.featH, 0);
        expect(before + p.row * g.featW + p.col).toBe(p.token);
      } else {
        expect(s.proposal).toBeUndefined();
      }
      // The last layer's prediction is the detection's.
      expect(slice.predictions[1].score).toBeCloseTo(run.detections[0].score, 5);

      // The encoder tab: a cell's sampling points on all four levels.
      const enc = await engine.encoderSamplingPoints(0, 0, 5);
      expect(enc.levels.map((g) => g.stride)).toEqual(DEFORM_STRIDES);
      expect(enc.points).toHaveLength(8);
      expect(enc.points[0]).toHaveLength(4);
      for (const head of enc.points) expect(head.flat().reduce((a, p) => a + p[2], 0)).toBeCloseTo(1, 5);
      engine.disposeAll();
    });
  }
});
