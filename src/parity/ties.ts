import { ATOL, RTOL, type Tolerance } from './compare';

/**
 * Top-k order among scores that are equal within tolerance is not fixed by the computation
 * (random-weight fixtures produce many scores that agree to 7 digits). Before comparing
 * postprocess outputs in rank order, this reorders our detections inside each run of
 * official scores that are tied within tolerance, matching each official detection to one of
 * ours from the same run with the same label and all box coordinates within tolerance. Outside tie runs the order
 * must be identical.
 *
 * In the last run, the one cut by top-k, the two lists may hold different members of the tie:
 * an official detection there with no counterpart in ours whose score is within tolerance of
 * the cut score (the official k-th) is returned as `excluded` (not compared, and counted in
 * the report), however many there are. Which of those made the list is indeterminate at this
 * tolerance; that each of ours belongs in it is proved per detection against the official
 * logits (checkSigmoidDetections), which is what catches a wrong one. An unmatched member
 * further above the cut is no tie at the cut: it is compared (and so fails) and returned in
 * `refused`.
 * Returns the permutation to apply to ours, how many ranks moved, and the excluded and refused ranks.
 */
export function alignTiedDetections(
  refScores: ArrayLike<number>,
  refLabels: ArrayLike<number>,
  refBoxes: ArrayLike<number>,
  ourLabels: ArrayLike<number>,
  ourBoxes: ArrayLike<number>,
  scoreTol: Tolerance = { atol: ATOL, rtol: RTOL },
  boxTol: Tolerance = scoreTol,
): { order: number[]; moved: number; excluded: Set<number>; refused: number[] } {
  const n = refScores.length;
  const order = Array.from({ length: n }, (_, i) => i);
  let start = 0;
  let moved = 0;
  const excluded = new Set<number>();
  const refused: number[] = [];
  const within = (a: number, r: number) => Math.abs(a - r) <= boxTol.atol + boxTol.rtol * Math.abs(r);
  const { atol, rtol } = scoreTol;
  const cut = refScores[n - 1];
  const nearCut = (s: number) => Math.abs(s - cut) <= atol + rtol * Math.abs(cut);
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
      if (end === n && nearCut(refScores[i])) excluded.add(i); // another member of the tie cut by top-k
      else if (end === n) refused.push(i);
      order[i] = leftovers.shift() ?? i; // elsewhere: compared, and reported as a failure
    }
    start = end;
  }
  return { order, moved, excluded, refused };
}

export function permute(values: ArrayLike<number>, order: number[], width: number): Float64Array {
  const out = new Float64Array(order.length * width);
  order.forEach((j, i) => {
    for (let k = 0; k < width; k++) out[i * width + k] = values[j * width + k];
  });
  return out;
}
