import * as tf from '@tensorflow/tfjs';
import { MASKED_LOGIT, splitHeads } from './attention';

/**
 * The attention one part of a split query and key would give on its own: softmax over the keys
 * of (q·k) * scale per head, padded keys masked as in the whole attention. q: [B, Lq, C], k:
 * [B, Lk, C], keyMask [B, Lk] (1 = padded); returns [B, heads, Lq, Lk].
 *
 * With the same scale as the whole logit, the parts' log-weights add up to the whole logit less a
 * constant per query, so softmax(log part1 + log part2) is the whole attention: what the unit test
 * checks, and what makes the split faithful rather than a second model.
 */
export function partAttention(q: tf.Tensor3D, k: tf.Tensor3D, heads: number, scale: number, keyMask?: tf.Tensor2D): tf.Tensor4D {
  return tf.tidy(() => {
    const b = q.shape[0];
    const [lq, lk] = [q.shape[1], k.shape[1]];
    let logits = tf.matMul(splitHeads(tf.mul(q, scale), heads), splitHeads(k, heads), false, true).reshape([b, heads, lq, lk]);
    if (keyMask) logits = tf.add(logits, tf.mul(keyMask.reshape([b, 1, 1, lk]), MASKED_LOGIT));
    return tf.softmax(logits) as tf.Tensor4D;
  });
}
