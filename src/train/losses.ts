/**
 * SAM-DETR / Deformable-DETR set criterion as tensors (differentiable on wasm, cpu, webgl):
 * - classification: sigmoid focal loss (alpha 0.25, gamma 2) over all queries and classes,
 *   targets one-hot at the matched queries' labels (unmatched queries: all zeros), summed
 *   and divided by num_boxes (== `loss.mean(1).sum() / num_boxes * num_queries`);
 * - boxes: L1 on cxcywh and 1 - GIoU on xyxy over matched pairs, each summed / num_boxes;
 * - weights cls 2, L1 5, GIoU 2; the same terms for every decoder layer (auxiliary losses),
 *   each layer matched independently with the Hungarian matcher.
 * Matched predictions are selected with a one-hot matMul (so no gather gradient is needed).
 */
import * as tf from '@tensorflow/tfjs';
import { cxcywhToXyxyT, giouT } from '../model/boxes';
import { DEFAULT_MATCHER_WEIGHTS, hungarianMatchTensors, type Match, type MatcherWeights, type Target } from './matcher';

export interface LossWeights {
  cls: number;
  bbox: number;
  giou: number;
}

export const DEFAULT_LOSS_WEIGHTS: LossWeights = { cls: 2, bbox: 5, giou: 2 };

/** One decoder layer's outputs: logits [B, nq, numClasses], sigmoid cxcywh boxes [B, nq, 4]. */
export interface LayerPrediction {
  predLogits: tf.Tensor3D;
  predBoxes: tf.Tensor3D;
}

/** Unweighted loss terms of one layer (scalars). */
export interface LayerLosses {
  lossCe: tf.Scalar;
  lossBbox: tf.Scalar;
  lossGiou: tf.Scalar;
}

/**
 * Sigmoid focal loss summed over every element and divided by `numBoxes`.
 * For logits [B, nq, C] this equals Deformable DETR's
 * `sigmoid_focal_loss(...) * nq` = `loss.mean(1).sum() / num_boxes * nq`.
 * `alpha < 0` disables the alpha weighting.
 */
export function sigmoidFocalLoss(logits: tf.Tensor, targets: tf.Tensor, numBoxes: number, alpha = 0.25, gamma = 2): tf.Scalar {
  return tf.tidy(() => {
    const x = logits;
    const t = targets;
    const p = tf.sigmoid(x);
    // Stable BCE with logits: max(x, 0) - x t + log(1 + exp(-|x|)).
    const ce = tf.add(tf.sub(tf.relu(x), tf.mul(x, t)), tf.log1p(tf.exp(tf.neg(tf.abs(x)))));
    const oneMinusT = tf.sub(1, t);
    const pt = tf.add(tf.mul(p, t), tf.mul(tf.sub(1, p), oneMinusT));
    const oneMinusPt = tf.sub(1, pt);
    const mod = gamma === 2 ? tf.square(oneMinusPt) : gamma === 1 ? oneMinusPt : gamma === 0 ? tf.onesLike(oneMinusPt) : tf.pow(oneMinusPt, gamma);
    let loss = tf.mul(ce, mod);
    if (alpha >= 0) loss = tf.mul(loss, tf.add(tf.mul(t, alpha), tf.mul(oneMinusT, 1 - alpha)));
    return tf.div(tf.sum(loss), numBoxes) as tf.Scalar;
  });
}

/** DETR's num_boxes: total number of target boxes in the batch, at least 1. */
export function numBoxesOf(targets: Target[]): number {
  return Math.max(1, targets.reduce((s, t) => s + t.labels.length, 0));
}

/** One-hot class targets [B * nq * numClasses] for the matched queries. */
export function classTargets(targets: Target[], matches: Match[], nq: number, numClasses: number): Float32Array {
  const out = new Float32Array(targets.length * nq * numClasses);
  matches.forEach((m, b) => {
    for (let k = 0; k < m.predIdx.length; k++) {
      const label = targets[b].labels[m.gtIdx[k]];
      out[(b * nq + m.predIdx[k]) * numClasses + label] = 1;
    }
  });
  return out;
}

/** Unweighted losses of one layer for given matches. */
export function layerLosses(
  pred: LayerPrediction, targets: Target[], matches: Match[], numBoxes: number,
  focalAlpha = 0.25, focalGamma = 2,
): LayerLosses {
  return tf.tidy(() => {
    const [b, nq, nc] = pred.predLogits.shape;
    if (targets.length !== b || matches.length !== b) throw new Error(`batch ${b}: ${targets.length} targets, ${matches.length} matches`);
    const tc = tf.tensor3d(classTargets(targets, matches, nq, nc), [b, nq, nc]);
    const lossCe = sigmoidFocalLoss(pred.predLogits, tc, numBoxes, focalAlpha, focalGamma);

    const m = matches.reduce((s, x) => s + x.predIdx.length, 0);
    let lossBbox: tf.Scalar, lossGiou: tf.Scalar;
    if (m === 0) {
      const zero = tf.mul(tf.sum(pred.predBoxes), 0) as tf.Scalar; // keeps the boxes on the tape
      lossBbox = zero;
      lossGiou = tf.clone(zero);
    } else {
      const sel = new Float32Array(m * b * nq);
      const tgt = new Float32Array(m * 4);
      let r = 0;
      matches.forEach((mt, bi) => {
        for (let k = 0; k < mt.predIdx.length; k++, r++) {
          sel[r * b * nq + bi * nq + mt.predIdx[k]] = 1;
          for (let c = 0; c < 4; c++) tgt[r * 4 + c] = targets[bi].boxes[mt.gtIdx[k] * 4 + c];
        }
      });
      const src = tf.matMul(tf.tensor2d(sel, [m, b * nq]), tf.reshape(pred.predBoxes, [b * nq, 4]));
      const tgtT = tf.tensor2d(tgt, [m, 4]);
      lossBbox = tf.div(tf.sum(tf.abs(tf.sub(src, tgtT))), numBoxes) as tf.Scalar;
      const g = giouT(cxcywhToXyxyT(src), cxcywhToXyxyT(tgtT));
      lossGiou = tf.div(tf.sum(tf.sub(1, g)), numBoxes) as tf.Scalar;
    }
    return { lossCe, lossBbox, lossGiou };
  });
}

export interface CriterionOptions {
  weights?: LossWeights;
  matcher?: MatcherWeights;
  focalAlpha?: number;
  focalGamma?: number;
  /** Precomputed matches per layer (skips the matcher and its dataSync). */
  matches?: Match[][];
}

export interface CriterionOutput {
  /** Weighted sum over all layers: sum_l cls*ce_l + bbox*l1_l + giou*giou_l. */
  loss: tf.Scalar;
  /** Unweighted terms per layer (same order as the input layers; the last is the final layer). */
  layers: LayerLosses[];
  matches: Match[][];
  numBoxes: number;
}

/**
 * Full SAM-DETR criterion over every decoder layer (the last entry of `layers` is the final
 * prediction, the others are the auxiliary outputs). Synchronous: the matcher reads the
 * predictions with dataSync, so it can run inside `tf.variableGrads`.
 */
export function setCriterion(layers: LayerPrediction[], targets: Target[], opts: CriterionOptions = {}): CriterionOutput {
  const w = opts.weights ?? DEFAULT_LOSS_WEIGHTS;
  const mw = opts.matcher ?? DEFAULT_MATCHER_WEIGHTS;
  const alpha = opts.focalAlpha ?? 0.25;
  const gamma = opts.focalGamma ?? 2;
  const numBoxes = numBoxesOf(targets);
  const matches = layers.map((l, i) => opts.matches?.[i] ?? hungarianMatchTensors(l.predLogits, l.predBoxes, targets, mw));
  const terms = layers.map((l, i) => layerLosses(l, targets, matches[i], numBoxes, alpha, gamma));
  const loss = tf.tidy(() => {
    let total: tf.Tensor = tf.scalar(0);
    for (const t of terms) {
      total = tf.add(total, tf.add(tf.add(tf.mul(t.lossCe, w.cls), tf.mul(t.lossBbox, w.bbox)), tf.mul(t.lossGiou, w.giou)));
    }
    return total as tf.Scalar;
  });
  return { loss, layers: terms, matches, numBoxes };
}

/** Reads the unweighted terms as numbers (DETR's log names: loss_ce, loss_bbox, loss_giou, then _0.._{L-2} for aux). */
export function readLossTerms(out: CriterionOutput): Record<string, number> {
  const r: Record<string, number> = {};
  const last = out.layers.length - 1;
  out.layers.forEach((t, i) => {
    const sfx = i === last ? '' : `_${i}`;
    r[`loss_ce${sfx}`] = t.lossCe.dataSync()[0];
    r[`loss_bbox${sfx}`] = t.lossBbox.dataSync()[0];
    r[`loss_giou${sfx}`] = t.lossGiou.dataSync()[0];
  });
  r.loss = out.loss.dataSync()[0];
  return r;
}

/** Disposes every tensor of a criterion output. */
export function disposeCriterion(out: CriterionOutput): void {
  tf.dispose(out.loss);
  for (const t of out.layers) tf.dispose([t.lossCe, t.lossBbox, t.lossGiou]);
}
