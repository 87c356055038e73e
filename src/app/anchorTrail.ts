/**
 * DAB-DETR's anchor boxes for the selected query as the image view draws them: every decoder
 * layer reads a 4D anchor (layer 1: the learned one; then the one the previous layer refined),
 * so the anchors of layers 1..L are one trail, and the chosen layer's anchor is its current point.
 */
import type { ModelInfo, QuerySlice } from '../worker/messages';
import { cxcywhToImageBox, type Box, type Frame, type Pt } from './geometry';
import { patternSlot } from './querySlots';

export interface AnchorTrail {
  /** Each layer's anchor in image px (x1, y1, x2, y2), layer 1 first. */
  boxes: Box[];
  /** Their centres, image px. */
  centres: Pt[];
  /** The chosen layer, 0-based: boxes[current] is the anchor it reads (the view's reference box). */
  current: number;
  query: number;
  /** For a pattern slot: its pattern and anchor (0-based) and the model's pattern count. */
  slot: { pattern: number; anchor: number; patterns: number } | null;
}

/** The trail of a DAB-DETR query's slice; null for other families (their reference box is drawn alone) and without a slice. */
export function anchorTrailFor(info: ModelInfo | null | undefined, slice: QuerySlice | undefined, frame: Frame | null, layer: number): AnchorTrail | null {
  if (!info || info.family !== 'DAB-DETR' || !slice?.referenceBoxes || !frame) return null;
  const boxes = slice.referenceBoxes.map((b) => cxcywhToImageBox(b, frame));
  const ps = patternSlot(info, slice.query);
  return {
    boxes,
    centres: boxes.map((b) => [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2] as Pt),
    current: Math.max(0, Math.min(layer, boxes.length - 1)),
    query: slice.query,
    slot: ps && { ...ps, patterns: info.config.numPatterns! },
  };
}
