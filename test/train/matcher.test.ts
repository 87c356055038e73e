import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import {
  DEFAULT_MATCHER_WEIGHTS, hungarianMatch, hungarianMatchTensors, hungarianRowsToCols, linearSumAssignment, matchCost,
  matchingCost, type Target,
} from '../../src/train/matcher';
import { boxGiou, cxcywhToXyxy } from '../../src/geometry/boxes';
import { rng, useBackend } from '../support/trainHelpers';

/** Minimum over all injective maps of the smaller side into the larger (brute force). */
function bruteForce(cost: ArrayLike<number>, nq: number, ngt: number): number {
  let best = Infinity;
  const usedQ = new Array<boolean>(nq).fill(false);
  const usedG = new Array<boolean>(ngt).fill(false);
  if (ngt <= nq) {
    const rec = (j: number, s: number) => {
      if (j === ngt) { best = Math.min(best, s); return; }
      for (let q = 0; q < nq; q++) if (!usedQ[q]) { usedQ[q] = true; rec(j + 1, s + cost[q * ngt + j]); usedQ[q] = false; }
    };
    rec(0, 0);
  } else {
    const rec = (q: number, s: number) => {
      if (q === nq) { best = Math.min(best, s); return; }
      for (let j = 0; j < ngt; j++) if (!usedG[j]) { usedG[j] = true; rec(q + 1, s + cost[q * ngt + j]); usedG[j] = false; }
    };
    rec(0, 0);
  }
  return best;
}

function checkValid(m: { predIdx: Int32Array; gtIdx: Int32Array }, nq: number, ngt: number) {
  const k = Math.min(nq, ngt);
  expect(m.predIdx.length).toBe(k);
  expect(new Set(m.predIdx).size).toBe(k);
  expect(new Set(m.gtIdx).size).toBe(k);
  for (let i = 0; i < k; i++) {
    expect(m.predIdx[i]).toBeGreaterThanOrEqual(0);
    expect(m.predIdx[i]).toBeLessThan(nq);
    expect(m.gtIdx[i]).toBeGreaterThanOrEqual(0);
    expect(m.gtIdx[i]).toBeLessThan(ngt);
    if (i > 0) expect(m.predIdx[i]).toBeGreaterThan(m.predIdx[i - 1]);
  }
}

describe('Hungarian algorithm', () => {
  it('matches brute force on random real and tied integer matrices (nq >= ngt and nq < ngt)', () => {
    const r = rng(42);
    let cases = 0;
    for (let nq = 1; nq <= 7; nq++) {
      for (let ngt = 0; ngt <= Math.min(nq, 5) + 1; ngt++) {
        for (let rep = 0; rep < 12; rep++) {
          const integer = rep % 2 === 1; // many ties
          const cost = Float64Array.from({ length: nq * ngt }, () => (integer ? Math.floor(r() * 4) : r() * 10 - 5));
          const m = linearSumAssignment(cost, nq, ngt);
          checkValid(m, nq, ngt);
          if (Math.min(nq, ngt) > 0) expect(matchingCost(cost, ngt, m)).toBeCloseTo(bruteForce(cost, nq, ngt), 10);
          cases++;
        }
      }
    }
    expect(cases).toBeGreaterThan(400);
  });

  it('solves a hand example', () => {
    // rows x cols, rows <= cols: optimum 1 + 2 + 1 = 4 with row0->col1, row1->col0, row2->col2.
    const c = [4, 1, 3, 9,
      2, 0, 5, 9,
      3, 2, 1, 9];
    expect(Array.from(hungarianRowsToCols(c, 3, 4))).toEqual([1, 0, 2]);
  });

  it('treats non-finite costs as very large / very small', () => {
    const c = [NaN, 1, 2, Infinity, -Infinity, 5];
    const m = linearSumAssignment(c, 3, 2); // nq 3, ngt 2
    checkValid(m, 3, 2);
    expect(Array.from(m.predIdx)).toEqual([0, 2]);
    expect(Array.from(m.gtIdx)).toEqual([1, 0]);
  });
});

describe('DETR matcher cost', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('equals the hand-written formula (focal class cost, L1, GIoU)', () => {
    const nq = 2, nc = 3;
    const logits = [0, Math.log(3), -1, 2, -Math.log(3), 0.5];
    const boxes = [0.5, 0.5, 0.2, 0.2, 0.3, 0.6, 0.2, 0.4];
    const target: Target = { labels: [1, 1], boxes: [0.6, 0.6, 0.2, 0.2, 0.3, 0.5, 0.1, 0.4] };
    const cost = matchCost(logits, boxes, nq, nc, target);
    // query 0, target 0 (label 1): p = sigmoid(ln 3) = 0.75.
    const pos = 0.25 * 0.25 ** 2 * -Math.log(0.75 + 1e-8);
    const neg = 0.75 * 0.75 ** 2 * -Math.log(0.25 + 1e-8);
    const l1 = 0.1 + 0.1 + 0 + 0;
    // xyxy [0.4,0.4,0.6,0.6] vs [0.5,0.5,0.7,0.7]: IoU 1/7, enclosing 0.09, union 0.07.
    const giou = 1 / 7 - 0.02 / 0.09;
    expect(cost[0]).toBeCloseTo(2 * (pos - neg) + 5 * l1 - 2 * giou, 6);
    // query 1, target 1 (label 1): logit -ln 3 -> p = 0.25.
    const pos2 = 0.25 * 0.75 ** 2 * -Math.log(0.25 + 1e-8);
    const neg2 = 0.75 * 0.25 ** 2 * -Math.log(0.75 + 1e-8);
    const l1b = 0 + 0.1 + 0.1 + 0;
    const g2 = boxGiou(cxcywhToXyxy([0.3, 0.6, 0.2, 0.4]), cxcywhToXyxy([0.3, 0.5, 0.1, 0.4]));
    expect(cost[1 * 2 + 1]).toBeCloseTo(2 * (pos2 - neg2) + 5 * l1b - 2 * g2, 6);
  });

  it('matches each target to its obvious query over a batch, and reads tensors', () => {
    const nq = 5, nc = 4;
    const r = rng(7);
    const logits = Float32Array.from({ length: 2 * nq * nc }, () => r() * 2 - 3);
    const boxes = Float32Array.from({ length: 2 * nq * 4 }, () => 0.2 + 0.3 * r());
    const targets: Target[] = [
      { labels: [2, 0], boxes: [0.8, 0.8, 0.1, 0.1, 0.15, 0.2, 0.1, 0.2] },
      { labels: [3], boxes: [0.5, 0.5, 0.4, 0.4] },
    ];
    // Image 0: query 3 sits on target 0 with a confident logit; query 1 on target 1.
    boxes.set([0.8, 0.8, 0.1, 0.1], (0 * nq + 3) * 4);
    logits[(0 * nq + 3) * nc + 2] = 4;
    boxes.set([0.15, 0.2, 0.1, 0.2], (0 * nq + 1) * 4);
    logits[(0 * nq + 1) * nc + 0] = 4;
    // Image 1: query 4.
    boxes.set([0.5, 0.5, 0.4, 0.4], (1 * nq + 4) * 4);
    logits[(1 * nq + 4) * nc + 3] = 4;
    const m = hungarianMatch(logits, boxes, 2, nq, nc, targets);
    expect(Array.from(m[0].predIdx)).toEqual([1, 3]);
    expect(Array.from(m[0].gtIdx)).toEqual([1, 0]);
    expect(Array.from(m[1].predIdx)).toEqual([4]);
    expect(Array.from(m[1].gtIdx)).toEqual([0]);
    const lt = tf.tensor3d(logits, [2, nq, nc]), bt = tf.tensor3d(boxes, [2, nq, 4]);
    const mt = hungarianMatchTensors(lt, bt, targets);
    tf.dispose([lt, bt]);
    expect(mt).toEqual(m);
    // An image without targets gets an empty match.
    const empty = hungarianMatch(logits.subarray(0, nq * nc), boxes.subarray(0, nq * 4), 1, nq, nc, [{ labels: [], boxes: [] }]);
    expect(empty[0].predIdx.length).toBe(0);
  });

  it('is optimal on random detection problems (brute force)', () => {
    const r = rng(9);
    for (let rep = 0; rep < 30; rep++) {
      const nq = 3 + (rep % 4), ngt = 1 + (rep % 3), nc = 5;
      const logits = Array.from({ length: nq * nc }, () => r() * 6 - 3);
      const boxes = Array.from({ length: nq * 4 }, (_, i) => (i % 4 < 2 ? r() : 0.05 + 0.4 * r()));
      const t: Target = {
        labels: Array.from({ length: ngt }, () => Math.floor(r() * nc)),
        boxes: Array.from({ length: ngt * 4 }, (_, i) => (i % 4 < 2 ? r() : 0.05 + 0.4 * r())),
      };
      const cost = matchCost(logits, boxes, nq, nc, t, DEFAULT_MATCHER_WEIGHTS);
      const m = hungarianMatch(logits, boxes, 1, nq, nc, [t])[0];
      checkValid(m, nq, ngt);
      expect(matchingCost(cost, ngt, m)).toBeCloseTo(bruteForce(cost, nq, ngt), 9);
    }
  });

  it('handles 300 queries x 50 targets quickly', () => {
    const r = rng(10);
    const nq = 300, ngt = 50;
    const cost = Float64Array.from({ length: nq * ngt }, () => r());
    const t0 = performance.now();
    const m = linearSumAssignment(cost, nq, ngt);
    const ms = performance.now() - t0;
    checkValid(m, nq, ngt);
    expect(ms).toBeLessThan(1000);
  });
});
