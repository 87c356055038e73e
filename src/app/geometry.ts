/**
 * Coordinate frames of the view, all pure functions (unit-tested in test/app/geometry.test.ts).
 *
 * - "norm": what the model emits, (x, y) in [0, 1] relative to the padded batch tensor.
 * - "model px": pixels of the resized (and padded) model input.
 * - "image px": pixels of the image as shown (the decoded image; its size is `imgW x imgH`).
 * - "feature cells": the encoder's h x w grid; cell (i, j) spans norm [j/w, (j+1)/w] x [i/h, (i+1)/h],
 *   the frame in which the model itself scales reference boxes (RoIAlign) and SMCA centres.
 * - "screen": CSS pixels inside the view; screen = image * k + (x, y) (a d3-zoom transform).
 */

export interface Frame {
  /** Size of the image as displayed (image px). */
  imgW: number;
  imgH: number;
  /** Resized model input size (unpadded). */
  resizedW: number;
  resizedH: number;
  /** Padded batch tensor size (equals resized for a single image). */
  padW: number;
  padH: number;
}

export interface Transform {
  k: number;
  x: number;
  y: number;
}

export type Pt = [number, number];
export type Box = [number, number, number, number]; // x1, y1, x2, y2

export function makeFrame(imgW: number, imgH: number, resizedW: number, resizedH: number, padW = resizedW, padH = resizedH): Frame {
  return { imgW, imgH, resizedW, resizedH, padW, padH };
}

/** Official resize rule (DETR's `get_size_with_aspect_ratio`): shorter side `size`, longer side at most `maxSize`. */
export function officialResize(h: number, w: number, size: number, maxSize?: number): [number, number] {
  let s = size;
  if (maxSize !== undefined) {
    const minOrig = Math.min(w, h);
    const maxOrig = Math.max(w, h);
    if ((maxOrig / minOrig) * s > maxSize) s = Math.round((maxSize * minOrig) / maxOrig);
  }
  if ((w <= h && w === s) || (h <= w && h === s)) return [h, w];
  if (w < h) return [Math.trunc((s * h) / w), s];
  return [s, Math.trunc((s * w) / h)];
}

/** Scales a (large) image to fit inside `maxSide` keeping aspect ratio; returns the new [w, h] (unchanged when it fits). */
export function fitWithin(w: number, h: number, maxSide: number): [number, number] {
  const m = Math.max(w, h);
  if (m <= maxSide) return [w, h];
  const s = maxSide / m;
  return [Math.max(1, Math.round(w * s)), Math.max(1, Math.round(h * s))];
}

export function normToImage(p: Pt, f: Frame): Pt {
  return [(p[0] * f.padW * f.imgW) / f.resizedW, (p[1] * f.padH * f.imgH) / f.resizedH];
}

export function imageToNorm(p: Pt, f: Frame): Pt {
  return [(p[0] * f.resizedW) / (f.padW * f.imgW), (p[1] * f.resizedH) / (f.padH * f.imgH)];
}

/** Sigmoid cxcywh (norm) -> x1y1x2y2 (image px). */
export function cxcywhToImageBox(b: ArrayLike<number>, f: Frame): Box {
  const [x1, y1] = normToImage([b[0] - b[2] / 2, b[1] - b[3] / 2], f);
  const [x2, y2] = normToImage([b[0] + b[2] / 2, b[1] + b[3] / 2], f);
  return [x1, y1, x2, y2];
}

/** Feature-cell coordinates (continuous, cell j spans [j, j+1]) -> image px. */
export function cellToImage(p: Pt, featW: number, featH: number, f: Frame): Pt {
  return normToImage([p[0] / featW, p[1] / featH], f);
}

/** A RoI box in feature cells (x1, y1, x2, y2, as the trace stores it) -> image px. */
export function roiToImageBox(r: ArrayLike<number>, featW: number, featH: number, f: Frame): Box {
  const [x1, y1] = cellToImage([r[0], r[1]], featW, featH, f);
  const [x2, y2] = cellToImage([r[2], r[3]], featW, featH, f);
  return [x1, y1, x2, y2];
}

/** Lines of the n x n RoIAlign bin grid of a box (image px): n+1 verticals and n+1 horizontals, each [x1, y1, x2, y2]. */
export function roiGridLines(b: Box, n = 7): Box[] {
  const [x1, y1, x2, y2] = b;
  const lines: Box[] = [];
  for (let i = 0; i <= n; i++) {
    const x = x1 + ((x2 - x1) * i) / n;
    lines.push([x, y1, x, y2]);
  }
  for (let i = 0; i <= n; i++) {
    const y = y1 + ((y2 - y1) * i) / n;
    lines.push([x1, y, x2, y]);
  }
  return lines;
}

/** Rectangle (image px) that the whole h x w heatmap covers: the padded tensor's extent. */
export function heatmapRect(f: Frame): Box {
  const [x2, y2] = normToImage([1, 1], f);
  return [0, 0, x2, y2];
}

/** Feature cell under an image point, or null when outside the grid. */
export function imageToCell(p: Pt, featW: number, featH: number, f: Frame): { row: number; col: number; index: number } | null {
  const [nx, ny] = imageToNorm(p, f);
  const col = Math.floor(nx * featW);
  const row = Math.floor(ny * featH);
  if (col < 0 || row < 0 || col >= featW || row >= featH) return null;
  return { row, col, index: row * featW + col };
}

export function imageToScreen(p: Pt, t: Transform): Pt {
  return [p[0] * t.k + t.x, p[1] * t.k + t.y];
}

export function screenToImage(p: Pt, t: Transform): Pt {
  return [(p[0] - t.x) / t.k, (p[1] - t.y) / t.k];
}

export function boxToScreen(b: Box, t: Transform): Box {
  const [x1, y1] = imageToScreen([b[0], b[1]], t);
  const [x2, y2] = imageToScreen([b[2], b[3]], t);
  return [x1, y1, x2, y2];
}

/** Transform that fits the image inside the view, centred, with a margin. */
export function fitTransform(viewW: number, viewH: number, imgW: number, imgH: number, margin = 0): Transform {
  const k = Math.min((viewW - 2 * margin) / imgW, (viewH - 2 * margin) / imgH);
  return { k, x: (viewW - imgW * k) / 2, y: (viewH - imgH * k) / 2 };
}

/** Zoom by `factor` keeping the screen point (sx, sy) fixed. */
export function zoomAt(t: Transform, factor: number, sx: number, sy: number, kMin = 0.05, kMax = 64): Transform {
  const k = Math.min(kMax, Math.max(kMin, t.k * factor));
  const f = k / t.k;
  return { k, x: sx - (sx - t.x) * f, y: sy - (sy - t.y) * f };
}

export function pan(t: Transform, dx: number, dy: number): Transform {
  return { k: t.k, x: t.x + dx, y: t.y + dy };
}

/**
 * The view transform expressed relative to the fit transform (zoom factor and centre in image px),
 * so that it survives a resize of the view or is shared between two views of different size.
 */
export interface RelativeZoom {
  z: number;
  cx: number;
  cy: number;
}

export function toRelative(t: Transform, viewW: number, viewH: number, imgW: number, imgH: number): RelativeZoom {
  const fit = fitTransform(viewW, viewH, imgW, imgH);
  const [cx, cy] = screenToImage([viewW / 2, viewH / 2], t);
  return { z: t.k / fit.k, cx, cy };
}

export function fromRelative(r: RelativeZoom, viewW: number, viewH: number, imgW: number, imgH: number): Transform {
  const fit = fitTransform(viewW, viewH, imgW, imgH);
  const k = fit.k * r.z;
  return { k, x: viewW / 2 - r.cx * k, y: viewH / 2 - r.cy * k };
}


export function lerpBox(a: Box, b: Box, s: number): Box {
  return [0, 1, 2, 3].map((i) => a[i] + (b[i] - a[i]) * s) as Box;
}

/**
 * The encoder location one feature cell from `p` (dx, dy in cells), for picking it with the
 * keyboard: the centre of the next cell, kept on the image (cells over the padding have no
 * pixels to show). Without a location yet, the middle cell of the image.
 */
export function stepCell(p: Pt | null, dx: number, dy: number, featW: number, featH: number, f: Frame, imgW: number, imgH: number): Pt {
  const last = imageToCell([imgW - 1e-6, imgH - 1e-6], featW, featH, f) ?? { col: featW - 1, row: featH - 1 };
  const cur = p ? imageToCell(p, featW, featH, f) : null;
  const clamp = (v: number, hi: number) => Math.min(hi, Math.max(0, v));
  const col = cur ? clamp(cur.col + dx, last.col) : Math.floor(last.col / 2);
  const row = cur ? clamp(cur.row + dy, last.row) : Math.floor(last.row / 2);
  const [x, y] = cellToImage([col + 0.5, row + 0.5], featW, featH, f);
  return [Math.min(x, imgW - 0.5), Math.min(y, imgH - 0.5)];
}
