import type { Box } from './geometry';

/** A label's rectangle in image pixels (x, y of its top-left corner). */
export interface LabelRect {
  x: number;
  y: number;
  w: number;
  h: number;
}

const overlaps = (a: LabelRect, b: LabelRect) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/**
 * Places one label per box, best score first: above the box's top-left corner; inside the top
 * of the box when that would leave the image (top edge) or cover a label placed before; then
 * further down inside the box, one label height at a time, until it is free (or the box ends,
 * where it stays at its last try). Sizes are in image pixels at the current zoom.
 */
export function placeLabels(boxes: { box: Box; width: number }[], height: number, imgW: number): LabelRect[] {
  const order = boxes.map((_, i) => i);
  const placed: LabelRect[] = [];
  const out: LabelRect[] = new Array(boxes.length);
  for (const i of order) {
    const { box, width } = boxes[i];
    const x = Math.max(0, Math.min(box[0], imgW - width));
    const tries: LabelRect[] = [{ x, y: box[1] - height, w: width, h: height }];
    for (let y = box[1]; y + height <= Math.max(box[3], box[1] + height); y += height) tries.push({ x, y, w: width, h: height });
    const free = tries.find((r) => r.y >= 0 && !placed.some((p) => overlaps(p, r)));
    const r = free ?? tries[tries.length - 1];
    placed.push(r);
    out[i] = r;
  }
  return out;
}
