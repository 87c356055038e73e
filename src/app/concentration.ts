/**
 * How concentrated a query's cross-attention is, per decoder layer: the measure of the paper's
 * claim that DETR's attention searches the whole image while SAM-DETR's is anchored at salient
 * points from the first layers. Pure functions of a QuerySlice (unit-tested in
 * test/app-concentration.test.ts).
 *
 * Two measures, each per head and then averaged over the heads asked for:
 * - box mass: the share of the attention mass inside the query's final predicted box (the last
 *   layer's box, the same region for every layer, so the layers are comparable). Each feature
 *   cell counts with the fraction of its area inside the box.
 * - normalised entropy: -sum p log p / log(HW) over the feature map's HW cells: 1 for attention
 *   spread evenly over the whole map, 0 for all of it on one cell.
 *
 * Multi-scale models attend over another level every two layers (stride 32, 16, 8): each layer
 * is measured on its own grid, and dividing by log(HW) of that grid keeps the layers comparable.
 */
import type { QuerySlice } from '../worker/messages';
import { layerGrid } from './multiScale';

export interface HeadConcentration {
  head: number;
  boxMass: number;
  entropy: number;
}

export interface LayerConcentration {
  /** 1-based decoder layer. */
  layer: number;
  /** Means over the heads. */
  boxMass: number;
  entropy: number;
  heads: HeadConcentration[];
}

export type ConcentrationMeasure = 'boxMass' | 'entropy';

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

/**
 * Per layer, how concentrated the query's attention is, for the given heads (all when omitted),
 * each layer on the grid it reads (a multi-scale layer's level). A layer whose maps do not match
 * its grid is left out rather than measured on the wrong cells.
 */
export function attentionConcentration(slice: QuerySlice, heads?: number[]): LayerConcentration[] {
  const box = slice.predictions[slice.predictions.length - 1]?.box;
  const hs = (heads ?? Array.from({ length: slice.heads }, (_, h) => h)).filter((h) => h >= 0 && h < slice.heads);
  if (!box || !hs.length) return [];
  const out: LayerConcentration[] = [];
  slice.attention.forEach((maps, l) => {
    const { featW, featH } = layerGrid(slice, l);
    if (hs.some((h) => maps[h]?.length !== featW * featH)) return;
    const per = hs.map((h) => ({ head: h, boxMass: massInBox(maps[h], featW, featH, box), entropy: normalisedEntropy(maps[h]) }));
    const mean = (k: ConcentrationMeasure) => per.reduce((a, p) => a + p[k], 0) / per.length;
    out.push({ layer: l + 1, boxMass: mean('boxMass'), entropy: mean('entropy'), heads: per });
  });
  return out;
}
