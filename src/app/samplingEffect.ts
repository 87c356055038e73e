/**
 * The effect panel's four measures (effect.ts) for Deformable DETR, which has sampling points
 * instead of maps: box and truth shares are the weight share of the points inside each box,
 * entropy is pointsEntropy, the centroid the weighted centre of the points
 * (samplingConcentration.ts says why each equals the dense measure of the points' weights).
 */
import type { DecoderSampling } from '../worker/messages';
import type { LayerEffect } from './effect';
import { pointsBoxShare, pointsCentroid, pointsEntropy } from './samplingConcentration';

export function samplingEffect(
  s: DecoderSampling, heads: number[], box: ArrayLike<number>, truth: ArrayLike<number> | null,
  offset: (p: [number, number], box: ArrayLike<number>) => number,
): LayerEffect[] {
  return s.points.flatMap((layer, l) => {
    const hs = heads.filter((h) => h >= 0 && h < layer.length);
    if (!hs.length) return [];
    let entropy = 0, boxShare = 0, truthShare = 0, off = 0;
    for (const h of hs) {
      entropy += pointsEntropy(layer[h], s.levels);
      boxShare += pointsBoxShare(layer[h], box);
      if (truth) truthShare += pointsBoxShare(layer[h], truth);
      const c = pointsCentroid(layer[h]);
      off += c ? offset(c, box) : 0;
    }
    const n = hs.length;
    return [{ layer: l + 1, entropy: entropy / n, boxShare: boxShare / n, truthShare: truth ? truthShare / n : null, centroidOffset: off / n }];
  });
}
