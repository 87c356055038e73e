import { ATOL, RTOL, type Tolerance } from './compare';

/**
 * Top-k order among scores that are equal within tolerance is not fixed by the computation
 * (random-weight fixtures produce many scores that agree to 7 digits). Before comparing
 * postprocess outputs in rank order, this reorders our detections inside each run of
 * official scores that are tied within tolerance, matching each official detection to one of
 * ours from the same run with the same label and all box coordinates within tolerance. Outside tie runs the order
 * must be identical. In the last run, the one cut by top-k, the two lists may hold different
 * members of the tie: official detections there with no counterpart in ours are returned
 * as `excluded` (not compared), and counted in the report.
 * Returns the permutation to apply to ours, how many ranks moved, and the excluded ranks.
 */
/**
 * At most this many official detections per image may be excluded as tie members cut by the
 * top-k; more means the lists differ for another reason, and the comparison fails.
 */
export const MAX_TIE_EXCLUSIONS = 2;

export function alignTiedDetections(
  refScores: ArrayLike<number>,
  refLabels: ArrayLike<number>,
  refBoxes: ArrayLike<number>,
  ourLabels: ArrayLike<number>,
  ourBoxes: ArrayLike<number>,
  scoreTol: Tolerance = { atol: ATOL, rtol: RTOL },
  boxTol: Tolerance = scoreTol,
): { order: number[]; moved: number; excluded: Set<number> } {
  const n = refScores.length;
  const order = Array.from({ length: n }, (_, i) => i);
  let start = 0;
  let moved = 0;
  const excluded = new Set<number>();
  const within = (a: number, r: number) => Math.abs(a - r) <= boxTol.atol + boxTol.rtol * Math.abs(r);
  const { atol, rtol } = scoreTol;
  while (start < n) {
    let end = start + 1;
    // A run: consecutive official scores within tolerance of the run's first score.
    while (end < n && Math.abs(refScores[end] - refScores[start]) <= atol + rtol * Math.abs(refScores[start])) end++;
    const pool = new Set<number>();
    for (let j = start; j < end; j++) pool.add(j);
    const unmatched: number[] = [];
    for (let i = start; i < end; i++) {
      let best = -1;
      for (const j of pool) {
        if (ourLabels[j] !== refLabels[i]) continue;
        let ok = true;
        for (let k = 0; k < 4; k++) ok &&= within(ourBoxes[j * 4 + k], refBoxes[i * 4 + k]);
        if (ok) {
          best = j;
          break;
        }
      }
      if (best < 0) {
        unmatched.push(i);
        continue;
      }
      pool.delete(best);
      order[i] = best;
      if (best !== i) moved++;
    }
    const leftovers = [...pool];
    for (const i of unmatched) {
      if (end === n) excluded.add(i); // a different member of the tie cut by top-k
      order[i] = leftovers.shift() ?? i; // elsewhere: compared, and reported as a failure
    }
    start = end;
  }
  return { order, moved, excluded };
}

export function permute(values: ArrayLike<number>, order: number[], width: number): Float64Array {
  const out = new Float64Array(order.length * width);
  order.forEach((j, i) => {
    for (let k = 0; k < width; k++) out[i * width + k] = values[j * width + k];
  });
  return out;
}
