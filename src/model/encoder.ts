import * as tf from '@tensorflow/tfjs';
import { type ModelConfig, isDabDetr } from './config';
import type { Params } from './params';
import { linear, layerNorm, mlp, ffn } from './layers';
import { attend, splitHeads, mergeHeads } from './attention';

/** nn.MultiheadAttention's packed in-projection: rows [q; k; v] of in_proj_weight. */
export function packedProjection(p: Params, prefix: string, which: 0 | 1 | 2, x: tf.Tensor, d: number): tf.Tensor {
  const w = p.custom(`${prefix}.in_proj_weight#${which}`, (t) => t.slice([which * d, 0], [d, t.shape[1]!]).transpose());
  const b = p.custom(`${prefix}.in_proj_bias#${which}`, (t) => t.slice([which * d], [d]));
  const [bs, l] = x.shape;
  return tf.add(tf.matMul(x.reshape([bs * l!, d]), w as tf.Tensor2D), b).reshape([bs, l!, d]);
}

/**
 * Scaled q, k and v of nn.MultiheadAttention (q scaled by head_dim^-0.5 after its bias).
 * DAB-DETR's encoder rescales the positions of every layer by an MLP of that layer's input
 * (`transformer.encoder.query_scale`, shared by the layers) before adding them to q and k; here,
 * so that the attention rows recomputed for the page see the same positions as the forward.
 */
function encoderQkv(p: Params, c: ModelConfig, prefix: string, src: tf.Tensor3D, pos: tf.Tensor3D) {
  const d = c.hiddenDim;
  const layerPos = isDabDetr(c) ? tf.mul(pos, mlp(p, 'transformer.encoder.query_scale', src, 2)) : pos;
  const qk = tf.add(src, layerPos);
  const q = tf.mul(packedProjection(p, prefix, 0, qk, d), (d / c.nheads) ** -0.5);
  const k = packedProjection(p, prefix, 1, qk, d);
  const v = packedProjection(p, prefix, 2, src, d);
  return { q, k, v };
}

/** One post-norm encoder layer. */
export function encoderLayer(p: Params, c: ModelConfig, l: number, src: tf.Tensor3D, pos: tf.Tensor3D, maskFlat: tf.Tensor2D): tf.Tensor3D {
  const prefix = `transformer.encoder.layers.${l}`;
  const batch = src.shape[0];
  const { q, k, v } = encoderQkv(p, c, `${prefix}.self_attn`, src, pos);
  const { out } = attend(splitHeads(q, c.nheads), splitHeads(k, c.nheads), splitHeads(v, c.nheads), batch, maskFlat);
  const attnOut = linear(p, `${prefix}.self_attn.out_proj`, mergeHeads(out, batch));
  let x = layerNorm(p, `${prefix}.norm1`, tf.add(src, attnOut));
  x = layerNorm(p, `${prefix}.norm2`, tf.add(x, ffn(p, prefix, x, isDabDetr(c) ? 'prelu' : 'relu')));
  return x as tf.Tensor3D;
}

/**
 * The encoder self-attention of one location, per head ([heads, h*w]), recomputed from the
 * layer's input so that the full [heads, hw, hw] maps never need to be kept.
 */
export function encoderAttentionFromLayerInput(
  p: Params, c: ModelConfig, l: number, src: tf.Tensor3D, pos: tf.Tensor3D, maskFlat: tf.Tensor2D, b: number, index: number,
): tf.Tensor2D {
  return tf.tidy(() => {
    const [, hw, d] = src.shape;
    const s = src.slice([b, 0, 0], [1, hw, d]);
    const ps = pos.slice([b, 0, 0], [1, hw, d]);
    const { q, k } = encoderQkv(p, c, `transformer.encoder.layers.${l}.self_attn`, s, ps);
    const qRow = q.slice([0, index, 0], [1, 1, d]);
    const { weights } = attend(splitHeads(qRow, c.nheads), splitHeads(k, c.nheads), splitHeads(k, c.nheads), 1, maskFlat.slice([b, 0], [1, hw]));
    return weights.reshape([c.nheads, hw]) as tf.Tensor2D;
  });
}

/**
 * The full self-attention maps of encoder layer `l` ([B, heads, h*w, h*w], after softmax),
 * recomputed from the layer's input (EncoderOutput.layerInputs): for parity checks and
 * small maps only; the app asks for one row at a time (encoderAttentionFromLayerInput).
 */
export function encoderSelfAttention(p: Params, c: ModelConfig, l: number, src: tf.Tensor3D, pos: tf.Tensor3D, maskFlat: tf.Tensor2D): tf.Tensor4D {
  return tf.tidy(() => {
    const { q, k, v } = encoderQkv(p, c, `transformer.encoder.layers.${l}.self_attn`, src, pos);
    return attend(splitHeads(q, c.nheads), splitHeads(k, c.nheads), splitHeads(v, c.nheads), src.shape[0], maskFlat).weights;
  });
}
