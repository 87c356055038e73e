import * as tf from '@tensorflow/tfjs';
import { type ModelConfig, twoStageProposals } from './config';
import type { Params } from './params';
import type { DecoderLayerTrace, DecoderOutput, EncoderOutput } from './types';
import { linear, mlp, layerNorm, inverseSigmoid, stopGradient, decoderFfn } from './layers';
import { attend, splitHeads, mergeHeads } from './attention';
import { packedProjection } from './encoder';
import { msDeformAttention } from './msDeformAttn';
import { sineEmbedBoxesInOrder } from './position';
import { layerDone } from './layerProgress';
import { tidyObject } from './tidy';

/** The concatenated memory's levels as the decoder reads them: sizes and [B, L, 2] valid ratios (w, h). */
function levelsOf(enc: EncoderOutput): { shapes: [number, number][]; validRatios: tf.Tensor3D } {
  const levels = enc.levels;
  if (!levels) throw new Error('Deformable DETR needs the multi-level encoder output');
  return {
    shapes: levels.map((lv) => [lv.featH, lv.featW] as [number, number]),
    validRatios: tf.stack(levels.map((lv) => lv.validRatio), 1) as tf.Tensor3D,
  };
}

/**
 * Which class and box head decoder layer `l` uses. With box refinement each layer has its own.
 * Without, one head is shared by every layer, and the state dict lists it under every index; a
 * released file holds the same values under each, and the fixtures' loader, assigning the names in
 * order to that one module, leaves the last index's: that is the one read here.
 */
function headIndex(c: ModelConfig, l: number): number {
  return c.withBoxRefine ? l : c.decLayers - 1;
}

/**
 * One Deformable DETR decoder layer (post-norm): packed self-attention with q = k = tgt + query
 * position and no mask, add, norm2; multi-scale deformable cross-attention of tgt + query position
 * around the layer's reference, over the whole memory (padded tokens' values zeroed), add, norm1;
 * FFN, add, norm3.
 */
function deformableLayer(p: Params, c: ModelConfig, l: number, tgt: tf.Tensor3D, queryPos: tf.Tensor3D, levelRefs: tf.Tensor4D, enc: EncoderOutput, shapes: [number, number][]) {
  const prefix = `transformer.decoder.layers.${l}`;
  const d = c.hiddenDim;
  const heads = c.nheads;
  const [b, nq] = tgt.shape;
  const qk = tf.add(tgt, queryPos);
  const q = tf.mul(packedProjection(p, `${prefix}.self_attn`, 0, qk, d), (d / heads) ** -0.5);
  const k = packedProjection(p, `${prefix}.self_attn`, 1, qk, d);
  const v = packedProjection(p, `${prefix}.self_attn`, 2, tgt, d);
  const sa = attend(splitHeads(q, heads), splitHeads(k, heads), splitHeads(v, heads), b);
  const q1 = layerNorm(p, `${prefix}.norm2`, tf.add(tgt, linear(p, `${prefix}.self_attn.out_proj`, mergeHeads(sa.out, b)))) as tf.Tensor3D;
  const ca = msDeformAttention(p, c, `${prefix}.cross_attn`, tf.add(q1, queryPos) as tf.Tensor3D, levelRefs, enc.memory, enc.maskFlat, shapes);
  const q2 = layerNorm(p, `${prefix}.norm1`, tf.add(q1, ca.out));
  const [, , L, P] = ca.weights.shape;
  return {
    hs: decoderFfn(p, prefix, q2),
    selfAttn: sa.weights,
    samplingLocations: ca.locations.reshape([b, nq, heads, L, P, 2]),
    samplingWeights: ca.weights.reshape([b, nq, heads, L, P]),
  };
}

/**
 * Two-stage: one proposal per memory token, a box centred on its cell (x + 0.5, y + 0.5 over the
 * level's unpadded cells) of side 0.05 x 2^level, as logits; a proposal with any coordinate outside
 * (0.01, 0.99), or on a padded token, is +inf and its memory zeroed. The memory goes through
 * enc_output and its norm, then the extra heads (index decLayers): class logits, and box logits
 * added to the proposal's. The top numQueries tokens by class-0 logit give the queries: their
 * boxes (sigmoid) are the first references, and the sine embedding of those boxes (hiddenDim / 2
 * features per coordinate: the official 128, hard-coded there for hiddenDim 256) through pos_trans
 * and its norm gives the query positions (first half) and contents (second half).
 */
function twoStageQueries(p: Params, c: ModelConfig, enc: EncoderOutput, shapes: [number, number][]) {
  const d = c.hiddenDim;
  const [b, s] = enc.maskFlat.shape;
  const grids = shapes.map(([h, w], l) => {
    const notMask = tf.sub(1, enc.levels![l].maskFlat.reshape([b, h, w]));
    const validW = tf.sum(notMask.slice([0, 0, 0], [b, 1, w]), [1, 2]).reshape([b, 1, 1]);
    const validH = tf.sum(notMask.slice([0, 0, 0], [b, h, 1]), [1, 2]).reshape([b, 1, 1]);
    const xs = tf.add(tf.range(0, w), 0.5).reshape([1, 1, w]).tile([1, h, 1]).reshape([1, h * w, 1]);
    const ys = tf.add(tf.range(0, h), 0.5).reshape([1, h, 1]).tile([1, 1, w]).reshape([1, h * w, 1]);
    const side = tf.fill([b, h * w, 2], 0.05 * 2 ** l);
    return tf.concat([tf.div(xs, validW), tf.div(ys, validH), side], 2); // [B, hw, 4]
  });
  const proposals = tf.concat(grids, 1);
  const inside = tf.logicalAnd(tf.greater(proposals, 0.01), tf.less(proposals, 0.99)).cast('float32');
  const valid = tf.mul(tf.min(inside, 2, true), tf.sub(1, enc.maskFlat).reshape([b, s, 1])); // [B, S, 1], 1 = usable
  const proposalLogit = tf.where(tf.cast(valid, 'bool').tile([1, 1, 4]), tf.log(tf.div(proposals, tf.sub(1, proposals))), tf.fill([b, s, 4], Infinity));
  const memory = layerNorm(p, 'transformer.enc_output_norm', linear(p, 'transformer.enc_output', tf.mul(enc.memory, valid)));
  const head = c.decLayers;
  const logits = linear(p, `class_embed.${head}`, memory) as tf.Tensor3D;
  const boxLogit = tf.add(mlp(p, `bbox_embed.${head}`, memory, 3), proposalLogit) as tf.Tensor3D;
  const k = twoStageProposals(c);
  if (k > s) throw new Error(`two-stage Deformable DETR takes ${k} proposals but the memory has ${s} tokens (the input is too small)`);
  const taken = tf.topk(logits.slice([0, 0, 0], [b, s, 1]).reshape([b, s]), k).indices as tf.Tensor2D;
  const topLogit = stopGradient(tf.gather(boxLogit, taken, 1, 1) as tf.Tensor3D);
  const pos = layerNorm(p, 'transformer.pos_trans_norm', linear(p, 'transformer.pos_trans', sineEmbedBoxesInOrder(tf.sigmoid(topLogit), d / 2)));
  return {
    queryPos: pos.slice([0, 0, 0], [b, k, d]) as tf.Tensor3D,
    tgt: pos.slice([0, 0, d], [b, k, d]) as tf.Tensor3D,
    ref: tf.sigmoid(topLogit) as tf.Tensor3D,
    proposals: { logits, boxes: tf.sigmoid(boxLogit) as tf.Tensor3D, taken },
  };
}

/**
 * Deformable DETR's decoder. The queries: without two-stage, `query_embed` ([nq, 2C]) split into a
 * position (first half) and a content (second half), the reference point
 * sigmoid(transformer.reference_points(position)); with two-stage, twoStageQueries. Each layer reads
 * its reference times every level's valid ratio (a point, or a box whose width and height are
 * scaled the same way) and runs deformableLayer. Heads: class_embed and bbox_embed (headIndex);
 * box = sigmoid(bbox_embed(hs) + inverse_sigmoid(reference)) on the centre only for a point, on all
 * four coordinates for a box. With refinement that box, detached, is the next layer's reference.
 */
export function runDeformableDetrLayers(p: Params, c: ModelConfig, enc: EncoderOutput): DecoderOutput {
  const b = enc.memory.shape[0];
  const d = c.hiddenDim;
  const start = tidyObject(() => {
    const { shapes } = levelsOf(enc);
    if (c.twoStage) return twoStageQueries(p, c, enc, shapes);
    const qe = p.raw('query_embed.weight');
    const nq = qe.shape[0];
    const queryPos = tf.tile(qe.slice([0, 0], [nq, d]).expandDims(0), [b, 1, 1]) as tf.Tensor3D;
    const tgt = tf.tile(qe.slice([0, d], [nq, d]).expandDims(0), [b, 1, 1]) as tf.Tensor3D;
    return { queryPos, tgt, ref: tf.sigmoid(linear(p, 'transformer.reference_points', queryPos)) as tf.Tensor3D, proposals: undefined };
  });
  const { queryPos } = start;
  let { tgt, ref } = start;
  const layers: DecoderLayerTrace[] = [];
  try {
    for (let l = 0; l < c.decLayers; l++) {
      const step = tidyObject(() => { // one tidy scope per layer, as in runDecoderLayers
        const { shapes, validRatios } = levelsOf(enc);
        const [, nq, refDim] = ref.shape;
        const ratios = refDim === 4 ? tf.concat([validRatios, validRatios], 2) : validRatios; // [B, L, refDim]
        const levelReferences = tf.mul(ref.reshape([b, nq, 1, refDim]), ratios.reshape([b, 1, shapes.length, refDim])) as tf.Tensor4D;
        const res = deformableLayer(p, c, l, tgt, queryPos, levelReferences, enc, shapes);
        const h = headIndex(c, l);
        const predLogits = linear(p, `class_embed.${h}`, res.hs) as tf.Tensor3D;
        const offset = mlp(p, `bbox_embed.${h}`, res.hs, 3);
        const refLogit = inverseSigmoid(ref);
        const boxLogit = refDim === 4 ? tf.add(offset, refLogit) : tf.concat([tf.add(offset.slice([0, 0, 0], [b, nq, 2]), refLogit), offset.slice([0, 0, 2], [b, nq, 2])], 2);
        const predBoxes = tf.sigmoid(boxLogit) as tf.Tensor3D;
        const next = c.withBoxRefine && l + 1 < c.decLayers ? stopGradient(predBoxes) : ref;
        const trace: DecoderLayerTrace = {
          ...(refDim === 4 ? { referenceBoxes: ref } : { referencePoints: ref }),
          levelReferences, samplingLocations: res.samplingLocations, samplingWeights: res.samplingWeights,
          selfAttn: res.selfAttn, hs: res.hs, predLogits, predBoxes,
        };
        return { trace, next };
      });
      layers.push(step.trace);
      tgt = step.trace.hs;
      ref = step.next;
      layerDone('decoder', l + 1, c.decLayers);
    }
  } finally {
    // What the layers kept (the last reference, the first content) is in their traces; the rest goes.
    const kept = new Set<tf.Tensor>(layers.flatMap((t) => Object.values(t) as tf.Tensor[]));
    tf.dispose([queryPos, start.tgt, start.ref].filter((t) => !kept.has(t)));
  }
  return { layers, proposals: start.proposals };
}
