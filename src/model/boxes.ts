import * as tf from '@tensorflow/tfjs';

/** [..., 4] cxcywh -> x1y1x2y2 */
export function cxcywhToXyxy(b: tf.Tensor): tf.Tensor {
  const lead = b.shape.slice(0, -1);
  const start = lead.map(() => 0);
  const cxcy = b.slice([...start, 0], [...lead, 2]);
  const half = tf.mul(b.slice([...start, 2], [...lead, 2]), 0.5);
  return tf.concat([tf.sub(cxcy, half), tf.add(cxcy, half)], b.rank - 1);
}
