import { ATOL, RTOL, type CompareRow } from './compare';

/** One postprocessed detection as the parity check and `--detections` record it. */
export interface DetectionRecord {
  query: number;
  label: number;
  score: number;
  /** x1, y1, x2, y2 in pixels of the target size. */
  box: ArrayLike<number>;
}

/** The official head outputs of one image: logits [nq, nc] and boxes [nq, 4] (cxcywh in [0, 1]). */
export interface HeadOutputsOfImage {
  logits: ArrayLike<number>;
  boxes: ArrayLike<number>;
  numQueries: number;
  numClasses: number;
  /** [h, w], the official order. */
  targetSize: [number, number];
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * Adds one detection's comparison to a row: its score against the official one, and its box
 * (divided by the target size [h, w]) against query q's official cxcywh box as x1y1x2y2.
 * Updates the counts, the largest errors, the worst detection and the verdict; returns the
 * largest excess over the tolerance so far.
 */
function compareDetection(
  row: CompareRow, j: number, worstExcess: number, [score, refScore]: [number, number], box: ArrayLike<number>, boxes: ArrayLike<number>, q: number,
  [h, w]: [number, number], atol: number, rtol: number,
): number {
  const [cx, cy, bw, bh] = [0, 1, 2, 3].map((c) => boxes[q * 4 + c]);
  const refBox = [cx - 0.5 * bw, cy - 0.5 * bh, cx + 0.5 * bw, cy + 0.5 * bh];
  const ourBox = [box[0] / w, box[1] / h, box[2] / w, box[3] / h];
  const pairs: [number, number][] = [[score, refScore], ...refBox.map((r, c): [number, number] => [ourBox[c], r])];
  for (const [a, r] of pairs) {
    row.compared++;
    const d = Math.abs(a - r);
    if (!(d <= row.maxAbs)) row.maxAbs = Number.isNaN(d) ? Infinity : d;
    if (Math.abs(r) > atol) row.maxRel = Math.max(row.maxRel, d / Math.abs(r));
    const excess = d - (atol + rtol * Math.abs(r));
    if (excess > worstExcess) {
      worstExcess = excess;
      row.worstIndex = j;
    }
    if (!(d <= atol + rtol * Math.abs(r))) row.pass = false;
  }
  return worstExcess;
}

/**
 * Checks a sigmoid-head postprocess (SAM-DETR's) against the official head outputs, one
 * detection at a time and independently of how ties were ranked: each detection's score must
 * be sigmoid(logit[query, label]), its box the official cxcywh box of that query as
 * x1y1x2y2 scaled by the target size (w on x, h on y), and together the detections must be
 * the top-k of all query x class scores, in descending order, with no (query, label) twice.
 * Boxes are compared divided by the target size, so the tolerance means the same as for
 * `pred_boxes`. The row fails with the first broken rule as its error.
 */
export function checkSigmoidDetections(name: string, dets: DetectionRecord[], ref: HeadOutputsOfImage, topK: number, atol = ATOL, rtol = RTOL): CompareRow {
  const { logits, boxes, numQueries: nq, numClasses: nc, targetSize: [h, w] } = ref;
  const k = Math.min(topK, nq * nc);
  const row: CompareRow = { name, maxAbs: 0, maxRel: 0, worstIndex: -1, pass: true, exact: false, compared: 0, total: k * 5 };
  const fail = (error: string, at = -1): CompareRow => ({ ...row, pass: false, error, worstIndex: at });
  if (dets.length !== k) return fail(`${dets.length} detections, expected the top ${k}`);
  const within = (a: number, r: number) => Math.abs(a - r) <= atol + rtol * Math.abs(r);
  const seen = new Set<number>();
  // The k-th largest official score: every detection must score at least that (within tolerance).
  const kth = Array.from(logits, sigmoid).sort((a, b) => b - a)[k - 1];
  let worstExcess = -Infinity;
  for (let j = 0; j < dets.length; j++) {
    const { query: q, label: l, score, box } = dets[j];
    if (!Number.isInteger(q) || q < 0 || q >= nq) return fail(`detection ${j}: query ${q} outside 0..${nq - 1}`, j);
    if (!Number.isInteger(l) || l < 0 || l >= nc) return fail(`detection ${j}: label ${l} outside 0..${nc - 1}`, j);
    if (seen.has(q * nc + l)) return fail(`detection ${j}: query ${q} label ${l} reported twice`, j);
    seen.add(q * nc + l);
    const refScore = sigmoid(logits[q * nc + l]);
    worstExcess = compareDetection(row, j, worstExcess, [score, refScore], box, boxes, q, [h, w], atol, rtol);
    if (!within(refScore, kth) && refScore < kth) return fail(`detection ${j}: official score ${refScore.toExponential(6)} of query ${q} label ${l} is below the official top-${k} (${kth.toExponential(6)})`, j);
    if (j > 0 && !within(score, dets[j - 1].score) && score > dets[j - 1].score) return fail(`detection ${j}: score ${score} above the one before it (not in descending order)`, j);
  }
  if (!row.pass) row.error = `detection ${row.worstIndex}: score or box differs from the official outputs for its query and label`;
  return row;
}

/**
 * Checks a softmax-head postprocess (DETR's: one detection per query, in query order) against
 * the official head outputs: detection j must be query j, its score the official softmax
 * probability (over all numClasses, the last being "no object") of its label, that label one
 * of the real classes whose probability is the largest among them (within tolerance: a near
 * tie may pick either), and its box the official cxcywh box of the query as x1y1x2y2 scaled
 * by the target size (compared divided by it, as for `pred_boxes`).
 */
export function checkSoftmaxDetections(name: string, dets: DetectionRecord[], ref: HeadOutputsOfImage, atol = ATOL, rtol = RTOL): CompareRow {
  const { logits, boxes, numQueries: nq, numClasses: nc, targetSize: [h, w] } = ref;
  const row: CompareRow = { name, maxAbs: 0, maxRel: 0, worstIndex: -1, pass: true, exact: false, compared: 0, total: nq * 5 };
  const fail = (error: string, at = -1): CompareRow => ({ ...row, pass: false, error, worstIndex: at });
  if (dets.length !== nq) return fail(`${dets.length} detections, expected one per query (${nq})`);
  const within = (a: number, r: number) => Math.abs(a - r) <= atol + rtol * Math.abs(r);
  let worstExcess = -Infinity;
  for (let j = 0; j < nq; j++) {
    const { query: q, label: l, score, box } = dets[j];
    if (q !== j) return fail(`detection ${j}: query ${q}, expected ${j} (query order)`, j);
    if (!Number.isInteger(l) || l < 0 || l >= nc - 1) return fail(`detection ${j}: label ${l} outside the real classes 0..${nc - 2}`, j);
    const row0 = j * nc;
    let max = -Infinity;
    for (let c = 0; c < nc; c++) max = Math.max(max, logits[row0 + c]);
    let sum = 0;
    for (let c = 0; c < nc; c++) sum += Math.exp(logits[row0 + c] - max);
    const prob = (c: number) => Math.exp(logits[row0 + c] - max) / sum;
    let best = 0;
    for (let c = 1; c < nc - 1; c++) if (prob(c) > prob(best)) best = c;
    const refScore = prob(l);
    if (!within(refScore, prob(best))) return fail(`detection ${j}: label ${l} has official probability ${refScore.toExponential(6)}, below the best real class ${best} (${prob(best).toExponential(6)})`, j);
    worstExcess = compareDetection(row, j, worstExcess, [score, refScore], box, boxes, q, [h, w], atol, rtol);
  }
  if (!row.pass) row.error = `detection ${row.worstIndex}: score or box differs from the official outputs for its query and label`;
  return row;
}
