/**
 * Box utilities for training: plain-number versions (for the matcher, on Float64Arrays)
 * and tensor versions (differentiable, for the losses; only ops the wasm backend can
 * differentiate). Boxes are either cxcywh or xyxy, in the last dimension / 4-tuples.
 */
import * as tf from '@tensorflow/tfjs';

export type Box4 = [number, number, number, number];

// ------------------------------------------------------------------ plain numbers

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

// ------------------------------------------------------------------ tensors

function split4(t: tf.Tensor): [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor] {
  return tf.split(t, 4, -1) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
}

/** [..., 4] cxcywh -> [..., 4] xyxy. */
export function cxcywhToXyxyT<T extends tf.Tensor>(t: T): T {
  return tf.tidy(() => {
    const [cx, cy, w, h] = split4(t);
    const hw = tf.mul(w, 0.5), hh = tf.mul(h, 0.5);
    return tf.concat([tf.sub(cx, hw), tf.sub(cy, hh), tf.add(cx, hw), tf.add(cy, hh)], -1) as T;
  });
}

/** [..., 4] xyxy -> [..., 4] cxcywh. */
export function xyxyToCxcywhT<T extends tf.Tensor>(t: T): T {
  return tf.tidy(() => {
    const [x0, y0, x1, y1] = split4(t);
    return tf.concat([tf.mul(tf.add(x0, x1), 0.5), tf.mul(tf.add(y0, y1), 0.5), tf.sub(x1, x0), tf.sub(y1, y0)], -1) as T;
  });
}

/**
 * IoU and GIoU of aligned xyxy box pairs [..., 4] x [..., 4] -> [...] each (same broadcasting
 * as elementwise ops, so [n, 1, 4] x [1, m, 4] gives pairwise [n, m]). `eps` is added to the
 * union and the enclosing area (keeps the gradient finite for degenerate boxes).
 */
export function iouGiouT(a: tf.Tensor, b: tf.Tensor, eps = 1e-7): { iou: tf.Tensor; giou: tf.Tensor } {
  return tf.tidy(() => {
    const [ax0, ay0, ax1, ay1] = split4(a);
    const [bx0, by0, bx1, by1] = split4(b);
    const areaA = tf.mul(tf.sub(ax1, ax0), tf.sub(ay1, ay0));
    const areaB = tf.mul(tf.sub(bx1, bx0), tf.sub(by1, by0));
    const iw = tf.relu(tf.sub(tf.minimum(ax1, bx1), tf.maximum(ax0, bx0)));
    const ih = tf.relu(tf.sub(tf.minimum(ay1, by1), tf.maximum(ay0, by0)));
    const inter = tf.mul(iw, ih);
    const union = tf.sub(tf.add(areaA, areaB), inter);
    const iou = tf.div(inter, tf.add(union, eps));
    const ew = tf.relu(tf.sub(tf.maximum(ax1, bx1), tf.minimum(ax0, bx0)));
    const eh = tf.relu(tf.sub(tf.maximum(ay1, by1), tf.minimum(ay0, by0)));
    const enclose = tf.mul(ew, eh);
    const giou = tf.sub(iou, tf.div(tf.sub(enclose, union), tf.add(enclose, eps)));
    return { iou: tf.squeeze(iou, [-1]), giou: tf.squeeze(giou, [-1]) };
  });
}

/** GIoU of aligned xyxy box pairs [..., 4] x [..., 4] -> [...]. */
export function giouT(a: tf.Tensor, b: tf.Tensor, eps = 1e-7): tf.Tensor {
  return tf.tidy(() => {
    const r = iouGiouT(a, b, eps);
    return r.giou;
  });
}

/** Pairwise GIoU of xyxy boxes [n, 4] x [m, 4] -> [n, m]. */
export function pairwiseGiouT(a: tf.Tensor2D, b: tf.Tensor2D, eps = 1e-7): tf.Tensor2D {
  return tf.tidy(() => giouT(tf.expandDims(a, 1), tf.expandDims(b, 0), eps) as tf.Tensor2D);
}
