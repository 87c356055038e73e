/**
 * Pure selectors for Deformable DETR's decoder (QuerySlice.sampling): a layer's sampling points
 * as marks to draw (the multi-scale encoder's marks: colour the head, shape the level, area the
 * weight), the reference point or box the layer reads, and the two-stage proposal the query came
 * from. No React, no DOM (unit-tested in test/app/deformable.test.ts).
 */
import type { DecoderSampling, QuerySlice } from '../worker/messages';
import { cxcywhToImageBox, normToImage, type Box, type Frame, type Pt } from './geometry';
import { samplingMarks, type PointsOf, type SamplingMark } from './multiScale';

/** The points of decoder layer `layer` (0-based, clamped) in the encoder's shape (heads x levels x points). */
export function layerPoints(s: DecoderSampling, layer: number): PointsOf {
  const l = Math.max(0, Math.min(layer, s.points.length - 1));
  return { heads: s.points[l]?.length ?? 0, points: s.points[l] ?? [] };
}

const NONE: SamplingMark[] = [];
/** Per view, the last marks made (kept while nothing they depend on changes, so the SVG layer redraws only then). */
const last = new Map<number, { key: unknown[]; marks: SamplingMark[] }>();

/**
 * The selected query's sampling points at a layer, for the visible heads, as image-pixel marks;
 * the same array while the slice, frame, layer and heads stay (`view` keys the cache).
 */
export function decoderMarks(view: number, slice: QuerySlice | undefined, frame: Frame | null, layer: number, heads: number[]): SamplingMark[] {
  if (!slice?.sampling || !frame) return NONE;
  const key = [slice, frame, layer, heads.join()];
  const hit = last.get(view);
  if (hit && hit.key.every((k, i) => k === key[i])) return hit.marks;
  const marks = samplingMarks(layerPoints(slice.sampling, layer), frame, heads);
  last.set(view, { key, marks });
  return marks;
}

/** What is drawn with the points: the layer's reference (a point, or a box once refined) and the two-stage proposal. */
export interface DeformableGeometry {
  refPoint: Pt | null;
  refBox: Box | null;
  proposal: { box: Box; label: string } | null;
}

export function deformableGeometry(s: DecoderSampling, frame: Frame, layer: number): DeformableGeometry {
  const l = Math.max(0, Math.min(layer, s.references.length - 1));
  const r = s.references[l] ?? [];
  const p = s.proposal;
  return {
    // A box's centre is marked too: it is where the box's sampling offsets start from.
    refPoint: r.length >= 2 ? normToImage([r[0], r[1]], frame) : null,
    refBox: r.length === 4 ? cxcywhToImageBox(r, frame) : null,
    proposal: p ? { box: cxcywhToImageBox(p.box, frame), label: proposalLabel(s) } : null,
  };
}

/** "encoder proposal: stride 16 cell (3, 5)": where a two-stage query was taken from. */
export function proposalLabel(s: DecoderSampling): string {
  const p = s.proposal;
  if (!p) return '';
  return `encoder proposal: stride ${s.levels[p.level]?.stride} cell (${p.col}, ${p.row})`;
}

/** The caption's count: "8 heads × 4 levels × 4 points". */
export function samplingCount(s: DecoderSampling): string {
  const first = s.points[0] ?? [];
  return `${first.length} heads × ${s.levels.length} levels × ${first[0]?.[0]?.length ?? 0} points`;
}
