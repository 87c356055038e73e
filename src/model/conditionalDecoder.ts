import * as tf from '@tensorflow/tfjs';
import { type ModelConfig, isDabDetr } from './config';
import type { Params } from './params';
import type { DecoderLayerTrace, EncoderOutput, ForwardOptions } from './types';
import { linear, mlp, layerNorm, inverseSigmoid, decoderFfn } from './layers';
import { attend, splitHeads, mergeHeads } from './attention';
import { sineEmbedPoints } from './position';
import { conditionalSelfAttention } from './conditionalSelfAttention';
import { layerDone } from './layerProgress';
import { tidyObject } from './tidy';
import { partAttention } from './attentionParts';

/**
 * [B, L, C] content and [B, L, C] position -> [B, L, 2C], per head [content_h, position_h]: the
 * layout the official decoder builds with view(..., heads, C / heads) and cat on the last axis,
 * so that one dot product per head is content.content + position.position.
 */
function concatPerHead(content: tf.Tensor, position: tf.Tensor, heads: number): tf.Tensor3D {
  const [b, l, d] = content.shape as [number, number, number];
  const perHead = (x: tf.Tensor) => x.reshape([b, l, heads, d / heads]);
  return tf.concat([perHead(content), perHead(position)], 3).reshape([b, l, 2 * d]) as tf.Tensor3D;
}

export interface ConditionalLayerInput {
  tgt: tf.Tensor3D; // [B, nq, C], zeros at layer 0 (DAB-DETR with patterns: the pattern embeddings)
  queryPos: tf.Tensor3D; // [1, nq, C] learned query_embed (DAB-DETR: [B, nq, C], ref_point_head of the anchor's sine embedding)
  querySineEmbed: tf.Tensor3D; // [B, nq, C]
  enc: EncoderOutput;
  /** Also return the spatial and content parts of the cross-attention, each softmaxed alone (DecoderLayerTrace.spatialAttn). */
  parts?: boolean;
}

/**
 * One Conditional DETR decoder layer (post-norm): self-attention with separate content and
 * position projections; cross-attention whose per-head query is [content, spatial] and key
 * [content, sine position], so the attention's head width is 2C / heads and q is scaled by its
 * inverse square root; FFN. Layer 0 alone also adds the learned query position to the content
 * query (ca_qpos_proj) and the key position to the content key, as DETR does: the official
 * decoder drops ca_qpos_proj from the other layers. DAB-DETR's layer is this one with PReLU in
 * the FFN instead of ReLU.
 */
export function conditionalLayer(p: Params, c: ModelConfig, l: number, { tgt, queryPos, querySineEmbed, enc, parts }: ConditionalLayerInput) {
  const prefix = `transformer.decoder.layers.${l}`;
  const d = c.hiddenDim;
  const heads = c.nheads;
  const b = tgt.shape[0];
  const sa = conditionalSelfAttention(p, prefix, tgt, queryPos, heads);
  const q1 = sa.out;

  let qContent = linear(p, `${prefix}.ca_qcontent_proj`, q1);
  let kContent = linear(p, `${prefix}.ca_kcontent_proj`, enc.memory);
  const v = linear(p, `${prefix}.ca_v_proj`, enc.memory);
  const kPos = linear(p, `${prefix}.ca_kpos_proj`, enc.pos);
  if (l === 0) {
    qContent = tf.add(qContent, linear(p, `${prefix}.ca_qpos_proj`, queryPos));
    kContent = tf.add(kContent, kPos);
  }
  const qSpatial = linear(p, `${prefix}.ca_qpos_sine_proj`, querySineEmbed);
  const scale = ((2 * d) / heads) ** -0.5;
  const q = tf.mul(concatPerHead(qContent, qSpatial, heads), scale);
  const k = concatPerHead(kContent, kPos, heads);
  const ca = attend(splitHeads(q, heads), splitHeads(k, heads), splitHeads(v, heads), b, enc.maskFlat);
  const q2 = layerNorm(p, `${prefix}.norm2`, tf.add(q1, linear(p, `${prefix}.cross_attn.out_proj`, mergeHeads(ca.out, b))));
  // The concatenated per-head logit is q_content·k_content + q_spatial·k_pos, both at the whole logit's scale.
  const split = parts
    ? { spatialAttn: partAttention(qSpatial as tf.Tensor3D, kPos as tf.Tensor3D, heads, scale, enc.maskFlat), contentAttn: partAttention(qContent as tf.Tensor3D, kContent as tf.Tensor3D, heads, scale, enc.maskFlat) }
    : {};
  return { crossAttn: ca.weights, selfAttn: sa.weights, hs: decoderFfn(p, prefix, q2, isDabDetr(c) ? 'prelu' : 'relu'), ...split };
}

/**
 * Conditional DETR's decoder. The reference point of each query, s = sigmoid(ref_point_head(
 * query_embed)), is computed once and read by every layer: its sine embedding (gen_sineembed:
 * [y, x], 2π, no offset) is the spatial query, times query_scale(output of the previous layer)
 * from layer 1 on (layer 0 takes it as is). Every layer's output goes through the one shared
 * LayerNorm (`transformer.decoder.norm`) to the shared heads; the next layer reads it before that
 * norm. Box = sigmoid(bbox_embed(normed) + (inverse_sigmoid(s), 0, 0)); sigmoid focal classes.
 */
export function runConditionalDetrLayers(p: Params, c: ModelConfig, enc: EncoderOutput, opts: ForwardOptions = {}): DecoderLayerTrace[] {
  const b = enc.memory.shape[0];
  const d = c.hiddenDim;
  const queryPos = p.raw('query_embed.weight').expandDims(0) as tf.Tensor3D;
  const refPoints = tf.tile(tf.sigmoid(mlp(p, 'transformer.decoder.ref_point_head', queryPos, 2)), [b, 1, 1]) as tf.Tensor3D;
  const refSine = sineEmbedPoints(refPoints, d / 2) as tf.Tensor3D;
  const boxOffset = tf.concat([inverseSigmoid(refPoints), tf.zerosLike(refPoints)], 2);
  const layers: DecoderLayerTrace[] = [];
  let tgt = tf.zeros([b, c.numQueries, d]) as tf.Tensor3D;
  for (let l = 0; l < c.decLayers; l++) {
    const trace = tidyObject(() => { // one tidy scope per layer, as in runDecoderLayers
      const querySineEmbed = (l === 0 ? tf.clone(refSine) : tf.mul(refSine, mlp(p, 'transformer.decoder.query_scale', tgt, 2))) as tf.Tensor3D;
      const res = conditionalLayer(p, c, l, { tgt, queryPos, querySineEmbed, enc, parts: opts.attentionParts });
      const normed = layerNorm(p, 'transformer.decoder.norm', res.hs);
      const predLogits = linear(p, 'class_embed', normed) as tf.Tensor3D;
      const predBoxes = tf.sigmoid(tf.add(mlp(p, 'bbox_embed', normed, 3), boxOffset)) as tf.Tensor3D;
      // Each layer's trace owns its handle on the shared reference points, so traces can be disposed one by one.
      return { ...res, referencePoints: tf.clone(refPoints), querySineEmbed, predLogits, predBoxes };
    });
    layers.push(trace);
    tgt = trace.hs;
    layerDone('decoder', l + 1, c.decLayers);
  }
  return layers;
}
