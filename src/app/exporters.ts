/** Export of the current view (PNG, SVG) and of the detections (COCO results JSON). */
import type { Detection } from '../worker/messages';

export interface CocoResult {
  image_id: number;
  category_id: number;
  bbox: [number, number, number, number];
  score: number;
  /** Extra keys (loadRes keeps them): which file the image id stands for, and the class's name. */
  file_name?: string;
  category_name?: string;
}

/** What a results file says about its image and classes beyond the numbers. */
export interface CocoMeta {
  fileName: string;
  /** Class names by label. */
  names: readonly string[];
}

/**
 * An image id a user can map back: a generated scene's seed, or for a file a stable 31-bit
 * hash of its name (FNV-1a), the same in every export of that file.
 */
export function cocoImageId(imageRef: string, fileName: string): number {
  const m = /^(?:example|scene):(\d+)$/.exec(imageRef);
  if (m) return Number(m[1]);
  let h = 0x811c9dc5;
  for (const ch of new TextEncoder().encode(fileName)) h = Math.imul(h ^ ch, 0x01000193) >>> 0;
  return (h & 0x7fffffff) || 1;
}

/**
 * COCO results (the format of `loadRes` / the official evaluation): xywh in pixels of the original file.
 * `sx, sy` scale from the analysed image to the original file (when it was downscaled on decode).
 * `categoryOffset` maps label -> category_id (the synthetic dataset uses id = label + 1; COCO models use the label itself).
 */
export function toCocoResults(dets: Detection[], imageId: number, sx = 1, sy = 1, categoryOffset = 0, meta?: CocoMeta): CocoResult[] {
  const r = (v: number) => Math.round(v * 100) / 100;
  return dets.map((d) => ({
    image_id: imageId,
    category_id: d.label + categoryOffset,
    bbox: [r(d.box[0] * sx), r(d.box[1] * sy), r((d.box[2] - d.box[0]) * sx), r((d.box[3] - d.box[1]) * sy)],
    score: Math.round(d.score * 1e5) / 1e5,
    ...(meta ? { file_name: meta.fileName, category_name: meta.names[d.label] ?? `class ${d.label}` } : {}),
  }));
}

/** Exports are drawn this many times the image size (small model inputs would open tiny), at most 4x. */
export function exportScale(w: number, h: number): number {
  return Math.max(1, Math.min(4, Math.round(768 / Math.max(w, h))));
}

export function download(blob: Blob, name: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * A standalone SVG of the view at image resolution: the image (with the heatmap burnt in) as an
 * embedded PNG, and the overlay group of the live SVG, un-zoomed.
 */
export function buildSvg(base: HTMLCanvasElement, overlay: SVGSVGElement | null, w: number, h: number, scale = exportScale(w, h)): string {
  const href = base.toDataURL('image/png');
  let inner = '';
  if (overlay) {
    const root = overlay.querySelector('g.root');
    if (root) {
      const g = root.cloneNode(true) as SVGGElement;
      g.removeAttribute('transform');
      inner = new XMLSerializer().serializeToString(g);
    }
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${w * scale}" height="${h * scale}" viewBox="0 0 ${w} ${h}" font-family="system-ui, sans-serif">\n<image href="${href}" x="0" y="0" width="${w}" height="${h}"/>\n${inner}\n</svg>\n`;
}

/**
 * The image with heatmap, and the SVG overlay rasterised on top, at image resolution scaled up
 * for small images. `svg` is buildSvg's, whose pixel size is already the export size: the
 * browser rasterises its strokes at that size (thin and sharp) instead of enlarging a small raster.
 */
export async function buildPng(base: HTMLCanvasElement, svg: string, w: number, h: number): Promise<Blob> {
  const s = exportScale(w, h);
  const c = document.createElement('canvas');
  c.width = w * s;
  c.height = h * s;
  const ctx = c.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  const img = new Image();
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  try {
    await new Promise<void>((res, rej) => {
      img.onload = () => res();
      img.onerror = () => rej(new Error('could not rasterise the SVG overlay'));
      img.src = url;
    });
    ctx.drawImage(base, 0, 0, w * s, h * s);
    ctx.drawImage(img, 0, 0, w * s, h * s);
  } finally {
    URL.revokeObjectURL(url);
  }
  return new Promise((res, rej) => c.toBlob((b) => (b ? res(b) : rej(new Error('PNG encoding failed'))), 'image/png'));
}

/** Image + heatmap composed at image resolution (what the export embeds). */
export function composeBase(image: HTMLCanvasElement, heat: { canvas: HTMLCanvasElement; rect: [number, number, number, number] } | null, w: number, h: number): HTMLCanvasElement {
  const c = document.createElement('canvas');
  const s = exportScale(w, h);
  c.width = w * s;
  c.height = h * s;
  const ctx = c.getContext('2d')!;
  ctx.scale(s, s);
  ctx.drawImage(image, 0, 0, w, h);
  if (heat) {
    ctx.imageSmoothingEnabled = false;
    const [x1, y1, x2, y2] = heat.rect;
    ctx.beginPath();
    ctx.rect(0, 0, w, h);
    ctx.clip();
    ctx.drawImage(heat.canvas, x1, y1, x2 - x1, y2 - y1);
  }
  return c;
}
