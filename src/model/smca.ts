import * as tf from '@tensorflow/tfjs';

/**
 * SMCA's Gaussian-like log-weight map: for each head's salient point p (relative to the
 * padded input, scaled to feature cells by (W, H) and the valid ratio) and its predicted
 * scales s, map(x, y) = -(sx^2 (px - x - 0.5)^2 + sy^2 (py - y - 0.5)^2) / 8.
 * points, scales: [B, nq, heads, 2]; validRatio: [B, 2] (w, h). Returns [B, heads, nq, H*W].
 */
export function smcaGaussian(points: tf.Tensor4D, scales: tf.Tensor4D, validRatio: tf.Tensor2D, featH: number, featW: number): tf.Tensor4D {
  const [b, nq, heads] = points.shape;
  // Heads before queries on the small inputs, and the / 8 (exact: a power of two) on each axis
  // term: the one [B, heads, nq, H, W] tensor made is then the result itself. (Negating,
  // dividing and transposing it made four such tensors: 123 MB each at stride 8, 800x1066.)
  const vr = validRatio.reshape([b, 1, 1, 2]);
  const gp = tf.mul(tf.mul(points.transpose([0, 2, 1, 3]), tf.tensor1d([featW, featH])), vr); // [B, heads, nq, 2]
  const sc = scales.transpose([0, 2, 1, 3]);
  const part = (t: tf.Tensor, k: number) => t.slice([0, 0, 0, k], [b, heads, nq, 1]); // [B, heads, nq, 1]
  const dx2 = tf.square(tf.sub(part(gp, 0), tf.add(tf.range(0, featW), 0.5).reshape([1, 1, 1, featW])));
  const dy2 = tf.square(tf.sub(part(gp, 1), tf.add(tf.range(0, featH), 0.5).reshape([1, 1, 1, featH])));
  const ex = tf.div(tf.mul(dx2, tf.square(part(sc, 0))), -8).reshape([b, heads, nq, 1, featW]);
  const ey = tf.div(tf.mul(dy2, tf.square(part(sc, 1))), -8).reshape([b, heads, nq, featH, 1]);
  return tf.add(ex, ey).reshape([b, heads, nq, featH * featW]) as tf.Tensor4D;
}
