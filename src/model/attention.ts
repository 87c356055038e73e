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
  if (vec4Layout(q.shape[2], v.shape[2])) return attendVec4(q, k, v, batch, keyMask, bias);
  let logits = (sharedKeys ? tf.matMul(q.reshape([batch, heads * lq, q.shape[2]]), k, false, true) : tf.matMul(q, k, false, true)).reshape([batch, heads, lq, lk]);
  if (keyMask) logits = tf.add(logits, tf.mul(keyMask.reshape([batch, 1, 1, lk]), MASKED_LOGIT));
  if (bias) logits = tf.add(logits, bias);
  const weights = tf.softmax(logits) as tf.Tensor4D;
  const out = tf.matMul(weights.reshape([bh, lq, lk]), v) as tf.Tensor3D;
  return { out, weights };
}

/**
 * Which layout attend gives its products: 'auto' (the vec4 one on WebGPU, see attendVec4; the
 * plain one elsewhere), or either one forced (tests).
 */
export const attendLayout: { mode: 'auto' | 'vec4' | 'plain' } = { mode: 'auto' };

/** Whether attend takes the vec4 layout for per-head key and value widths dq, dv. */
export function vec4Layout(dq: number, dv: number): boolean {
  if (attendLayout.mode !== 'auto') return attendLayout.mode === 'vec4';
  return dq % 4 === 0 && dv % 4 === 0 && tf.getBackend() === 'webgpu';
}

/**
 * attend with both products on tfjs-backend-webgpu's vec4 matmul (4.22 takes it only with B not
 * transposed and the inner and output sizes divisible by 4): the keys are transposed once and
 * they and the values are zero-padded to a multiple of 4 keys, the padded keys masked like padded
 * pixels (their weights are exactly 0); the weights returned are cut back to Lk. The same values
 * as the plain form up to float32 summation order. On SwiftShader the official-size products took
 * 1.75 s instead of 3.26 s (cross-attention logits, 850 keys) and 1.22 s instead of 1.98 s
 * (encoder, per layer). Not used elsewhere: wasm's BatchMatMul (src/backend) transposes a
 * transposed operand once itself.
 */
function attendVec4(q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D, batch: number, keyMask?: tf.Tensor2D, bias?: tf.Tensor4D): { out: tf.Tensor3D; weights: tf.Tensor4D } {
  const [bh, lq, dq] = q.shape;
  const lk = k.shape[1];
  const heads = bh / batch;
  const sharedKeys = k.shape[0] === batch && heads > 1;
  const lkp = Math.ceil(lk / 4) * 4;
  const pad = lkp - lk;
  const padKeys = (x: tf.Tensor3D) => (pad ? tf.pad(x, [[0, 0], [0, pad], [0, 0]]) : x);
  const kT = tf.transpose(padKeys(k), [0, 2, 1]) as tf.Tensor3D; // [*, dq, lkp]
  let logits = (sharedKeys ? tf.matMul(q.reshape([batch, heads * lq, dq]), kT) : tf.matMul(q, kT)).reshape([batch, heads, lq, lkp]);
  const mask = pad ? tf.concat([keyMask ?? tf.zeros([batch, lk]), tf.ones([batch, pad])], 1) : keyMask;
  if (mask) logits = tf.add(logits, tf.mul(mask.reshape([batch, 1, 1, lkp]), MASKED_LOGIT));
  if (bias) logits = tf.add(logits, pad ? tf.pad(bias, [[0, 0], [0, 0], [0, 0], [0, pad]]) : bias);
  const padded = tf.softmax(logits) as tf.Tensor4D;
  const out = tf.matMul(padded.reshape([bh, lq, lkp]), padKeys(v)) as tf.Tensor3D;
  const weights = pad ? (tf.slice(padded, [0, 0, 0, 0], [batch, heads, lq, lk]) as tf.Tensor4D) : padded;
  return { out, weights };
}
