/**
 * DETR-style Hungarian matcher, with the focal-loss class cost of Deformable DETR / SAM-DETR:
 *   C = wClass * (pos - neg)[:, label] + wBbox * L1(cxcywh) + wGiou * (-GIoU(xyxy)),
 *   pos = alpha (1-p)^gamma (-log(p + 1e-8)),  neg = (1-alpha) p^gamma (-log(1-p + 1e-8)),
 * p = sigmoid(logit). Solved exactly per image on plain Float64Arrays (no tensors).
 */
import type * as tf from '@tensorflow/tfjs';
import { cxcywhToXyxyArray, pairwiseGiou } from '../geometry/boxes';
import type { Target } from '../data/sceneBatch';

export type { Target };

export interface MatcherWeights {
  costClass: number;
  costBbox: number;
  costGiou: number;
  focalAlpha: number;
  focalGamma: number;
}

export const DEFAULT_MATCHER_WEIGHTS: MatcherWeights = {
  costClass: 2,
  costBbox: 5,
  costGiou: 2,
  focalAlpha: 0.25,
  focalGamma: 2,
};


/** One image's matching: query predIdx[k] is matched to target gtIdx[k]; sorted by predIdx. */
export interface Match {
  predIdx: Int32Array;
  gtIdx: Int32Array;
}

/**
 * Matching cost matrix [nq, ngt] (row-major) of one image.
 * @param logits [nq * numClasses] class logits
 * @param boxes [nq * 4] predicted cxcywh boxes
 */
export function matchCost(
  logits: ArrayLike<number>, boxes: ArrayLike<number>, nq: number, numClasses: number,
  target: Target, w: MatcherWeights = DEFAULT_MATCHER_WEIGHTS,
): Float64Array {
  const ngt = target.labels.length;
  if (target.boxes.length !== ngt * 4) throw new Error(`target has ${ngt} labels but ${target.boxes.length / 4} boxes`);
  const cost = new Float64Array(nq * ngt);
  if (ngt === 0) return cost;
  const { focalAlpha: alpha, focalGamma: gamma } = w;
  if (boxes.length !== nq * 4) throw new Error(`expected ${nq * 4} box values, got ${boxes.length}`);
  if (logits.length !== nq * numClasses) throw new Error(`expected ${nq * numClasses} logits, got ${logits.length}`);
  const giou = pairwiseGiou(cxcywhToXyxyArray(boxes), cxcywhToXyxyArray(target.boxes));
  for (let q = 0; q < nq; q++) {
    for (let j = 0; j < ngt; j++) {
      const label = target.labels[j];
      if (!(label >= 0 && label < numClasses)) throw new Error(`label ${label} outside [0, ${numClasses})`);
      const p = 1 / (1 + Math.exp(-logits[q * numClasses + label]));
      const neg = (1 - alpha) * Math.pow(p, gamma) * -Math.log(1 - p + 1e-8);
      const pos = alpha * Math.pow(1 - p, gamma) * -Math.log(p + 1e-8);
      let l1 = 0;
      for (let k = 0; k < 4; k++) l1 += Math.abs(boxes[q * 4 + k] - target.boxes[j * 4 + k]);
      cost[q * ngt + j] = w.costClass * (pos - neg) + w.costBbox * l1 - w.costGiou * giou[q * ngt + j];
    }
  }
  return cost;
}

const BIG = 1e15;

/**
 * Exact minimum-cost assignment (Hungarian algorithm, shortest augmenting paths with
 * potentials, O(rows^2 * cols)) for a rectangular matrix with rows <= cols: every row gets a
 * distinct column. Returns col[r] for each row. Non-finite costs are clamped to +-1e15.
 */
export function hungarianRowsToCols(cost: ArrayLike<number>, rows: number, cols: number): Int32Array {
  if (rows > cols) throw new Error(`hungarian: rows (${rows}) must be <= cols (${cols})`);
  const at = (r: number, c: number): number => {
    const v = cost[r * cols + c];
    return Number.isFinite(v) ? v : Number.isNaN(v) || v > 0 ? BIG : -BIG;
  };
  // 1-based arrays as in the classic formulation; column 0 is a virtual start.
  const u = new Float64Array(rows + 1);
  const v = new Float64Array(cols + 1);
  const p = new Int32Array(cols + 1); // p[c] = row assigned to column c (0 = none)
  const way = new Int32Array(cols + 1);
  const minv = new Float64Array(cols + 1);
  const used = new Uint8Array(cols + 1);
  for (let i = 1; i <= rows; i++) {
    p[0] = i;
    let j0 = 0;
    minv.fill(Infinity);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = p[j0];
      let delta = Infinity;
      let j1 = -1;
      for (let j = 1; j <= cols; j++) {
        if (used[j]) continue;
        const cur = at(i0 - 1, j - 1) - u[i0] - v[j];
        if (cur < minv[j]) { minv[j] = cur; way[j] = j0; }
        if (minv[j] < delta) { delta = minv[j]; j1 = j; }
      }
      for (let j = 0; j <= cols; j++) {
        if (used[j]) { u[p[j]] += delta; v[j] -= delta; } else minv[j] -= delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0 !== 0);
  }
  const colOfRow = new Int32Array(rows);
  for (let j = 1; j <= cols; j++) if (p[j] !== 0) colOfRow[p[j] - 1] = j - 1;
  return colOfRow;
}

/**
 * Minimum-cost matching of a [nq, ngt] cost matrix (any shape: the smaller side is fully
 * matched), returned like scipy's linear_sum_assignment: pairs sorted by prediction index.
 */
export function linearSumAssignment(cost: ArrayLike<number>, nq: number, ngt: number): Match {
  const k = Math.min(nq, ngt);
  const predIdx = new Int32Array(k), gtIdx = new Int32Array(k);
  if (k === 0) return { predIdx, gtIdx };
  if (ngt <= nq) {
    // rows = targets, cols = queries
    const t = new Float64Array(ngt * nq);
    for (let q = 0; q < nq; q++) for (let j = 0; j < ngt; j++) t[j * nq + q] = cost[q * ngt + j];
    const qOfGt = hungarianRowsToCols(t, ngt, nq);
    const order = Array.from({ length: ngt }, (_, j) => j).sort((a, b) => qOfGt[a] - qOfGt[b]);
    order.forEach((j, i) => { predIdx[i] = qOfGt[j]; gtIdx[i] = j; });
  } else {
    const gOfQ = hungarianRowsToCols(cost, nq, ngt);
    for (let q = 0; q < nq; q++) { predIdx[q] = q; gtIdx[q] = gOfQ[q]; }
  }
  return { predIdx, gtIdx };
}

/** Sum of cost over a matching (for tests / diagnostics). */
export function matchingCost(cost: ArrayLike<number>, ngt: number, m: Match): number {
  let s = 0;
  for (let i = 0; i < m.predIdx.length; i++) s += cost[m.predIdx[i] * ngt + m.gtIdx[i]];
  return s;
}

/**
 * Matches a batch: predLogits [B * nq * numClasses] and predBoxes [B * nq * 4] (packed, as
 * from `dataSync()` of [B, nq, numClasses] / [B, nq, 4]) against one target per image.
 */
export function hungarianMatch(
  predLogits: ArrayLike<number>, predBoxes: ArrayLike<number>,
  batch: number, nq: number, numClasses: number, targets: Target[],
  w: MatcherWeights = DEFAULT_MATCHER_WEIGHTS,
): Match[] {
  if (targets.length !== batch) throw new Error(`${targets.length} targets for a batch of ${batch}`);
  const out: Match[] = [];
  for (let b = 0; b < batch; b++) {
    const lg = sub(predLogits, b * nq * numClasses, nq * numClasses);
    const bx = sub(predBoxes, b * nq * 4, nq * 4);
    const ngt = targets[b].labels.length;
    const cost = matchCost(lg, bx, nq, numClasses, targets[b], w);
    out.push(linearSumAssignment(cost, nq, ngt));
  }
  return out;
}

function sub(a: ArrayLike<number>, start: number, len: number): ArrayLike<number> {
  const t = a as unknown as { subarray?: (s: number, e: number) => ArrayLike<number> };
  if (typeof t.subarray === 'function') return t.subarray(start, start + len);
  return Array.prototype.slice.call(a, start, start + len) as number[];
}

/**
 * Synchronous matching from one decoder layer's tensors (reads them with dataSync; usable
 * inside a function passed to tf.variableGrads).
 */
export function hungarianMatchTensors(
  predLogits: tf.Tensor3D, predBoxes: tf.Tensor3D, targets: Target[], w: MatcherWeights = DEFAULT_MATCHER_WEIGHTS,
): Match[] {
  const [b, nq, nc] = predLogits.shape;
  return hungarianMatch(predLogits.dataSync(), predBoxes.dataSync(), b, nq, nc, targets, w);
}
