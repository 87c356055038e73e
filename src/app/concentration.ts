/**
 * How concentrated a query's cross-attention is, per decoder layer: the measure of the paper's
 * claim that DETR's attention searches the whole image while SAM-DETR's is anchored at salient
 * points from the first layers. Pure functions of a QuerySlice (unit-tested in
 * test/app/concentration.test.ts).
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
import { massInBox, normalisedEntropy } from '../eval/attentionMeasures';
import { samplingConcentration } from './samplingConcentration';

export { cellOverlap, massInBox, normalisedEntropy } from '../eval/attentionMeasures';

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

/**
 * Per layer, how concentrated the query's attention is, for the given heads (all when omitted),
 * each layer on the grid it reads (a multi-scale layer's level). A layer whose maps do not match
 * its grid is left out rather than measured on the wrong cells.
 */
export function attentionConcentration(slice: QuerySlice, heads?: number[]): LayerConcentration[] {
  const box = slice.predictions[slice.predictions.length - 1]?.box;
  const hs = (heads ?? Array.from({ length: slice.heads }, (_, h) => h)).filter((h) => h >= 0 && h < slice.heads);
  if (!box || !hs.length) return [];
  // Deformable DETR has no dense map: measured from its sampling points (samplingConcentration.ts).
  if (slice.sampling) return samplingConcentration(slice.sampling, box, hs);
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
