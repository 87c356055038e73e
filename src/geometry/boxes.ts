/**
 * Box math on plain numbers, the one module the matcher, the evaluation, the attention study and
 * the page share (their tensor counterparts are in src/model/boxes.ts). Boxes are cxcywh or xyxy
 * 4-tuples, or packed in flat arrays of 4n.
 */

export type Box4 = [number, number, number, number];

export function cxcywhToXyxy(b: ArrayLike<number>, off = 0): Box4 {
  const cx = b[off], cy = b[off + 1], w = b[off + 2], h = b[off + 3];
  return [cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h];
}

export function xyxyToCxcywh(b: ArrayLike<number>, off = 0): Box4 {
  const x0 = b[off], y0 = b[off + 1], x1 = b[off + 2], y1 = b[off + 3];
  return [(x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0];
}

/** Converts n packed cxcywh boxes to packed xyxy (Float64Array of 4n). */
export function cxcywhToXyxyArray(boxes: ArrayLike<number>): Float64Array {
  const n = boxes.length / 4;
  const out = new Float64Array(boxes.length);
  for (let i = 0; i < n; i++) {
    const cx = boxes[4 * i], cy = boxes[4 * i + 1], w = boxes[4 * i + 2], h = boxes[4 * i + 3];
    out[4 * i] = cx - 0.5 * w;
    out[4 * i + 1] = cy - 0.5 * h;
    out[4 * i + 2] = cx + 0.5 * w;
    out[4 * i + 3] = cy + 0.5 * h;
  }
  return out;
}

function area(x0: number, y0: number, x1: number, y1: number): number {
  return (x1 - x0) * (y1 - y0);
}

/** IoU and union of two xyxy boxes (at offsets `ia` / `ib` of packed arrays). */
function iouUnion(a: ArrayLike<number>, ia: number, b: ArrayLike<number>, ib: number): [number, number] {
  const ax0 = a[ia], ay0 = a[ia + 1], ax1 = a[ia + 2], ay1 = a[ia + 3];
  const bx0 = b[ib], by0 = b[ib + 1], bx1 = b[ib + 2], by1 = b[ib + 3];
  const iw = Math.max(0, Math.min(ax1, bx1) - Math.max(ax0, bx0));
  const ih = Math.max(0, Math.min(ay1, by1) - Math.max(ay0, by0));
  const inter = iw * ih;
  const union = area(ax0, ay0, ax1, ay1) + area(bx0, by0, bx1, by1) - inter;
  return [union > 0 ? inter / union : 0, union];
}

/** IoU of two xyxy boxes (0 when the union is empty). */
export function boxIou(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return iouUnion(a, 0, b, 0)[0];
}

function giouAt(a: ArrayLike<number>, ia: number, b: ArrayLike<number>, ib: number): number {
  const [iou, union] = iouUnion(a, ia, b, ib);
  const ex0 = Math.min(a[ia], b[ib]), ey0 = Math.min(a[ia + 1], b[ib + 1]);
  const ex1 = Math.max(a[ia + 2], b[ib + 2]), ey1 = Math.max(a[ia + 3], b[ib + 3]);
  const enclose = Math.max(0, ex1 - ex0) * Math.max(0, ey1 - ey0);
  return enclose > 0 ? iou - (enclose - union) / enclose : iou;
}

/** Generalized IoU of two xyxy boxes, in [-1, 1]. */
export function boxGiou(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return giouAt(a, 0, b, 0);
}

/** Pairwise IoU of packed xyxy boxes: [n, m] row-major. */
export function pairwiseIou(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const n = a.length / 4, m = b.length / 4;
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) out[i * m + j] = iouUnion(a, 4 * i, b, 4 * j)[0];
  return out;
}

/** Pairwise generalized IoU of packed xyxy boxes: [n, m] row-major. */
export function pairwiseGiou(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const n = a.length / 4, m = b.length / 4;
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) out[i * m + j] = giouAt(a, 4 * i, b, 4 * j);
  return out;
}
