import type { Transform } from '../../geometry';
import type { ViewOverlay } from './types';

/** The image and its heatmap on the view's canvas, under the zoom transform; `fade` cross-fades from `prev`. */
export function drawCanvas(
  c: HTMLCanvasElement, vw: number, vh: number, tr: Transform, image: HTMLCanvasElement | null, imgW: number, imgH: number,
  heat: ViewOverlay['heat'], prev: ViewOverlay['heat'], fade: number,
): void {
  const dpr = window.devicePixelRatio || 1;
  if (c.width !== Math.round(vw * dpr) || c.height !== Math.round(vh * dpr)) {
    c.width = Math.round(vw * dpr);
    c.height = Math.round(vh * dpr);
  }
  const ctx = c.getContext('2d')!;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, c.width, c.height);
  ctx.setTransform(dpr * tr.k, 0, 0, dpr * tr.k, dpr * tr.x, dpr * tr.y);
  if (image) {
    ctx.imageSmoothingEnabled = tr.k < 4;
    ctx.drawImage(image, 0, 0, imgW, imgH);
  }
  ctx.imageSmoothingEnabled = false;
  const drawHeat = (h: ViewOverlay['heat'], alpha: number) => {
    if (!h || alpha <= 0) return;
    ctx.globalAlpha = alpha;
    const [x1, y1, x2, y2] = h.rect;
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, 0, imgW, imgH);
    ctx.clip();
    ctx.drawImage(h.canvas, x1, y1, x2 - x1, y2 - y1);
    ctx.restore();
    ctx.globalAlpha = 1;
  };
  if (fade < 1) drawHeat(prev, 1 - fade);
  drawHeat(heat, fade);
}
