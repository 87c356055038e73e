import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import {
  classTargets, disposeCriterion, layerLosses, numBoxesOf, readLossTerms, setCriterion, sigmoidFocalLoss,
  type LayerPrediction,
} from '../../src/train/losses';
import { hungarianMatch, type Match, type Target } from '../../src/train/matcher';
import { boxGiou, cxcywhToXyxy } from '../../src/geometry/boxes';
import { maxAbsDiff, randArray, rng, useBackend } from '../support/trainHelpers';

const LN3 = Math.log(3);

/** Float64 reference of one layer's weighted loss for fixed matches (independent loops). */
function refLayerLoss(logits: ArrayLike<number>, boxes: ArrayLike<number>, b: number, nq: number, nc: number,
  targets: Target[], matches: Match[], numBoxes: number): { ce: number; l1: number; giou: number } {
  let ce = 0;
  for (let bi = 0; bi < b; bi++) for (let q = 0; q < nq; q++) for (let c = 0; c < nc; c++) {
    let t = 0;
    const m = matches[bi];
    for (let k = 0; k < m.predIdx.length; k++) if (m.predIdx[k] === q && targets[bi].labels[m.gtIdx[k]] === c) t = 1;
    const x = logits[(bi * nq + q) * nc + c];
    const p = 1 / (1 + Math.exp(-x));
    const bce = -(t * Math.log(p) + (1 - t) * Math.log(1 - p));
    const pt = t ? p : 1 - p;
    ce += (t ? 0.25 : 0.75) * (1 - pt) ** 2 * bce;
  }
  let l1 = 0, giou = 0;
  matches.forEach((m, bi) => {
    for (let k = 0; k < m.predIdx.length; k++) {
      const pb = Array.from({ length: 4 }, (_, i) => boxes[(bi * nq + m.predIdx[k]) * 4 + i]);
      const tb = Array.from({ length: 4 }, (_, i) => targets[bi].boxes[m.gtIdx[k] * 4 + i]);
      for (let i = 0; i < 4; i++) l1 += Math.abs(pb[i] - tb[i]);
      giou += 1 - boxGiou(cxcywhToXyxy(pb), cxcywhToXyxy(tb));
    }
  });
  return { ce: ce / numBoxes, l1: l1 / numBoxes, giou: giou / numBoxes };
}

describe('losses (wasm)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('focal loss equals a hand-computed 2x2 case', () => {
    // logits q0 = [0, ln3] (p = 0.5, 0.75), q1 = [-ln3, 0] (p = 0.25, 0.5); only q0/class 1 is positive.
    //   q0c0 (t=0, p=.5):  0.75 * 0.5^2  * ln 2       = 0.1875 ln2
    //   q0c1 (t=1, p=.75): 0.25 * 0.25^2 * ln(4/3)    = 0.015625 ln(4/3)
    //   q1c0 (t=0, p=.25): 0.75 * 0.25^2 * ln(4/3)    = 0.046875 ln(4/3)
    //   q1c1 (t=0, p=.5):  0.75 * 0.5^2  * ln 2       = 0.1875 ln2
    const expected = 0.375 * Math.log(2) + 0.0625 * Math.log(4 / 3);
    tf.tidy(() => {
      const logits = tf.tensor3d([0, LN3, -LN3, 0], [1, 2, 2]);
      const t = tf.tensor3d([0, 1, 0, 0], [1, 2, 2]);
      expect(sigmoidFocalLoss(logits, t, 1).dataSync()[0]).toBeCloseTo(expected, 6);
      // Deformable DETR's normalization: loss.mean(1).sum() / num_boxes * num_queries, num_boxes = 2.
      expect(sigmoidFocalLoss(logits, t, 2).dataSync()[0]).toBeCloseTo(expected / 2, 6);
      // Large logits stay finite.
      const big = sigmoidFocalLoss(tf.tensor3d([80, -80, 80, -80], [1, 2, 2]), t, 1).dataSync()[0];
      // (80, t=0) twice: 0.75 * 1 * 80; (-80, t=1): 0.25 * 1 * 80; (-80, t=0): ~0.
      expect(big).toBeCloseTo(0.75 * 80 * 2 + 0.25 * 80, 3);
    });
  });

  it('layer losses equal a hand-computed case (L1 0.2, GIoU 1 + 5/63)', () => {
    const pred: LayerPrediction = {
      predLogits: tf.tensor3d([0, LN3, -LN3, 0], [1, 2, 2]),
      predBoxes: tf.tensor3d([0.5, 0.5, 0.2, 0.2, 0.1, 0.1, 0.1, 0.1], [1, 2, 4]),
    };
    const targets: Target[] = [{ labels: [1], boxes: [0.6, 0.6, 0.2, 0.2] }];
    const matches: Match[] = [{ predIdx: Int32Array.from([0]), gtIdx: Int32Array.from([0]) }];
    const l = layerLosses(pred, targets, matches, 1);
    // pred xyxy [0.4,0.4,0.6,0.6], target [0.5,0.5,0.7,0.7]: IoU 0.01/0.07 = 1/7, enclosing 0.09,
    // GIoU = 1/7 - 0.02/0.09 = -5/63 -> loss 1 + 5/63. L1 = 0.1 + 0.1.
    expect(l.lossBbox.dataSync()[0]).toBeCloseTo(0.2, 6);
    expect(l.lossGiou.dataSync()[0]).toBeCloseTo(1 + 5 / 63, 5);
    expect(l.lossCe.dataSync()[0]).toBeCloseTo(0.375 * Math.log(2) + 0.0625 * Math.log(4 / 3), 6);
    // The matcher picks query 0 here too; the weighted total is 2 ce + 5 l1 + 2 giou.
    const out = setCriterion([pred], targets);
    expect(Array.from(out.matches[0][0].predIdx)).toEqual([0]);
    const ce = 0.375 * Math.log(2) + 0.0625 * Math.log(4 / 3);
    expect(out.loss.dataSync()[0]).toBeCloseTo(2 * ce + 5 * 0.2 + 2 * (1 + 5 / 63), 5);
    const terms = readLossTerms(out);
    expect(Object.keys(terms).sort()).toEqual(['loss', 'loss_bbox', 'loss_ce', 'loss_giou']);
    disposeCriterion(out);
    tf.dispose([l.lossCe, l.lossBbox, l.lossGiou, pred.predLogits, pred.predBoxes]);
  });

  it('class targets are one-hot at matched queries only', () => {
    const t: Target[] = [{ labels: [2, 0], boxes: new Array(8).fill(0.5) }];
    const m: Match[] = [{ predIdx: Int32Array.from([1, 3]), gtIdx: Int32Array.from([1, 0]) }];
    const oh = classTargets(t, m, 4, 3);
    expect(Array.from(oh)).toEqual([0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]);
  });

  it('a batch with aux layers equals the float64 reference, including an image without targets', () => {
    const r = rng(21);
    const b = 3, nq = 6, nc = 4, nl = 3;
    const targets: Target[] = [
      { labels: [1, 3], boxes: [0.3, 0.3, 0.2, 0.3, 0.7, 0.6, 0.3, 0.2] },
      { labels: [], boxes: [] },
      { labels: [0, 0, 2], boxes: [0.5, 0.5, 0.4, 0.4, 0.2, 0.8, 0.1, 0.1, 0.8, 0.2, 0.2, 0.2] },
    ];
    const data = Array.from({ length: nl }, () => ({
      logits: randArray(b * nq * nc, r, -3, 3),
      boxes: Float32Array.from({ length: b * nq * 4 }, (_, i) => (i % 4 < 2 ? 0.1 + 0.8 * r() : 0.05 + 0.4 * r())),
    }));
    const layers = data.map((d) => ({ predLogits: tf.tensor3d(d.logits, [b, nq, nc]), predBoxes: tf.tensor3d(d.boxes, [b, nq, 4]) }));
    const out = setCriterion(layers, targets);
    expect(out.numBoxes).toBe(numBoxesOf(targets));
    expect(out.numBoxes).toBe(5);
    let total = 0;
    data.forEach((d, li) => {
      const m = hungarianMatch(d.logits, d.boxes, b, nq, nc, targets);
      expect(out.matches[li]).toEqual(m);
      const ref = refLayerLoss(d.logits, d.boxes, b, nq, nc, targets, m, 5);
      expect(out.layers[li].lossCe.dataSync()[0]).toBeCloseTo(ref.ce, 5);
      expect(out.layers[li].lossBbox.dataSync()[0]).toBeCloseTo(ref.l1, 5);
      expect(out.layers[li].lossGiou.dataSync()[0]).toBeCloseTo(ref.giou, 5);
      total += 2 * ref.ce + 5 * ref.l1 + 2 * ref.giou;
    });
    expect(out.loss.dataSync()[0]).toBeCloseTo(total, 4);
    const terms = readLossTerms(out);
    expect(terms).toHaveProperty('loss_ce_0');
    expect(terms).toHaveProperty('loss_giou_1');
    disposeCriterion(out);
    for (const l of layers) tf.dispose([l.predLogits, l.predBoxes]);
  });

  it('gradients on wasm match float64 finite differences (and the cpu backend)', async () => {
    const r = rng(22);
    const b = 2, nq = 4, nc = 3;
    const targets: Target[] = [
      { labels: [2], boxes: [0.4, 0.45, 0.3, 0.25] },
      { labels: [0, 1], boxes: [0.3, 0.7, 0.2, 0.2, 0.65, 0.35, 0.3, 0.4] },
    ];
    const logits = randArray(b * nq * nc, r, -2, 2);
    const rawBoxes = randArray(b * nq * 4, r, -1.5, 0.5); // pre-sigmoid, as the model's box head
    const sig = Float64Array.from(rawBoxes, (x) => 1 / (1 + Math.exp(-x)));
    const matches = hungarianMatch(logits, Float32Array.from(sig), b, nq, nc, targets);
    const numBoxes = 3;
    const grads = () => tf.tidy(() => {
      const f = (lg: tf.Tensor, raw: tf.Tensor) => {
        const l = layerLosses({ predLogits: lg as tf.Tensor3D, predBoxes: tf.sigmoid(raw) as tf.Tensor3D }, targets, matches, numBoxes);
        return tf.addN([tf.mul(l.lossCe, 2), tf.mul(l.lossBbox, 5), tf.mul(l.lossGiou, 2)]) as tf.Scalar;
      };
      return tf.grads(f)([tf.tensor3d(logits, [b, nq, nc]), tf.tensor3d(rawBoxes, [b, nq, 4])]).map((g) => g.dataSync());
    });
    await useBackend('wasm');
    const gw = grads();
    await useBackend('cpu');
    const gc = grads();
    await useBackend('wasm');
    const total = (lg: ArrayLike<number>, raw: ArrayLike<number>) => {
      const bx = Array.from(raw, (x) => 1 / (1 + Math.exp(-x)));
      const ref = refLayerLoss(lg, bx, b, nq, nc, targets, matches, numBoxes);
      return 2 * ref.ce + 5 * ref.l1 + 2 * ref.giou;
    };
    const fd = (arr: Float32Array, other: Float32Array, first: boolean) => Array.from(arr, (_, i) => {
      const h = 1e-6;
      const p = Float64Array.from(arr); p[i] += h;
      const q = Float64Array.from(arr); q[i] -= h;
      return first ? (total(p, other) - total(q, other)) / (2 * h) : (total(other, p) - total(other, q)) / (2 * h);
    });
    const fdLogits = fd(logits, rawBoxes, true);
    const fdBoxes = fd(rawBoxes, logits, false);
    const eL = maxAbsDiff(gw[0], fdLogits), eB = maxAbsDiff(gw[1], fdBoxes);
    console.log(`loss gradient max abs err vs FD: logits ${eL.toExponential(1)}, boxes ${eB.toExponential(1)}; wasm vs cpu ${Math.max(maxAbsDiff(gw[0], gc[0]), maxAbsDiff(gw[1], gc[1])).toExponential(1)}`);
    expect(eL).toBeLessThan(1e-4);
    expect(eB).toBeLessThan(1e-4);
    expect(maxAbsDiff(gw[0], gc[0])).toBeLessThan(1e-5);
    expect(maxAbsDiff(gw[1], gc[1])).toBeLessThan(1e-5);
  });

  it('works inside tf.variableGrads without leaking tensors', () => {
    const v1 = tf.variable(tf.tensor3d(randArray(2 * 5 * 3, rng(3)), [2, 5, 3]), true, 'lossTestLogits');
    const v2 = tf.variable(tf.tensor3d(randArray(2 * 5 * 4, rng(4)), [2, 5, 4]), true, 'lossTestBoxes');
    const targets: Target[] = [{ labels: [1], boxes: [0.5, 0.5, 0.2, 0.2] }, { labels: [2, 0], boxes: [0.3, 0.3, 0.2, 0.2, 0.6, 0.6, 0.3, 0.3] }];
    const step = () => {
      const { value, grads } = tf.variableGrads(() => {
        const out = setCriterion([{ predLogits: v1 as unknown as tf.Tensor3D, predBoxes: tf.sigmoid(v2) as tf.Tensor3D }], targets);
        return out.loss;
      });
      const n = value.dataSync()[0];
      tf.dispose([value, ...Object.values(grads)]);
      return n;
    };
    step();
    const before = tf.memory().numTensors;
    const v = step();
    expect(Number.isFinite(v)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([v1, v2]);
  });
});
