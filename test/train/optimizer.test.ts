import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { AdamW, clipGradNorm, detrParamGroups, lrDropCount } from '../../src/train/optimizer';
import { scheduleText } from '../../scripts/lib/publishModel';
import { maxAbsDiff, useBackend } from '../support/trainHelpers';

/** Hand-rolled PyTorch AdamW + clip_grad_norm_ on float64 arrays. */
class RefAdamW {
  m: Float64Array[];
  v: Float64Array[];
  t = 0;
  constructor(public params: Float64Array[], public lrs: number[], public wd: number, public maxNorm: number,
    public b1 = 0.9, public b2 = 0.999, public eps = 1e-8) {
    this.m = params.map((p) => new Float64Array(p.length));
    this.v = params.map((p) => new Float64Array(p.length));
  }
  step(grads: Float64Array[]): number {
    let sq = 0;
    for (const g of grads) for (const x of g) sq += x * x;
    const norm = Math.sqrt(sq);
    const coef = this.maxNorm / (norm + 1e-6);
    const gs = coef < 1 ? grads.map((g) => g.map((x) => x * coef)) : grads;
    this.t++;
    const bc1 = 1 - this.b1 ** this.t, bc2 = 1 - this.b2 ** this.t;
    this.params.forEach((p, k) => {
      const lr = this.lrs[k];
      for (let i = 0; i < p.length; i++) {
        const g = gs[k][i];
        p[i] *= 1 - lr * this.wd;
        this.m[k][i] = this.b1 * this.m[k][i] + (1 - this.b1) * g;
        this.v[k][i] = this.b2 * this.v[k][i] + (1 - this.b2) * g * g;
        const denom = Math.sqrt(this.v[k][i]) / Math.sqrt(bc2) + this.eps;
        p[i] -= (lr / bc1) * this.m[k][i] / denom;
      }
    });
    return norm;
  }
}

describe('AdamW (wasm)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('clipGradNorm follows clip_grad_norm_', () => {
    const g = [tf.tensor1d([3, 0]), tf.tensor1d([4])];
    const { grads, totalNorm } = clipGradNorm(g, 1);
    expect(totalNorm).toBeCloseTo(5, 6);
    const c = 1 / (5 + 1e-6);
    expect(maxAbsDiff(grads[0].dataSync(), [3 * c, 0])).toBeLessThan(1e-7);
    expect(maxAbsDiff(grads[1].dataSync(), [4 * c])).toBeLessThan(1e-7);
    const same = clipGradNorm(g, 10);
    expect(same.grads[0]).toBe(g[0]); // no clipping: untouched
    tf.dispose([...g, ...grads]);
  });

  it('first step by hand: p(1 - lr wd) - lr * m_hat / (sqrt(v_hat) + eps)', () => {
    const p = tf.variable(tf.tensor1d([1, -2, 0.5]), true, 'optHand');
    const opt = new AdamW([{ params: [p], lr: 0.1 }], { weightDecay: 0.01, maxGradNorm: 0 });
    const g = tf.tensor1d([0.5, -0.25, 0]);
    opt.step({ optHand: g });
    // Step 1: m_hat = g, v_hat = g^2 -> update = lr * g / (|g| + eps) = +-lr (0 for g = 0).
    const expected = [1 * (1 - 0.001) - 0.1 * 0.5 / (0.5 + 1e-8), -2 * (1 - 0.001) + 0.1 * 0.25 / (0.25 + 1e-8), 0.5 * (1 - 0.001)];
    expect(maxAbsDiff(p.dataSync(), expected)).toBeLessThan(1e-6);
    tf.dispose([p, g]);
    opt.dispose();
  });

  it('matches a hand-rolled float64 AdamW on a tiny regression (groups, clipping, weight decay, StepLR)', () => {
    // Model y = A x + b; backbone group = A (lr 1e-3 for a visible effect), head = b (lr 1e-2).
    const xs = [[1, 2], [0.5, -1], [-1.5, 0.3], [2, 1]];
    const ys = [[1, 0, 2], [0.5, 1, -1], [-1, 2, 0], [3, -1, 1]];
    const a0 = [0.1, -0.2, 0.3, 0.05, -0.1, 0.2];
    const b0 = [0, 0.1, -0.1];
    const A = tf.variable(tf.tensor2d(a0, [2, 3]), true, 'backbone.A');
    const B = tf.variable(tf.tensor1d(b0), true, 'head.b');
    const groups = detrParamGroups([A, B], (n) => n.startsWith('backbone.'), 1e-2, 1e-3);
    expect(groups.map((g) => g.name)).toEqual(['main', 'backbone']);
    const opt = new AdamW(groups, { weightDecay: 1e-2, maxGradNorm: 0.5, lrDrop: 3, lrGamma: 0.1 });
    const ref = new RefAdamW([Float64Array.from(a0), Float64Array.from(b0)], [1e-3, 1e-2], 1e-2, 0.5);
    const X = tf.tensor2d(xs), Y = tf.tensor2d(ys);
    let clippedSteps = 0;
    for (let epoch = 0; epoch < 5; epoch++) {
      opt.setEpoch(epoch);
      const k = Math.floor(epoch / 3);
      expect(opt.getLr(0)).toBeCloseTo(1e-2 * 0.1 ** k, 15);
      expect(opt.getLr(1)).toBeCloseTo(1e-3 * 0.1 ** k, 15);
      ref.lrs = [1e-3 * 0.1 ** k, 1e-2 * 0.1 ** k];
      for (let it = 0; it < 4; it++) {
        const { grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(tf.add(tf.matMul(X, A), B), Y))) as tf.Scalar);
        // Float64 gradient of the same loss at the reference parameters.
        const [ra, rb] = ref.params;
        const ga = new Float64Array(6), gb = new Float64Array(3);
        for (let n = 0; n < 4; n++) for (let j = 0; j < 3; j++) {
          let yhat = rb[j];
          for (let i = 0; i < 2; i++) yhat += xs[n][i] * ra[i * 3 + j];
          const d = (2 / 12) * (yhat - ys[n][j]);
          gb[j] += d;
          for (let i = 0; i < 2; i++) ga[i * 3 + j] += d * xs[n][i];
        }
        const refNorm = ref.step([ga, gb]);
        const { gradNorm } = opt.step(grads);
        if (refNorm > 0.5) clippedSteps++;
        expect(gradNorm).toBeCloseTo(refNorm, 4);
        tf.dispose(Object.values(grads));
      }
      expect(maxAbsDiff(A.dataSync(), ref.params[0])).toBeLessThan(2e-6);
      expect(maxAbsDiff(B.dataSync(), ref.params[1])).toBeLessThan(2e-6);
    }
    expect(clippedSteps).toBeGreaterThan(0);
    expect(opt.stepCount).toBe(20);
    opt.dispose();
    tf.dispose([A, B, X, Y]);
  });

  it('getState / setState resume identically', () => {
    const mk = (name: string) => tf.variable(tf.tensor1d([0.5, -1, 2]), true, name);
    const a = mk('optStateA'), b = mk('optStateB');
    const oa = new AdamW([{ params: [a], lr: 0.05 }]);
    const ob = new AdamW([{ params: [b], lr: 0.05 }]);
    const g1 = tf.tensor1d([0.3, -0.2, 0.1]), g2 = tf.tensor1d([-0.1, 0.4, 0.2]);
    oa.step({ optStateA: g1 });
    ob.step({ optStateB: g1 });
    const st = oa.getState();
    st.slots.forEach((x) => { x.name = 'optStateB'; });
    ob.setState(st); // same state, renamed
    oa.step({ optStateA: g2 });
    ob.step({ optStateB: g2 });
    expect(maxAbsDiff(a.dataSync(), b.dataSync())).toBe(0);
    expect(ob.stepCount).toBe(2);
    st.slots.forEach((x) => tf.dispose([x.m, x.v]));
    oa.dispose(); ob.dispose();
    tf.dispose([a, b, g1, g2]);
  });

  it('skips variables without a gradient and does not leak tensors', () => {
    const p = tf.variable(tf.ones([4]), true, 'optLeakP');
    const q = tf.variable(tf.ones([2]), true, 'optLeakQ');
    const opt = new AdamW([{ params: [p, q], lr: 1e-2 }]);
    const g = tf.fill([4], 0.3);
    opt.step({ optLeakP: g });
    const before = tf.memory().numTensors;
    opt.step({ optLeakP: g });
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(q.dataSync())).toEqual([1, 1]);
    expect(p.dataSync()[0]).toBeLessThan(1);
    opt.dispose();
    tf.dispose([p, q, g]);
  });
});

describe('learning-rate schedule', () => {
  it('StepLR by period as before; explicit drops with a warm restart give what a run resumed past its drop with the rate back up had', () => {
    const period = { lrDrop: 85, lrDrops: [], lrRestarts: [] };
    expect([0, 84, 85, 99, 169, 170].map((e) => lrDropCount(e, period))).toEqual([0, 0, 1, 1, 1, 2]);
    // 100 epochs dropping after 85, then resumed to 140 with --lr-drop 130 (the rate back at its base from epoch 100).
    const twoRuns = (e: number) => (e < 100 ? Math.floor(e / 85) : Math.floor(e / 130));
    const explicit = { lrDrop: 85, lrDrops: [85, 130], lrRestarts: [100] };
    for (let e = 0; e < 140; e++) expect(lrDropCount(e, explicit), `epoch ${e}`).toBe(twoRuns(e));
    expect(scheduleText({ lr: 0.001, ...explicit })).toBe('lr x0.1 after epoch 85, then back to 0.001 after epoch 100 (a warm restart), then x0.1 after epoch 130');
    expect(scheduleText({ lr: 0.001, lrDrop: 85 })).toBe('lr x0.1 at epoch 85');
  });
});
