import type { Box, Pt } from '../../geometry';
import type { SamplingMark } from '../../multiScale';

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
  /** Multi-scale encoder tab: the clicked location's deformable sampling points. */
  samples: SamplingMark[];
  /** Changes when the layer/query changes: the overlay animates to the new geometry. */
  animKey: string;
}

/** How long the geometry and the heatmap take to move to a new layer or query. */
export const DURATION = 450;
