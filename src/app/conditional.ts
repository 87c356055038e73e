/**
 * Pure selectors of the Conditional DETR view: the selected query's reference point, and its
 * cross-attention beside the two parts its logit is the sum of (QuerySlice.spatialAttention).
 */
import type { ModelInfo, QuerySlice } from '../worker/messages';
import { normToImage, type Frame, type Pt } from './geometry';
import { meanMaps } from './heatmap';

export const isConditional = (info: ModelInfo | null | undefined) => info?.config.decoder === 'conditional';

/** What the reference point marker says of itself (its tooltip and the panel's legend). */
export const REFERENCE_POINT_NOTE =
  'Reference point s = sigmoid(ref_point_head(query position)): learned per query, not from the image, so the same point in every decoder layer. ' +
  "Its sine embedding is the query's spatial part, and the box centre is predicted relative to it.";

/** The reference point marker of one view: where it is in image pixels, and the point as the model has it. */
export interface ReferenceMark {
  p: Pt;
  /** (x, y) relative to the padded input, as the slice gives it. */
  norm: Pt;
  layer: number;
}

/** The selected query's reference point at a layer (0-based), in image pixels; null for other families. */
export function referenceMark(slice: QuerySlice | undefined, frame: Frame | null, layer: number): ReferenceMark | null {
  const pts = slice?.referencePoints;
  if (!pts?.length || !frame) return null;
  const l = Math.min(layer, pts.length - 1);
  const norm = pts[l] as Pt;
  return { p: normToImage(norm, frame), norm, layer: l };
}

export type AttentionPart = 'attention' | 'spatial' | 'content';

export const PART_LABELS: Record<AttentionPart, { title: string; what: string }> = {
  attention: { title: 'cross-attention', what: 'softmax of the whole logit, q_content·k_content + q_spatial·k_pos (what the layer uses)' },
  spatial: { title: 'spatial part alone', what: 'softmax of q_spatial·k_pos: the reference point’s embedding against the key positions' },
  content: { title: 'content part alone', what: 'softmax of q_content·k_content: the query’s content against the image features' },
};

/** One small map of the panel: a part's map at the layer, the mean of the visible heads (null: no head visible). */
export interface PartMap {
  part: AttentionPart;
  map: Float32Array | null;
}

/** The combined cross-attention and its two parts at a layer (0-based); null when the slice has no parts. */
export function attentionParts(slice: QuerySlice | undefined, layer: number, heads: number[]): PartMap[] | null {
  if (!slice?.spatialAttention || !slice.contentAttention) return null;
  const l = Math.min(layer, slice.layers - 1);
  const hs = heads.filter((h) => h < slice.heads);
  const mean = (maps: Float32Array[][]) => (hs.length ? meanMaps(maps[l], hs) : null);
  return [
    { part: 'attention', map: mean(slice.attention) },
    { part: 'spatial', map: mean(slice.spatialAttention) },
    { part: 'content', map: mean(slice.contentAttention) },
  ];
}
