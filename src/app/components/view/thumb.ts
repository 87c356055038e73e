import type { Box, Pt } from '../../geometry';
import { scratchMapCanvas, type MapKind } from '../../heatmap';
import type { Contrast } from '../../colorScale';

/** What one small map shows: the faded image, a map over it, a dashed box and a point. */
export interface Thumb {
  image: CanvasImageSource | null;
  imgW: number;
  imgH: number;
  map: Float32Array | null;
  featW: number;
  featH: number;
  kind: MapKind;
  contrast: Contrast;
  /** The image rectangle the feature map covers. */
  heatRect: Box;
  box: Box | null;
  point: Pt | null;
  pointColor?: string;
}

/** Draws a thumbnail `width` CSS px wide (the small multiples per head, the maps per layer). */
export function drawThumb(c: HTMLCanvasElement, width: number, t: Thumb): void {
  const ctx = c.getContext('2d')!;
  const s = width / t.imgW;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, c.width, c.height);
  ctx.setTransform(s, 0, 0, s, 0, 0);
  if (t.image) {
    ctx.globalAlpha = 0.55;
    ctx.drawImage(t.image, 0, 0, t.imgW, t.imgH);
    ctx.globalAlpha = 1;
  }
  if (t.map) {
    ctx.imageSmoothingEnabled = false;
    const [x1, y1, x2, y2] = t.heatRect;
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, 0, t.imgW, t.imgH);
    ctx.clip();
    ctx.drawImage(scratchMapCanvas(t.map, t.featW, t.featH, t.kind, 0.9, t.contrast), x1, y1, x2 - x1, y2 - y1);
    ctx.restore();
  }
  if (t.box) {
    const [x1, y1, x2, y2] = t.box;
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = 1 / s;
    ctx.setLineDash([3 / s, 2 / s]);
    ctx.strokeRect(x1, y1, x2 - x1, y2 - y1);
    ctx.setLineDash([]);
  }
  if (t.point) {
    ctx.beginPath();
    ctx.arc(t.point[0], t.point[1], 4 / s, 0, Math.PI * 2);
    ctx.fillStyle = t.pointColor ?? '#fff';
    ctx.fill();
    ctx.lineWidth = 1.2 / s;
    ctx.strokeStyle = '#000';
    ctx.stroke();
  }
}
