import type { Pt } from '../../geometry';
import { headColor } from '../../palette';
import type { SamplingMark } from '../../multiScale';
import { markerPath } from './samplingLayer';

/** What one head's panel of sampling points shows: the faded image, the location, the head's marks. */
export interface SamplingThumb {
  image: CanvasImageSource | null;
  imgW: number;
  imgH: number;
  location: Pt | null;
  marks: SamplingMark[];
  /** Draw over what the canvas holds (no clearing, no image): marks on another thumbnail. */
  over?: boolean;
}

/** Markers in a thumbnail get this share of their area in the main view (the panel is small). */
const THUMB_AREA = 0.45;

/** Draws one head's sampling points on a thumbnail `width` CSS px wide (the panels under the image). */
export function drawSamplingThumb(c: HTMLCanvasElement, width: number, t: SamplingThumb): void {
  const ctx = c.getContext('2d')!;
  const s = width / t.imgW;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  if (!t.over) ctx.clearRect(0, 0, c.width, c.height);
  if (t.image && !t.over) {
    ctx.globalAlpha = 0.5;
    ctx.drawImage(t.image, 0, 0, t.imgW * s, t.imgH * s);
    ctx.globalAlpha = 1;
  }
  for (const m of t.marks) {
    // Marker paths are in screen px around 0,0: placed at the point, not scaled with the image.
    ctx.setTransform(1, 0, 0, 1, m.x * s, m.y * s);
    const p = new Path2D(markerPath(m.shape, m.area * THUMB_AREA));
    if (m.inside) {
      ctx.fillStyle = headColor(m.head);
      ctx.fill(p);
      ctx.strokeStyle = '#000';
      ctx.lineWidth = 1;
    } else {
      ctx.strokeStyle = headColor(m.head);
      ctx.lineWidth = 1.5;
    }
    ctx.stroke(p);
  }
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  if (t.location) {
    const [x, y] = [t.location[0] * s, t.location[1] * s];
    ctx.strokeStyle = '#0ff';
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(x - 5, y);
    ctx.lineTo(x + 5, y);
    ctx.moveTo(x, y - 5);
    ctx.lineTo(x, y + 5);
    ctx.stroke();
  }
}
