import * as tf from '@tensorflow/tfjs';
import type { Params } from './params';
import { linear, layerNorm } from './layers';
import { attend, splitHeads, mergeHeads } from './attention';

/**
 * Conditional DETR's decoder self-attention, which SAM-DETR's decoder inherits with the same
 * parameter names: content and position are projected separately (sa_qcontent_proj + sa_qpos_proj
 * for q, sa_kcontent_proj + sa_kpos_proj for k, sa_v_proj for v; there is no packed in_proj),
 * q is scaled by head_dim^-0.5 after the sum, then self_attn.out_proj, the residual and norm1.
 * `queryPos` is what the layer takes as the queries' position: Conditional DETR's learned
 * query_embed ([1, nq, C], broadcast over the batch), SAM-DETR's sine of the reference centres.
 */
export function conditionalSelfAttention(p: Params, prefix: string, tgt: tf.Tensor3D, queryPos: tf.Tensor, heads: number): { out: tf.Tensor3D; weights: tf.Tensor4D } {
  const [b, , d] = tgt.shape;
  const q = tf.mul(tf.add(linear(p, `${prefix}.sa_qcontent_proj`, tgt), linear(p, `${prefix}.sa_qpos_proj`, queryPos)), (d / heads) ** -0.5);
  const k = tf.add(linear(p, `${prefix}.sa_kcontent_proj`, tgt), linear(p, `${prefix}.sa_kpos_proj`, queryPos));
  const v = linear(p, `${prefix}.sa_v_proj`, tgt);
  const sa = attend(splitHeads(q, heads), splitHeads(k, heads), splitHeads(v, heads), b);
  const attnOut = linear(p, `${prefix}.self_attn.out_proj`, mergeHeads(sa.out, b));
  return { out: layerNorm(p, `${prefix}.norm1`, tf.add(tgt, attnOut)) as tf.Tensor3D, weights: sa.weights };
}
