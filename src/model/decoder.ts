import * as tf from '@tensorflow/tfjs';
import { type ModelConfig, isOfficialDetr, isConditionalDetr, isDabDetr, msDecoderLevel } from './config';
import type { Params } from './params';
import type { DecoderLayerTrace, EncoderOutput, ForwardOptions } from './types';
import { linear, mlp, layerNorm, inverseSigmoid, stopGradient, withoutGradient, decoderFfn } from './layers';
import { attend, splitHeads, mergeHeads } from './attention';
import { sineEmbedPoints } from './position';
import { roiAlign, gridSamplePoints, POOL } from './roiAlign';
import { smcaGaussian } from './smca';
import { cxcywhToXyxy } from './boxes';
import { packedProjection } from './encoder';
import { layerDone } from './layerProgress';
import { tidyObject } from './tidy';
import { conditionalSelfAttention } from './conditionalSelfAttention';
import { runConditionalDetrLayers } from './conditionalDecoder';
import { runDabDetrLayers } from './dabDecoder';

interface LayerInput {
  tgt: tf.Tensor3D; // [B, nq, C]
  ref?: tf.Tensor3D; // [B, nq, 4] sigmoid cxcywh (SAM-DETR; DETR layers do not read it)
  enc: EncoderOutput;
}

type LayerResult = Omit<DecoderLayerTrace, 'predLogits' | 'predBoxes' | 'referenceBoxes' | 'hs'> & { hs: tf.Tensor3D; debug?: Record<string, tf.Tensor> };

/** The point2 weight's input columns reordered from PyTorch's (c, y, x) flattening to our NHWC (y, x, c). */
function point2FirstWeight(p: Params, prefix: string, c4: number): tf.Tensor2D {
  return p.custom(`${prefix}.point2.0.weight#nhwc`, (t) => {
    const out = t.shape[0];
    return t.reshape([out, c4, POOL * POOL]).transpose([0, 2, 1]).reshape([out, POOL * POOL * c4]).transpose();
  }) as tf.Tensor2D;
}

/** One SAM-DETR decoder layer: self-attention, Semantics Aligner, (SMCA) cross-attention, FFN. */
function samLayer(p: Params, c: ModelConfig, l: number, { tgt, ref, enc }: LayerInput & { ref: tf.Tensor3D }, opts: ForwardOptions, debug: boolean): LayerResult {
  const prefix = `transformer.decoder.layers.${l}`;
  const d = c.hiddenDim;
  const heads = c.nheads;
  const [b, nq] = tgt.shape;
  const { memory, pos, maskFlat, featH, featW, validRatio } = enc;

  // Self-attention (Conditional DETR's); positions are the sine embedding of the reference centres (no gradient, as officially).
  const center = ref.slice([0, 0, 0], [b, nq, 2]);
  const refSine = withoutGradient(center, (c) => sineEmbedPoints(c, d / 2));
  const sa = conditionalSelfAttention(p, prefix, tgt, refSine, heads);
  const q1 = sa.out;

  // Semantics Aligner: RoIAlign in the reference box, one salient point per head.
  const vr4 = tf.tile(validRatio, [1, 2]).reshape([b, 1, 4]);
  const roiBoxes = tf.mul(tf.mul(cxcywhToXyxy(ref), tf.tensor1d([featW, featH, featW, featH])), vr4) as tf.Tensor3D;
  const memory2d = memory.reshape([b, featH, featW, d]) as tf.Tensor4D;
  const roi = roiAlign(memory2d, roiBoxes); // [B*nq, 7, 7, C]
  const c4 = d / 4;
  const p1 = tf.relu(tf.add(tf.matMul(roi.reshape([-1, d]), p.custom(`${prefix}.point1.0.weight#linear`, (t) => t.reshape([c4, d]).transpose()) as tf.Tensor2D), p.raw(`${prefix}.point1.0.bias`)));
  let h = tf.add(tf.matMul(p1.reshape([b * nq, POOL * POOL * c4]), point2FirstWeight(p, prefix, c4)), p.raw(`${prefix}.point2.0.bias`));
  const depth = c.point2Hidden.length + 1;
  for (let i = 1; i < depth; i++) h = linear(p, `${prefix}.point2.${2 * i}`, tf.relu(h));
  const point2Out = h.reshape([b, nq, -1]) as tf.Tensor3D;
  const offsets = tf.tanh(h.slice([0, 0], [b * nq, 2 * heads])).reshape([b * nq, heads, 2]) as tf.Tensor3D;
  const smcaScales = c.smca ? (h.slice([0, 2 * heads], [b * nq, 2 * heads]).reshape([b, nq, heads, 2]) as tf.Tensor4D) : undefined;

  // Content: features at the salient points, reweighted per head.
  const sampled = gridSamplePoints(roi, offsets).reshape([b, nq, heads, d]);
  const attn1 = linear(p, `${prefix}.attn1`, q1);
  const qContent = tf.mul(sampled, tf.sigmoid(attn1).reshape([b, nq, heads, d]));

  // Position: sine embedding of the salient points, reweighted per head.
  const centerH = center.reshape([b, nq, 1, 2]);
  const half = tf.mul(ref.slice([0, 0, 2], [b, nq, 2]), 0.5).reshape([b, nq, 1, 2]);
  const salientPoints = tf.add(centerH, tf.mul(half, offsets.reshape([b, nq, heads, 2]))) as tf.Tensor4D;
  const attn2 = linear(p, `${prefix}.attn2`, q1);
  const qPos = tf.mul(withoutGradient(salientPoints, (pts) => sineEmbedPoints(pts, d / 2)), tf.sigmoid(attn2).reshape([b, nq, heads, d]));

  // Cross-attention: per-head queries of width d against keys shared by all heads.
  const q = tf.add(linear(p, `${prefix}.ca_qcontent_proj`, qContent), mlp(p, `${prefix}.ca_qpos_sine_proj`, qPos, 2));
  const qScaled = tf.mul(q, d ** -0.5).transpose([0, 2, 1, 3]).reshape([b * heads, nq, d]) as tf.Tensor3D;
  const k = tf.add(linear(p, `${prefix}.ca_kcontent_proj`, memory), mlp(p, `${prefix}.ca_kpos_sine_proj`, pos, 2));
  const v = linear(p, `${prefix}.ca_v_proj`, memory);
  const usePrior = c.smca && opts.smcaPrior !== false;
  const gaussian = usePrior && smcaScales ? smcaGaussian(salientPoints, smcaScales, validRatio, featH, featW) : undefined;
  const ca = attend(qScaled, k as tf.Tensor3D, splitHeads(v, heads), b, maskFlat, gaussian); // keys shared by all heads
  const caOut = linear(p, `${prefix}.cross_attn.out_proj`, mergeHeads(ca.out, b));
  const q2 = layerNorm(p, `${prefix}.norm2`, tf.add(q1, caOut));
  const hs = decoderFfn(p, prefix, q2);

  return {
    roiBoxes,
    salientOffsets: offsets.reshape([b, nq, heads, 2]) as tf.Tensor4D,
    salientPoints,
    salientPointsPx: tf.mul(salientPoints, tf.tensor1d([enc.inputSize[1], enc.inputSize[0]])) as tf.Tensor4D,
    point2Out,
    smcaScales,
    gaussian,
    crossAttn: ca.weights,
    selfAttn: sa.weights,
    hs,
    debug: debug ? { attn1, attn2 } : undefined,
  };
}

/**
 * A DETR decoder layer, for the baseline and official DETR alike (they are the same
 * computation; only two parameter names differ, see ModelConfig.detrStyle): zeros in at
 * layer 0, learned query positions added to q and k of self-attention and to the query of
 * cross-attention, sine positions added to the keys, post-norm sublayers.
 */
function detrLayer(p: Params, c: ModelConfig, l: number, { tgt, enc }: LayerInput): LayerResult {
  const prefix = `transformer.decoder.layers.${l}`;
  const official = isOfficialDetr(c);
  const crossAttn = `${prefix}.${official ? 'multihead_attn' : 'cross_attn'}`;
  const d = c.hiddenDim;
  const heads = c.nheads;
  const [b] = tgt.shape;
  const scale = (d / heads) ** -0.5;
  const queryPos = p.raw(official ? 'query_embed.weight' : 'query_pos_embed.weight').expandDims(0);
  const qk = tf.add(tgt, queryPos);
  const saQ = tf.mul(packedProjection(p, `${prefix}.self_attn`, 0, qk, d), scale);
  const saK = packedProjection(p, `${prefix}.self_attn`, 1, qk, d);
  const saV = packedProjection(p, `${prefix}.self_attn`, 2, tgt, d);
  const sa = attend(splitHeads(saQ, heads), splitHeads(saK, heads), splitHeads(saV, heads), b);
  const q1 = layerNorm(p, `${prefix}.norm1`, tf.add(tgt, linear(p, `${prefix}.self_attn.out_proj`, mergeHeads(sa.out, b)))) as tf.Tensor3D;
  const caQ = tf.mul(packedProjection(p, crossAttn, 0, tf.add(q1, queryPos), d), scale);
  const caK = packedProjection(p, crossAttn, 1, tf.add(enc.memory, enc.pos), d);
  const caV = packedProjection(p, crossAttn, 2, enc.memory, d);
  const ca = attend(splitHeads(caQ, heads), splitHeads(caK, heads), splitHeads(caV, heads), b, enc.maskFlat);
  const q2 = layerNorm(p, `${prefix}.norm2`, tf.add(q1, linear(p, `${crossAttn}.out_proj`, mergeHeads(ca.out, b))));
  return { crossAttn: ca.weights, selfAttn: sa.weights, hs: decoderFfn(p, prefix, q2) };
}

type LayerTrace = DecoderLayerTrace & { debug?: Record<string, tf.Tensor> };

/**
 * The decoder: reference boxes start as sigmoid(query_embed) and are refined layer by
 * layer in logit space with the previous layer's box head (detached, as officially).
 * Official DETR has no reference boxes and shares its heads (runOfficialDetrLayers); Conditional
 * DETR has one reference point per query and a layer of its own (conditionalDecoder.ts), which
 * DAB-DETR runs on anchor boxes refined by every layer (dabDecoder.ts).
 */
export function runDecoderLayers(p: Params, c: ModelConfig, enc: EncoderOutput, opts: ForwardOptions, debug = false): LayerTrace[] {
  if (isOfficialDetr(c)) return runOfficialDetrLayers(p, c, enc);
  if (isConditionalDetr(c)) return runConditionalDetrLayers(p, c, enc, opts);
  if (isDabDetr(c)) return runDabDetrLayers(p, c, enc);
  const b = enc.memory.shape[0];
  const d = c.hiddenDim;
  const layers: LayerTrace[] = [];
  let refLogit = tf.tile(p.raw('query_embed.weight').expandDims(0), [b, 1, 1]) as tf.Tensor3D;
  let tgt = tf.zeros([b, c.numQueries, d]) as tf.Tensor3D;
  for (let l = 0; l < c.decLayers; l++) {
    // Each layer in its own tidy scope, so only what it returns (its trace and what the next
    // layer reads) outlives it. Without it, every layer's intermediates (RoIAlign's row products
    // alone are [nq*7, W*C], ~80 MB at 800x1207) stay allocated until the whole decoder ends:
    // ~650 MB per layer, which ran wasm's 4 GB heap out at official size. Tensors a gradient
    // needs are kept by the tape itself, so training is unaffected.
    const step = tidyObject(() => {
      const logit = l > 0 ? (stopGradient(tf.add(mlp(p, `bbox_embed.${l - 1}`, tgt, 3), refLogit)) as tf.Tensor3D) : refLogit;
      const ref = tf.sigmoid(logit) as tf.Tensor3D;
      // Multi-scale: layer pairs read one level each, coarse to fine (memory, pos, mask, size, valid ratio).
      const input = { tgt, ref, enc: enc.levels ? { ...enc, ...enc.levels[msDecoderLevel(l)] } : enc };
      const res = c.decoder === 'sam' ? samLayer(p, c, l, input, opts, debug) : detrLayer(p, c, l, input);
      const predBoxes = tf.sigmoid(tf.add(inverseSigmoid(ref), mlp(p, `bbox_embed.${l}`, res.hs, 3))) as tf.Tensor3D;
      const predLogits = linear(p, `class_embed.${l}`, res.hs) as tf.Tensor3D;
      return { trace: { ...res, referenceBoxes: ref, predBoxes, predLogits }, refLogit: logit };
    });
    layers.push(step.trace);
    refLogit = step.refLogit;
    tgt = step.trace.hs;
    layerDone('decoder', l + 1, c.decLayers);
  }
  return layers;
}


/**
 * facebookresearch/detr: every layer's output goes through the one shared LayerNorm
 * (`transformer.decoder.norm`) and then the shared heads; the next layer gets the output
 * before that norm. Logits are numClasses + 1 wide (softmax, the last is "no object"); boxes
 * are sigmoid(MLP(hs)) with no reference box. The trace's `hs` is the normalised output, what
 * the heads see.
 */
function runOfficialDetrLayers(p: Params, c: ModelConfig, enc: EncoderOutput): LayerTrace[] {
  const b = enc.memory.shape[0];
  const layers: LayerTrace[] = [];
  let tgt = tf.zeros([b, c.numQueries, c.hiddenDim]) as tf.Tensor3D;
  for (let l = 0; l < c.decLayers; l++) {
    const step = tidyObject(() => { // one tidy scope per layer, as above
      const res = detrLayer(p, c, l, { tgt, enc });
      const hs = layerNorm(p, 'transformer.decoder.norm', res.hs) as tf.Tensor3D;
      const predLogits = linear(p, 'class_embed', hs) as tf.Tensor3D;
      const predBoxes = tf.sigmoid(mlp(p, 'bbox_embed', hs, 3)) as tf.Tensor3D;
      return { trace: { crossAttn: res.crossAttn, selfAttn: res.selfAttn, hs, predBoxes, predLogits }, next: res.hs };
    });
    layers.push(step.trace);
    tgt = step.next;
    layerDone('decoder', l + 1, c.decLayers);
  }
  return layers;
}
