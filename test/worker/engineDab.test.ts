/**
 * A DAB-DETR checkpoint with 3 patterns through the engine the page uses: it loads as its own
 * family, detects with the top-300 sigmoid rule, tells the page its query-slot count, and answers
 * a query's layer-by-layer trace for any of the numPatterns x numQueries slots: the anchor box
 * each layer reads, how the layers refine it, attention over the feature map, one prediction per
 * layer.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Engine, defaultMaxSize } from '../../src/worker/engine';
import { buildModel, disposeDecoder, disposeEncoder, loadCheckpoint, preprocess } from '../../src/worker/modelApi';
import { OFFICIAL_DAB_DETR_R50, type ModelConfig } from '../../src/model/config';
import { generateScene } from '../../src/data/scene';
import { formulaCheckpoint } from '../../src/checkpoint/formulaCheckpoint';
import { formulaTensor } from '../../src/checkpoint/formulaWeights';
import { torchSave } from '../../src/checkpoint/torchSave';
import { MemorySink } from '../../src/checkpoint/byteSink';

const PATTERNS = 3;
const small: ModelConfig = {
  ...OFFICIAL_DAB_DETR_R50, backbone: 'resnet18', backboneWidth: 8, hiddenDim: 32, numQueries: 4, numClasses: 5,
  encLayers: 1, decLayers: 3, dimFeedforward: 64, numPatterns: PATTERNS,
};
const SLOTS = small.numQueries * PATTERNS;
const SEED = 5;
const none = () => {};
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe('DAB-DETR (3 patterns) in the engine', () => {
  let engine: Engine;
  let run: Awaited<ReturnType<Engine['detect']>>;
  /** The model library's own anchors, [layer][slot][4], of the same checkpoint on the same image. */
  let libraryAnchors: number[][][];

  beforeAll(async () => {
    await tf.setBackend('cpu');
    const sink = new MemorySink();
    await torchSave(sink, formulaCheckpoint(small, { seed: SEED, epochs: 50 }));
    const file = new Blob([sink.bytes() as Uint8Array<ArrayBuffer>]);
    engine = new Engine(() => 'cpu');
    const info = await engine.loadCheckpoint(0, file, 'dab_detr_r18_pat3.pth', none);
    expect(info.family).toBe('DAB-DETR');
    expect(info.config.numPatterns).toBe(PATTERNS);
    // The page cannot compute it (it imports no model code): the protocol says it.
    expect(info.querySlots).toBe(SLOTS);
    const scene = generateScene(3, { width: 96, height: 64 });
    run = await engine.detect(0, scene.pixels, 96, 64, { inputSize: 64 }, none);

    const ck = await loadCheckpoint(file, 'dab_detr_r18_pat3.pth', none);
    const model = buildModel(ck.config, ck.stateDict);
    const pre = preprocess(scene.pixels, 64, 96, { shortSide: 64, maxSize: defaultMaxSize(64) });
    const enc = model.runEncoder(pre.batch);
    const dec = model.runDecoder(enc);
    libraryAnchors = dec.layers.map((l) => (l.referenceBoxes!.arraySync() as number[][][])[0]);
    disposeDecoder(dec);
    disposeEncoder(enc);
    tf.dispose([pre.batch.images, pre.batch.mask]);
    model.dispose();
  });

  it('detects with the top-300 sigmoid rule over every slot and class', () => {
    // 12 slots x 5 classes = 60 < 300: all of them, best first, from slots of every pattern.
    expect(run.detections).toHaveLength(SLOTS * small.numClasses);
    const scores = run.detections.map((d) => d.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    expect(Math.max(...run.detections.map((d) => d.query))).toBe(SLOTS - 1);
  });

  it('answers every slot, and no slot past them', async () => {
    await expect(engine.querySlice(0, 'main', SLOTS - 1)).resolves.toMatchObject({ query: SLOTS - 1 });
    await expect(engine.querySlice(0, 'main', SLOTS)).rejects.toThrow(/out of range/);
  });

  it('traces a pattern slot: the anchor each layer reads, its refinement, attention, the final prediction', async () => {
    // A slot of the last pattern reading anchor 2, chosen by its detection so the last check has one.
    const q = 2 * small.numQueries + 2;
    const det = run.detections.find((d) => d.query === q)!;
    const slice = await engine.querySlice(0, 'main', q);
    const L = small.decLayers;
    expect(slice.layers).toBe(L);
    const ref = slice.referenceBoxes!;
    expect(ref).toHaveLength(L);

    // Layer 1 reads the learned anchor of the slot's query: sigmoid(refpoint_embed[q mod numQueries]).
    const embed = formulaTensor('refpoint_embed.weight', [small.numQueries, 4], SEED);
    const anchor = Array.from(embed.subarray((q % small.numQueries) * 4, (q % small.numQueries) * 4 + 4), sigmoid);
    ref[0].forEach((v, i) => expect(v).toBeCloseTo(anchor[i], 5));

    // Every pattern's slot of that query starts from the same anchor; their content differs, so their refinements do.
    const sibling = await engine.querySlice(0, 'main', q % small.numQueries);
    sibling.referenceBoxes![0].forEach((v, i) => expect(v).toBeCloseTo(ref[0][i], 6));
    expect(maxDiff(sibling.referenceBoxes![1], ref[1])).toBeGreaterThan(1e-4);

    for (let l = 0; l < L; l++) {
      // A box the image can hold: sigmoid cxcywh.
      for (const v of ref[l]) expect(v > 0 && v < 1).toBe(true);
      // Each head's cross-attention is a distribution over the feature map.
      expect(slice.attention[l]).toHaveLength(small.nheads);
      for (const head of slice.attention[l]) {
        expect(head).toHaveLength(run.featH * run.featW);
        expect(Array.from(head).reduce((a, v) => a + v, 0)).toBeCloseTo(1, 4);
      }
    }
    // Every layer moves the anchor the next one reads: the refinement is in the trace, not a copy
    // of layer 1's anchor, and it is this slot's (pattern 3's), as the model library refined it
    // (whose refinement the parity fixtures prove equal to the official code's).
    for (let l = 1; l < L; l++) expect(maxDiff(ref[l], ref[l - 1])).toBeGreaterThan(1e-4);
    for (let l = 0; l < L; l++) ref[l].forEach((v, i) => expect(v).toBeCloseTo(libraryAnchors[l][q][i], 5));
    // Layer l's box and layer l+1's anchor both add bbox_embed to inverse_sigmoid(layer l's
    // anchor), the box from the normed output and the anchor from the output before the shared
    // norm (the official order): the trail the page draws is the anchors, not the boxes.
    for (let l = 0; l + 1 < L; l++) expect(maxDiff(ref[l + 1], slice.predictions[l].box)).toBeGreaterThan(1e-6);

    // The last layer's prediction is the detection's (box in pixels of the 96 x 64 image, unpadded here).
    const last = slice.predictions[L - 1];
    expect(last.label).toBe(det.label);
    expect(last.score).toBeCloseTo(det.score, 5);
    const [cx, cy, w, h] = last.box;
    const [sy, sx] = [64 / run.resized[0], 96 / run.resized[1]];
    const [padH, padW] = run.padded;
    const expected = [(cx - w / 2) * padW * sx, (cy - h / 2) * padH * sy, (cx + w / 2) * padW * sx, (cy + h / 2) * padH * sy];
    det.box.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 2));
  });
});

function maxDiff(a: number[], b: number[]): number {
  return Math.max(...a.map((v, i) => Math.abs(v - b[i])));
}
