/**
 * The effect panel's numbers: how well a query's cross-attention has found its object, per
 * decoder layer, for one query and averaged over every object both compared models found. Pure
 * functions (unit-tested in test/app/effect.test.ts); the measures themselves are in
 * ./concentration (mass in a box, normalised entropy).
 *
 * Per layer, each measure is computed on each visible head's map and averaged over the heads:
 * - entropy: normalised attention entropy (1 = spread evenly over the map, 0 = one cell);
 * - box share: the attention mass inside the query's final predicted box;
 * - truth share: the mass inside the ground-truth box of the object (generated scenes only);
 * - centroid offset: the distance of the attention's centroid from the predicted box's centre,
 *   in half-diagonals of that box (0 = at the centre, 1 = as far as its corners).
 */
import type { QuerySlice } from '../worker/messages';
import type { Detection } from '../worker/messages';
import { attentionCentroid, massInBox, normalisedEntropy } from '../eval/attentionMeasures';

export { attentionCentroid };
import { layerGrid } from './multiScale';
import { imageToNorm, type Box, type Frame } from './geometry';
import { boxIou } from '../geometry/boxes';
import { samplingEffect } from './samplingEffect';

export interface LayerEffect {
  /** 1-based decoder layer. */
  layer: number;
  entropy: number;
  boxShare: number;
  /** Null where no ground truth is known (an uploaded photo). */
  truthShare: number | null;
  centroidOffset: number;
}

export type EffectMeasure = 'entropy' | 'boxShare' | 'truthShare' | 'centroidOffset';

/** A ground-truth object of a generated scene, in image px. */
export interface TruthObject {
  box: Box;
  label: number;
}

/**
 * Distance of a point from a box's centre in half-diagonals of the box, both in normalised
 * coordinates of a padded input `aspect` = width / height times as wide as it is high (so the
 * distance is in pixels' proportions, not the grid's).
 */
export function offsetInHalfDiagonals(p: [number, number], box: ArrayLike<number>, aspect: number): number {
  const dx = (p[0] - box[0]) * aspect;
  const dy = p[1] - box[1];
  const half = 0.5 * Math.hypot(box[2] * aspect, box[3]);
  return half > 0 ? Math.hypot(dx, dy) / half : 0;
}

/** An image-px box as the sigmoid cxcywh of the model's normalised (padded) input. */
export function imageBoxToNorm(b: Box, f: Frame): [number, number, number, number] {
  const [x1, y1] = imageToNorm([b[0], b[1]], f);
  const [x2, y2] = imageToNorm([b[2], b[3]], f);
  return [(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1];
}

/**
 * Per layer, the four measures of a query's attention for the given heads. `truth` is the
 * object's ground-truth box (normalised cxcywh) when known; `aspect` the padded input's width /
 * height. A layer whose maps do not fit its grid is left out rather than measured on wrong cells.
 */
export function queryEffect(slice: QuerySlice, heads: number[], truth: ArrayLike<number> | null, aspect: number): LayerEffect[] {
  const box = slice.predictions[slice.predictions.length - 1]?.box;
  const hs = heads.filter((h) => h >= 0 && h < slice.heads);
  if (!box || !hs.length) return [];
  // Deformable DETR: from its sampling points (samplingEffect.ts).
  if (slice.sampling) return samplingEffect(slice.sampling, hs, box, truth, (p, b) => offsetInHalfDiagonals(p, b, aspect));
  const out: LayerEffect[] = [];
  slice.attention.forEach((maps, l) => {
    const { featW, featH } = layerGrid(slice, l);
    if (hs.some((h) => maps[h]?.length !== featW * featH)) return;
    let entropy = 0, boxShare = 0, truthShare = 0, offset = 0;
    for (const h of hs) {
      const m = maps[h];
      entropy += normalisedEntropy(m);
      boxShare += massInBox(m, featW, featH, box);
      if (truth) truthShare += massInBox(m, featW, featH, truth);
      const c = attentionCentroid(m, featW, featH);
      offset += c ? offsetInHalfDiagonals(c, box, aspect) : 0;
    }
    const n = hs.length;
    out.push({ layer: l + 1, entropy: entropy / n, boxShare: boxShare / n, truthShare: truth ? truthShare / n : null, centroidOffset: offset / n });
  });
  return out;
}

/** Per layer, the mean of several queries' effects (layers missing from some are averaged over those that have them). */
export function meanEffect(list: LayerEffect[][]): LayerEffect[] {
  const byLayer = new Map<number, LayerEffect[]>();
  for (const q of list) for (const e of q) byLayer.set(e.layer, [...(byLayer.get(e.layer) ?? []), e]);
  return [...byLayer.entries()].sort((a, b) => a[0] - b[0]).map(([layer, es]) => {
    const mean = (k: Exclude<EffectMeasure, 'truthShare'>) => es.reduce((a, e) => a + e[k], 0) / es.length;
    const truths = es.map((e) => e.truthShare).filter((v): v is number => v !== null);
    return {
      layer,
      entropy: mean('entropy'),
      boxShare: mean('boxShare'),
      truthShare: truths.length ? truths.reduce((a, v) => a + v, 0) / truths.length : null,
      centroidOffset: mean('centroidOffset'),
    };
  });
}

/**
 * For each ground-truth object, the query of `dets` whose box overlaps it most, at any score and
 * any IoU above 0 (null where none overlaps it): a model early in training localises poorly and
 * scores low, and the timeline must still follow its query for the object from epoch 1.
 */
export function bestQueryPerObject(dets: Detection[], truth: TruthObject[]): (number | null)[] {
  return truth.map((t) => mostOverlapping(dets, (d) => d.box as Box, t.box)?.query ?? null);
}

/** The item whose box overlaps `box` most (IoU above 0), or null: the one rule by which objects and queries are paired. */
export function mostOverlapping<T>(items: readonly T[], boxOf: (item: T) => Box, box: Box): T | null {
  let best: T | null = null;
  let bestIou = 0;
  for (const item of items) {
    const v = boxIou(boxOf(item), box);
    if (v > bestIou) {
      bestIou = v;
      best = item;
    }
  }
  return best;
}

/** One compared object: its ground truth (or null) and each model's query for it. */
export interface MatchedObject {
  truth: TruthObject | null;
  queries: [number, number];
}

/**
 * The objects both models found: on a generated scene, the ground-truth objects with a query in
 * each model (bestQueryPerObject); on a photo, the first model's shown detections with their
 * match in the second (`match`).
 */
export function matchedObjects(
  dets0: Detection[], dets1: Detection[], truth: TruthObject[] | null, shown0: number[], match: (q: number) => number | null,
): MatchedObject[] {
  if (truth) {
    // Every true object, with each model's best-overlapping query (the effect at every epoch).
    const a = bestQueryPerObject(dets0, truth);
    const b = bestQueryPerObject(dets1, truth);
    return truth.flatMap((t, i) => (a[i] !== null && b[i] !== null ? [{ truth: t, queries: [a[i]!, b[i]!] as [number, number] }] : []));
  }
  return shown0.flatMap((q) => {
    const m = match(q);
    return m === null ? [] : [{ truth: null, queries: [q, m] as [number, number] }];
  });
}
