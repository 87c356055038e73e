import * as tf from '@tensorflow/tfjs';

/** Large negative logit for padded keys (exp underflows to exactly 0, like -inf, without NaN risk). */
export const MASKED_LOGIT = -1e30;

/** [B, L, heads*d] -> [B*heads, L, d] */
export function splitHeads(x: tf.Tensor, heads: number): tf.Tensor3D {
  const [b, l, hd] = x.shape as [number, number, number];
  return x.reshape([b, l, heads, hd / heads]).transpose([0, 2, 1, 3]).reshape([b * heads, l, hd / heads]);
}

/** [B*heads, L, d] -> [B, L, heads*d] */
export function mergeHeads(x: tf.Tensor, batch: number): tf.Tensor3D {
  const [bh, l, d] = x.shape as [number, number, number];
  const heads = bh / batch;
  return x.reshape([batch, heads, l, d]).transpose([0, 2, 1, 3]).reshape([batch, l, heads * d]);
}

/**
 * Softmax attention core. q: [B*heads, Lq, dq] (already scaled), k: [B*heads, Lk, dq]
 * (or [B, Lk, dq] when all heads share the keys, as in SAM-DETR's cross-attention),
 * v: [B*heads, Lk, dv]; keyMask [B, Lk] (1 = padded) and additive bias [B, heads, Lq, Lk].
 * Returns the output [B*heads, Lq, dv] and the weights [B, heads, Lq, Lk].
 */
export function attend(
  q: tf.Tensor3D,
  k: tf.Tensor3D,
  v: tf.Tensor3D,
  batch: number,
  keyMask?: tf.Tensor2D,
  bias?: tf.Tensor4D,
): { out: tf.Tensor3D; weights: tf.Tensor4D } {
  const [bh, lq] = q.shape;
  const lk = k.shape[1];
  const heads = bh / batch;
  const sharedKeys = k.shape[0] === batch && heads > 1;
  let logits = (sharedKeys ? tf.matMul(q.reshape([batch, heads * lq, q.shape[2]]), k, false, true) : tf.matMul(q, k, false, true)).reshape([batch, heads, lq, lk]);
  if (keyMask) logits = tf.add(logits, tf.mul(keyMask.reshape([batch, 1, 1, lk]), MASKED_LOGIT));
  if (bias) logits = tf.add(logits, bias);
  const weights = tf.softmax(logits) as tf.Tensor4D;
  const out = tf.matMul(weights.reshape([bh, lq, lk]), v) as tf.Tensor3D;
  return { out, weights };
}
