/**
 * Measures of one attention map over a feature grid (row-major, cell (i, j) spanning
 * [j/w, (j+1)/w] x [i/h, (i+1)/h] of the padded input): the share of its mass in a box, its
 * normalised entropy and its centroid. Shared by the app's effect panel and the training study
 * (scripts/effect-study.ts), so the README's table and the screen measure the same thing.
 */

/** Per column (or row) of a grid of n cells over [0, 1], the fraction of the cell inside [lo, hi]. */
export function cellOverlap(n: number, lo: number, hi: number): Float64Array {
  const out = new Float64Array(n);
  for (let j = 0; j < n; j++) out[j] = Math.max(0, Math.min(hi, (j + 1) / n) - Math.max(lo, j / n)) * n;
  return out;
}

/**
 * The share of a map's mass inside a box (cxcywh, normalised to the padded input like the
 * feature grid: cell (i, j) spans [j/w, (j+1)/w] x [i/h, (i+1)/h]).
 */
export function massInBox(map: ArrayLike<number>, featW: number, featH: number, box: ArrayLike<number>): number {
  const ox = cellOverlap(featW, box[0] - box[2] / 2, box[0] + box[2] / 2);
  const oy = cellOverlap(featH, box[1] - box[3] / 2, box[1] + box[3] / 2);
  let inside = 0;
  let total = 0;
  for (let i = 0; i < featH; i++) {
    for (let j = 0; j < featW; j++) {
      const v = Math.max(0, map[i * featW + j]);
      total += v;
      inside += v * ox[j] * oy[i];
    }
  }
  return total > 0 ? inside / total : 0;
}

/** Shannon entropy of a map (normalised to sum 1) divided by log of its cell count. */
export function normalisedEntropy(map: ArrayLike<number>): number {
  const n = map.length;
  if (n < 2) return 0;
  let total = 0;
  for (let i = 0; i < n; i++) total += Math.max(0, map[i]);
  if (!(total > 0)) return 0;
  let h = 0;
  for (let i = 0; i < n; i++) {
    const p = Math.max(0, map[i]) / total;
    if (p > 0) h -= p * Math.log(p);
  }
  return h / Math.log(n);
}

/** The mass-weighted centre of a map in its grid's normalised coordinates. */
export function attentionCentroid(map: ArrayLike<number>, featW: number, featH: number): [number, number] | null {
  let sx = 0, sy = 0, total = 0;
  for (let i = 0; i < featH; i++) {
    for (let j = 0; j < featW; j++) {
      const v = Math.max(0, map[i * featW + j]);
      total += v;
      sx += v * ((j + 0.5) / featW);
      sy += v * ((i + 0.5) / featH);
    }
  }
  return total > 0 ? [sx / total, sy / total] : null;
}
