import * as tf from '@tensorflow/tfjs';

/**
 * Box math on tensors. `cxcywhToXyxy` is the decoder's (inference; slices); the `...T` functions
 * are the training losses' (differentiable with only the ops whose gradients the wasm backend
 * has). Their plain-number counterparts are in src/geometry/boxes.ts.
 */

/** [..., 4] cxcywh -> x1y1x2y2 */
export function cxcywhToXyxy(b: tf.Tensor): tf.Tensor {
  const lead = b.shape.slice(0, -1);
  const start = lead.map(() => 0);
  const cxcy = b.slice([...start, 0], [...lead, 2]);
  const half = tf.mul(b.slice([...start, 2], [...lead, 2]), 0.5);
  return tf.concat([tf.sub(cxcy, half), tf.add(cxcy, half)], b.rank - 1);
}

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
