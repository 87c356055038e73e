import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/backend/useBackend';
import { OFFICIAL_CONDITIONAL_DETR_R50, OFFICIAL_DETR_R50, OFFICIAL_R50, type ModelConfig } from '../../src/model/config';
import { bestClassOfRow, detectionsOf, familyOf } from '../../src/model/scoring';

/** Heads of one image: nq queries over `width` logits, boxes spread over the image. */
function heads(nq: number, width: number, seed: number) {
  let x = seed;
  const r = () => ((x = (x * 16807) % 2147483647) / 2147483647);
  const logits = Array.from({ length: nq * width }, () => 6 * r() - 4);
  const boxes = Array.from({ length: nq }, () => [0.2 + 0.6 * r(), 0.2 + 0.6 * r(), 0.1 + 0.2 * r(), 0.1 + 0.2 * r()]).flat();
  return { predLogits: tf.tensor3d(logits, [1, nq, width]), predBoxes: tf.tensor3d(boxes, [1, nq, 4]), logits };
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

describe('scoring chosen by the model family', () => {
  beforeAll(async () => { await useBackend('cpu'); });

  it('names the family the page is told', () => {
    expect(familyOf(OFFICIAL_DETR_R50)).toBe('DETR');
    expect(familyOf(OFFICIAL_R50)).toBe('SAM-DETR');
    expect(familyOf(OFFICIAL_CONDITIONAL_DETR_R50)).toBe('Conditional DETR');
    expect(familyOf({ ...OFFICIAL_R50, decoder: 'detr', detrStyle: undefined } as ModelConfig)).toBe('baseline');
  });

  it('sigmoid heads: the top k of all query x class sigmoids, several per query allowed', async () => {
    const c: ModelConfig = { ...OFFICIAL_R50, numQueries: 6, numClasses: 5 };
    const h = heads(6, 5, 7);
    const [dets] = await detectionsOf(c, h, [[100, 200]], 10);
    expect(dets).toHaveLength(10);
    const want = h.logits.map((v, i) => ({ s: sigmoid(v), i })).sort((a, b) => b.s - a.s).slice(0, 10);
    dets.forEach((d, j) => {
      expect(d.score).toBeCloseTo(want[j].s, 5);
      expect(d.query * 5 + d.label).toBe(want[j].i);
    });
    // k never exceeds the number of scores there are.
    expect((await detectionsOf(c, h, [[100, 200]], 1000))[0]).toHaveLength(30);
    tf.dispose([h.predLogits, h.predBoxes]);
  });

  it('softmax heads: one detection per query, the best real class with "no object" in the normaliser', async () => {
    const c: ModelConfig = { ...OFFICIAL_DETR_R50, numQueries: 4, numClasses: 3 };
    const h = heads(4, 4, 11);
    const dets = (await detectionsOf(c, h, [[100, 200]], 2))[0];
    expect(dets.map((d) => d.query)).toEqual([0, 1, 2, 3]);
    for (const d of dets) {
      const row = h.logits.slice(d.query * 4, d.query * 4 + 4);
      const z = row.reduce((a, v) => a + Math.exp(v), 0);
      const real = row.slice(0, 3);
      expect(d.label).toBe(real.indexOf(Math.max(...real)));
      expect(d.score).toBeCloseTo(Math.exp(row[d.label]) / z, 5);
      // The per-query trace scores a row the same way the postprocess does.
      const one = bestClassOfRow(c, row);
      expect(one.label).toBe(d.label);
      expect(one.score).toBeCloseTo(d.score, 5);
    }
    tf.dispose([h.predLogits, h.predBoxes]);
  });

  it('sigmoid heads score a trace row by the sigmoid of its best logit', () => {
    const c: ModelConfig = { ...OFFICIAL_R50, numClasses: 3 };
    expect(bestClassOfRow(c, [0.5, 2, -1])).toEqual({ label: 1, score: sigmoid(2) });
  });
});
