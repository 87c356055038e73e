import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/backend/useBackend';
import { buildModel } from '../../src/model/model';
import { stateDictLayout } from '../../src/model/stateDictLayout';
import { formulaWeights } from '../../src/model/formulaWeights';
import { OFFICIAL_DEFORMABLE_DETR_R50, classLogits, validateConfig, type ModelConfig } from '../../src/model/config';
import { disposeDecoder, disposeEncoder } from '../../src/model/dispose';
import { sinePositionEmbedding } from '../../src/model/position';
import { detectionsOf, familyOf, sigmoidTopK } from '../../src/model/scoring';
import { configFromFixture } from '../../src/parity/fixture';

// Deformable DETR (fundamentalvision/Deformable-DETR) as a config of the model library; its
// tensor-by-tensor parity is in test/parity/deformable.test.ts. Here: its state_dict layouts
// against the official ones the fixtures record, its config checks, its sine positions, and a
// small model of each variant: four levels, sampling points, references, proposals, top-100.

const manifest = (name: string) => JSON.parse(readFileSync(`test/fixtures/official/${name}/manifest.json`, 'utf8'));
const REFINE: ModelConfig = { ...OFFICIAL_DEFORMABLE_DETR_R50, withBoxRefine: true };
const TWO_STAGE: ModelConfig = { ...REFINE, twoStage: true };

describe('Deformable DETR config', () => {
  it.each([
    ['deform_r50', OFFICIAL_DEFORMABLE_DETR_R50],
    ['deform_r50_refine', REFINE],
    ['deform_r50_two_stage', TWO_STAGE],
  ])('has the official state_dict of %s: names, shapes and order', (name, want) => {
    const m = manifest(name);
    const config = configFromFixture(m.config, m.family);
    expect(config).toEqual(want);
    expect(stateDictLayout(config)).toEqual(m.state_dict);
  });

  it('has a sigmoid head, top-100, and refuses what Deformable DETR lacks', () => {
    expect(classLogits(OFFICIAL_DEFORMABLE_DETR_R50)).toBe(91);
    expect(familyOf(TWO_STAGE)).toBe('Deformable DETR');
    expect(sigmoidTopK(OFFICIAL_DEFORMABLE_DETR_R50)).toBe(100);
    for (const c of [OFFICIAL_DEFORMABLE_DETR_R50, REFINE, TWO_STAGE]) expect(validateConfig(c)).toEqual([]);
    expect(validateConfig({ ...OFFICIAL_DEFORMABLE_DETR_R50, twoStage: true })).toEqual(['two-stage Deformable DETR needs withBoxRefine']);
    expect(validateConfig({ ...OFFICIAL_DEFORMABLE_DETR_R50, inputProjGroupNorm: false })).toEqual(['Deformable DETR input_proj always has GroupNorm(32)']);
    expect(validateConfig({ ...OFFICIAL_DEFORMABLE_DETR_R50, dilation: true })).toEqual(['Deformable DETR here has no DC5 (dilation)']);
    expect(validateConfig({ ...OFFICIAL_DEFORMABLE_DETR_R50, decoder: 'dab', inputProjGroupNorm: false, withBoxRefine: true })).toContain('withBoxRefine and twoStage need the Deformable DETR decoder');
    // A fixture with other levels or points describes another model.
    const m = manifest('deform_r50');
    expect(() => configFromFixture({ ...m.config, num_feature_levels: 3 }, m.family)).toThrow(/num_feature_levels/);
    expect(() => configFromFixture({ ...m.config, dec_n_points: 8 }, m.family)).toThrow(/dec_n_points/);
    expect(() => configFromFixture({ ...m.config, two_stage: true }, 'dab-detr')).toThrow(/Deformable DETR config keys/);
  });

  it('takes its sine positions as (cumsum - 0.5) / (last cumsum + eps): SAM-DETR\'s on valid cells, not on an all-padding row', () => {
    // 3 x 4 map, the last row and column padded (column 3 and row 2 are all padding).
    const mask = tf.tensor3d([[[0, 0, 0, 1], [0, 0, 0, 1], [1, 1, 1, 1]]]);
    const own = sinePositionEmbedding(mask, 8, 'deformable');
    const sam = sinePositionEmbedding(mask, 8, true);
    const [a, b] = [own.arraySync()[0], sam.arraySync()[0]];
    for (let y = 0; y < 2; y++) for (let x = 0; x < 3; x++) for (let k = 0; k < 16; k++) expect(a[y][x][k]).toBeCloseTo(b[y][x][k], 4);
    // The padded row's x cumsum is 0: -0.5 / 1e-6 (times 2 pi) there, which SAM-DETR's rounding puts elsewhere.
    const xFirst = 8; // the first x channel: sin(x_embed / 1)
    expect(a[2][0][xFirst]).toBeCloseTo(Math.fround(Math.sin(Math.fround(Math.fround(-0.5 / Math.fround(1e-6)) * Math.fround(2 * Math.PI)))), 1);
    expect(Math.abs(a[2][0][xFirst] - b[2][0][xFirst])).toBeGreaterThan(1e-3);
    tf.dispose([mask, own, sam]);
  });
});

/** A small Deformable DETR: ResNet-18 at width 8, hidden 32, 4 heads, 7 queries, 3 decoder layers. */
const small = (variant: Partial<ModelConfig>): ModelConfig => ({ ...OFFICIAL_DEFORMABLE_DETR_R50, backbone: 'resnet18', backboneWidth: 8, hiddenDim: 32, nheads: 4, numQueries: 7, numClasses: 5, encLayers: 1, decLayers: 3, dimFeedforward: 64, ...variant });

describe('a small Deformable DETR runs (cpu)', () => {
  it.each([
    ['plain', small({})],
    ['with box refinement', small({ withBoxRefine: true })],
    ['two-stage', small({ withBoxRefine: true, twoStage: true })],
  ])('%s: four levels, 4 heads x 4 levels x 4 points per query, its references, the top 100, and frees everything', async (_, c) => {
    await useBackend('cpu');
    const before = tf.memory().numTensors;
    const weights = formulaWeights(c, 2);
    const model = buildModel(c, weights);
    const [H, W] = [64, 96];
    const images = tf.tensor4d(Float32Array.from({ length: H * W * 3 }, (_, i) => Math.sin(i * 0.37)), [1, H, W, 3]);
    // The right quarter padded: every level's valid ratio is below 1.
    const mask = tf.tensor3d(Float32Array.from({ length: H * W }, (_, i) => (i % W >= 72 ? 1 : 0)), [1, H, W]);
    const enc = model.runEncoder({ images, mask, sizes: [[H, 72]] });
    const dec = model.runDecoder(enc);
    try {
      // Strides 8, 16, 32 and the stride-2 conv's 64: 8x12, 4x6, 2x3, 1x2.
      expect(enc.levels!.map((lv) => [lv.featH, lv.featW])).toEqual([[8, 12], [4, 6], [2, 3], [1, 2]]);
      expect(enc.memory.shape).toEqual([1, 96 + 24 + 6 + 2, 32]);
      const nq = 7;
      for (const [l, L] of dec.layers.entries()) {
        expect(L.crossAttn).toBeUndefined();
        expect(L.samplingLocations!.shape).toEqual([1, nq, 4, 4, 4, 2]);
        expect(L.samplingWeights!.shape).toEqual([1, nq, 4, 4, 4]);
        const sums = tf.tidy(() => Array.from(tf.sum(L.samplingWeights!.reshape([nq * 4, 16]), 1).dataSync()));
        for (const s of sums) expect(s).toBeCloseTo(1, 5);
        const refDim = c.twoStage || (c.withBoxRefine && l > 0) ? 4 : 2;
        expect(L.levelReferences!.shape).toEqual([1, nq, 4, refDim]);
        expect((refDim === 4 ? L.referenceBoxes : L.referencePoints)!.shape).toEqual([1, nq, refDim]);
        expect(L.predLogits.shape).toEqual([1, nq, 5]);
        expect(L.predBoxes.shape).toEqual([1, nq, 4]);
      }
      // The levels read the reference times their valid ratio: x scaled by 0.75 at stride 8 (9 of 12 columns).
      const r0 = (c.twoStage ? dec.layers[0].referenceBoxes : dec.layers[0].referencePoints)!;
      const ref = await r0.data();
      const lv = await dec.layers[0].levelReferences!.data();
      expect(lv[0]).toBeCloseTo(ref[0] * 0.75, 6);
      if (!c.withBoxRefine) {
        // One reference point per query, the same for every layer.
        expect(Array.from(await dec.layers[2].referencePoints!.data())).toEqual(Array.from(ref));
      } else {
        // Each layer after the first reads the box the one before predicted.
        for (let l = 1; l < 3; l++) expect(Array.from(await dec.layers[l].referenceBoxes!.data())).toEqual(Array.from(await dec.layers[l - 1].predBoxes.data()));
      }
      if (c.twoStage) {
        // One proposal per memory token; the queries start from the boxes of the 7 taken.
        const p = dec.proposals!;
        expect([p.logits.shape, p.boxes.shape, p.taken.shape]).toEqual([[1, 128, 5], [1, 128, 4], [1, 7]]);
        const taken = Array.from(await p.taken.data());
        expect(new Set(taken).size).toBe(7);
        const boxes = await p.boxes.data();
        expect(Array.from(ref)).toEqual(taken.flatMap((t) => Array.from(boxes.slice(t * 4, t * 4 + 4))));
        // Padded tokens propose nothing: their box logits are +inf, sigmoid 1.
        expect(boxes[11 * 4]).toBe(1);
      } else {
        expect(dec.proposals).toBeUndefined();
      }
      const [dets] = await detectionsOf(c, dec.layers[2], [[H, 72]]);
      expect(dets).toHaveLength(Math.min(100, nq * 5));
    } finally {
      disposeDecoder(dec);
      disposeEncoder(enc);
      tf.dispose([images, mask]);
      model.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
