/**
 * A query's trace two ways (src/worker/querySlice.ts): sliced on the backend, or cut in
 * JavaScript from the whole trace read once. Every value must be the same, for each kind of
 * decoder the app serves: SAM-DETR with SMCA (points, scales, priors), multi-scale (a map size
 * per layer) and official DETR (no reference boxes).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { buildModel, formulaWeights, preprocess, disposeDecoder, disposeEncoder } from '../../src/model';
import { msDecoderLevel, type ModelConfig } from '../../src/model/config';
import { generateScene } from '../../src/data/scene';
import { downloadQuerySlice, pickQuerySlice, traceSize, wholeTrace } from '../../src/worker/querySlice';
import { Engine, WHOLE_TRACE_MAX_VALUES } from '../../src/worker/engine';
import type { ModelInfo } from '../../src/worker/messages';

const sam: ModelConfig = {
  backbone: 'resnet18', backboneWidth: 8, dilation: false, decoder: 'sam', smca: true, inputProjGroupNorm: false,
  hiddenDim: 32, nheads: 8, numQueries: 12, encLayers: 1, decLayers: 2, dimFeedforward: 64, numClasses: 8, point2Hidden: [32, 64, 64],
};
const cases: [string, ModelConfig][] = [
  ['SAM-DETR + SMCA', sam],
  ['multi-scale SAM-DETR', { ...sam, multiscale: true, inputProjGroupNorm: true, decLayers: 6 }],
  ['official DETR', { ...sam, decoder: 'detr', detrStyle: 'official', smca: false, numClasses: 5 }],
  // Its reference point and the spatial and content parts of its cross-attention (traced on request).
  ['Conditional DETR', { ...sam, decoder: 'conditional', smca: false, numClasses: 5 }],
  // Sampling points and no dense map; a reference point, then boxes; two-stage: the proposal taken.
  ['Deformable DETR', { ...sam, decoder: 'deformable', smca: false, inputProjGroupNorm: true, numQueries: 6 }],
  ['Deformable DETR, box refinement', { ...sam, decoder: 'deformable', smca: false, inputProjGroupNorm: true, numQueries: 6, withBoxRefine: true }],
  ['Deformable DETR, two-stage', { ...sam, decoder: 'deformable', smca: false, inputProjGroupNorm: true, numQueries: 6, withBoxRefine: true, twoStage: true }],
];

describe('a query slice, sliced on the backend or cut from the whole trace', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  for (const [name, c] of cases) {
    it(`gives the same values: ${name}`, async () => {
      const model = buildModel(c, formulaWeights(c, 5));
      const sc = generateScene(7, { width: 96, height: 64 });
      const { batch } = preprocess(sc.pixels, 64, 96, { shortSide: 64, maxSize: 107 });
      const enc = model.runEncoder(batch);
      const dec = model.runDecoder(enc, { attentionParts: true });
      const hws = enc.levels
        ? dec.layers.map((_, l) => enc.levels![msDecoderLevel(l)].featH * enc.levels![msDecoderLevel(l)].featW)
        : dec.layers.map(() => enc.featH * enc.featW);
      const whole = await wholeTrace(dec);
      expect(traceSize(dec)).toBeLessThan(WHOLE_TRACE_MAX_VALUES);
      for (const q of [0, 5, c.numQueries - 1]) {
        for (const withGauss of [true, false]) {
          const a = await downloadQuerySlice(dec, q, c.nheads, hws, withGauss);
          const b = pickQuerySlice(whole, q, withGauss);
          if (c.decoder === 'conditional') for (const k of ['refPt', 'spatial', 'content'] as const) expect(a[k], k).not.toBeNull();
          if (c.decoder === 'deformable') expect(a.sampling && a.refs && (!c.twoStage || a.proposal), 'no sampling trace').toBeTruthy();
          for (const k of Object.keys(a) as (keyof typeof a)[]) {
            expect(b[k] === null, `${k} present in one only`).toBe(a[k] === null);
            if (a[k]) expect(Array.from(b[k]!), `${k} of query ${q}`).toEqual(Array.from(a[k]!));
          }
        }
      }
      disposeDecoder(dec);
      disposeEncoder(enc);
      tf.dispose([batch.images, batch.mask]);
      model.dispose();
    });
  }

  it('is read once per run by the engine, and a new run reads its own', async () => {
    const engine = new Engine(() => 'cpu');
    const info: ModelInfo = { slot: 0, name: 't', source: 'bundled', config: sam, classNames: [], inputSize: 64, maxSize: 107, placeholder: true, params: 0, loadMs: 0 };
    engine.install(0, buildModel(sam, formulaWeights(sam, 3)), info);
    const sc1 = generateScene(5, { width: 96, height: 64 });
    const sc2 = generateScene(6, { width: 96, height: 64 });
    await engine.detect(0, sc1.pixels, 96, 64, {}, () => {});
    const first = await engine.querySlice(0, 'main', 2);
    const base = tf.memory().numTensors;
    const again = await engine.querySlice(0, 'main', 3);
    expect(tf.memory().numTensors).toBe(base);
    await engine.detect(0, sc2.pixels, 96, 64, {}, () => {});
    const other = await engine.querySlice(0, 'main', 2);
    // The second image's slice is its own, not the first run's cut again.
    expect(other.attention[0][0]).not.toEqual(first.attention[0][0]);
    expect(again.query).toBe(3);
    engine.disposeAll();
  });
});
