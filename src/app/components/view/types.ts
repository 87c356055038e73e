import type { Box, Pt } from '../../geometry';
import type { SamplingMark } from '../../multiScale';
import type { DeformableGeometry } from '../../deformable';
import type { AnchorTrail } from '../../anchorTrail';
import type { ReferenceMark } from '../../conditional';

export interface ShownDetection {
  query: number;
  label: number;
  score: number;
  box: Box;
  name: string;
  color: string;
}

export interface ViewOverlay {
  detections: ShownDetection[];
  selected: number | null;
  hovered: number | null;
  refBox: Box | null;
  roiBox: Box | null;
  showGrid: boolean;
  points: { head: number; p: Pt }[];
  /** Heatmap at feature resolution and the image rectangle it covers. */
  heat: { canvas: HTMLCanvasElement; rect: Box; key: string } | null;
  encPoint: Pt | null;
  /** Multi-scale encoder tab: the clicked location's deformable sampling points (Deformable DETR's decoder tab: the selected query's at the layer). */
  samples: SamplingMark[];
  /** Deformable DETR: the layer's reference point and the two-stage proposal (deformable.ts); absent or null for other families. */
  deformable?: DeformableGeometry | null;
  /** DAB-DETR: the selected query's anchor boxes of every layer (anchorTrail.ts); absent or null for other families. */
  anchorTrail?: AnchorTrail | null;
  /** Conditional DETR: the selected query's reference point (conditional.ts); absent or null for other families. */
  refPoint?: ReferenceMark | null;
  /** Changes when the layer/query changes: the overlay animates to the new geometry. */
  animKey: string;
}

/** How long the geometry and the heatmap take to move to a new layer or query. */
export const DURATION = 450;
