/**
 * How concentrated Deformable DETR's cross-attention is, from its sampling points and weights:
 * the same two measures the dense maps get (concentration.ts), with each point's weight put at its
 * location as if it were a map that is zero elsewhere.
 *
 * - box mass: the weight share of the head's sampling points inside the box (cxcywh of the padded
 *   input, bounds included). For a dense map each cell counts with the fraction of its area in
 *   the box; a point has no area, so it is in or out.
 * - normalised entropy: each point's weight on the cell of its own level it falls in (points in
 *   one cell add up), over log of the keys the query can read (all levels' cells, sum of H x W),
 *   as the dense map's entropy is over log(HW). Points outside their level's map read zeros (the
 *   bilinear sample's padding): they attend to no key, and leave the distribution (renormalised).
 *
 * Pure functions (test/app/samplingConcentration.test.ts).
 */
import type { DecoderSampling, LayerGrid } from '../worker/messages';
import type { HeadConcentration, LayerConcentration } from './concentration';

/** One head's points at one layer: [levels][points] = [x, y, weight]. */
type HeadPoints = number[][][];

/** The weight share of the points inside a box (cxcywh). */
export function pointsBoxShare(head: HeadPoints, box: ArrayLike<number>): number {
  const [x1, x2] = [box[0] - box[2] / 2, box[0] + box[2] / 2];
  const [y1, y2] = [box[1] - box[3] / 2, box[1] + box[3] / 2];
  let inside = 0;
  let total = 0;
  for (const lv of head) {
    for (const [x, y, w] of lv) {
      const v = Math.max(0, w);
      total += v;
      if (x >= x1 && x <= x2 && y >= y1 && y <= y2) inside += v;
    }
  }
  return total > 0 ? inside / total : 0;
}

/** Entropy of the points' weights gathered per cell of their levels, over log of all levels' cells. */
export function pointsEntropy(head: HeadPoints, levels: Pick<LayerGrid, 'featW' | 'featH'>[]): number {
  const keys = levels.reduce((a, g) => a + g.featW * g.featH, 0);
  if (keys < 2) return 0;
  const cells = new Map<string, number>();
  let total = 0;
  head.forEach((lv, level) => {
    const g = levels[level];
    if (!g) return;
    for (const [x, y, w] of lv) {
      if (!(w > 0) || x < 0 || x > 1 || y < 0 || y > 1) continue;
      const col = Math.min(g.featW - 1, Math.floor(x * g.featW));
      const row = Math.min(g.featH - 1, Math.floor(y * g.featH));
      const k = `${level}:${row}:${col}`;
      cells.set(k, (cells.get(k) ?? 0) + w);
      total += w;
    }
  });
  if (!(total > 0)) return 0;
  let h = 0;
  for (const v of cells.values()) {
    const p = v / total;
    h -= p * Math.log(p);
  }
  return h / Math.log(keys);
}

/** Per layer, the means over the given heads of both measures, against `box` (the query's final box, the same for every layer). */
export function samplingConcentration(s: DecoderSampling, box: ArrayLike<number>, heads: number[]): LayerConcentration[] {
  return s.points.map((layer, l) => {
    const hs = heads.filter((h) => h >= 0 && h < layer.length);
    const per: HeadConcentration[] = hs.map((h) => ({ head: h, boxMass: pointsBoxShare(layer[h], box), entropy: pointsEntropy(layer[h], s.levels) }));
    const mean = (k: 'boxMass' | 'entropy') => (per.length ? per.reduce((a, p) => a + p[k], 0) / per.length : 0);
    return { layer: l + 1, boxMass: mean('boxMass'), entropy: mean('entropy'), heads: per };
  });
}

/** The weighted centre of the points on their maps (points outside read zeros and are left out); null for none. */
export function pointsCentroid(head: HeadPoints): [number, number] | null {
  let sx = 0, sy = 0, total = 0;
  for (const lv of head) {
    for (const [x, y, w] of lv) {
      if (!(w > 0) || x < 0 || x > 1 || y < 0 || y > 1) continue;
      sx += w * x;
      sy += w * y;
      total += w;
    }
  }
  return total > 0 ? [sx / total, sy / total] : null;
}
