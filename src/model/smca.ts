import * as tf from '@tensorflow/tfjs';

/**
 * SMCA's Gaussian-like log-weight map: for each head's salient point p (relative to the
 * padded input, scaled to feature cells by (W, H) and the valid ratio) and its predicted
 * scales s, map(x, y) = -(sx^2 (px - x - 0.5)^2 + sy^2 (py - y - 0.5)^2) / 8.
 * points, scales: [B, nq, heads, 2]; validRatio: [B, 2] (w, h). Returns [B, heads, nq, H*W].
 */
export function smcaGaussian(points: tf.Tensor4D, scales: tf.Tensor4D, validRatio: tf.Tensor2D, featH: number, featW: number): tf.Tensor4D {
  const [b, nq, heads] = points.shape;
  const vr = validRatio.reshape([b, 1, 1, 2]);
  const gp = tf.mul(tf.mul(points, tf.tensor1d([featW, featH])), vr);
  const part = (t: tf.Tensor, k: number) => t.slice([0, 0, 0, k], [b, nq, heads, 1]); // [B, nq, heads, 1]
  const dx2 = tf.square(tf.sub(part(gp, 0), tf.add(tf.range(0, featW), 0.5).reshape([1, 1, 1, featW])));
  const dy2 = tf.square(tf.sub(part(gp, 1), tf.add(tf.range(0, featH), 0.5).reshape([1, 1, 1, featH])));
  const sx2 = tf.square(part(scales, 0));
  const sy2 = tf.square(part(scales, 1));
  const ex = tf.mul(dx2, sx2).reshape([b, nq, heads, 1, featW]);
  const ey = tf.mul(dy2, sy2).reshape([b, nq, heads, featH, 1]);
  const g = tf.div(tf.neg(tf.add(ex, ey)), 8); // [B, nq, heads, H, W]
  return g.transpose([0, 2, 1, 3, 4]).reshape([b, heads, nq, featH * featW]) as tf.Tensor4D;
}
