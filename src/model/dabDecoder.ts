import * as tf from '@tensorflow/tfjs';
import { type ModelConfig, querySlots } from './config';
import type { Params } from './params';
import type { DecoderLayerTrace, EncoderOutput } from './types';
import { linear, mlp, layerNorm, inverseSigmoid, stopGradient } from './layers';
import { sineEmbedAnchors } from './position';
import { conditionalLayer } from './conditionalDecoder';
import { layerDone } from './layerProgress';
import { tidyObject } from './tidy';

/**
 * The decoder's starting slots: [B, S, C] content and [B, S, 4] anchor boxes (sigmoid cxcywh),
 * S = querySlots(c). Without patterns the content is zeros and slot q reads anchor q; with P
 * patterns slot p * nq + q has content `transformer.patterns.weight[p]` and anchor q, the order
 * the official repeat-then-flatten gives.
 */
function startingSlots(p: Params, c: ModelConfig, b: number): { tgt: tf.Tensor3D; anchors: tf.Tensor3D } {
  const d = c.hiddenDim;
  const nq = c.numQueries;
  const patterns = c.numPatterns ?? 0;
  const anchors = tf.sigmoid(p.raw('refpoint_embed.weight')); // [nq, 4]
  if (!patterns) return { tgt: tf.zeros([b, nq, d]) as tf.Tensor3D, anchors: tf.tile(anchors.expandDims(0), [b, 1, 1]) as tf.Tensor3D };
  const tgt = tf.tile(p.raw('transformer.patterns.weight').reshape([1, patterns, 1, d]), [b, 1, nq, 1]).reshape([b, patterns * nq, d]) as tf.Tensor3D;
  return { tgt, anchors: tf.tile(anchors.reshape([1, 1, nq, 4]), [b, patterns, 1, 1]).reshape([b, patterns * nq, 4]) as tf.Tensor3D };
}

/**
 * The spatial query of one DAB-DETR layer ([B, S, C], before ca_qpos_sine_proj): the sine
 * embedding of the anchor's centre ([y, x] halves), times query_scale(tgt) from layer 1 on, then
 * each half divided by the anchor's own size along its axis and multiplied by the size the
 * content predicts (sigmoid(ref_anchor_head(tgt)): w for x, h for y). A wide anchor thus gets a
 * flatter positional attention along x: the width/height modulation of the paper.
 */
function modulatedSpatialQuery(p: Params, c: ModelConfig, l: number, tgt: tf.Tensor3D, anchors: tf.Tensor3D, sine: tf.Tensor3D): tf.Tensor3D {
  const d = c.hiddenDim;
  const [b, s] = tgt.shape;
  let centre = sine.slice([0, 0, 0], [b, s, d]);
  if (l > 0) centre = tf.mul(centre, mlp(p, 'transformer.decoder.query_scale', tgt, 2));
  const predicted = tf.sigmoid(mlp(p, 'transformer.decoder.ref_anchor_head', tgt, 2)); // [B, S, 2]: (w, h)
  const ratio = tf.div(predicted, anchors.slice([0, 0, 2], [b, s, 2])); // (w / anchor w, h / anchor h)
  const y = tf.mul(centre.slice([0, 0, 0], [b, s, d / 2]), ratio.slice([0, 0, 1], [b, s, 1]));
  const x = tf.mul(centre.slice([0, 0, d / 2], [b, s, d / 2]), ratio.slice([0, 0, 0], [b, s, 1]));
  return tf.concat([y, x], 2) as tf.Tensor3D;
}

/**
 * DAB-DETR's decoder. Every layer reads a 4D anchor box per slot (layer 0: sigmoid(refpoint_embed))
 * and gives the next one a refined box: sigmoid(bbox_embed(output) + inverse_sigmoid(anchor)) on
 * the layer's output before the shared norm, with no gradient back (detached officially). The
 * queries' position is ref_point_head of the anchor's full sine embedding ([y, x, w, h]); the
 * spatial query is modulatedSpatialQuery; the layer itself is Conditional DETR's with PReLU.
 * Heads: the layer output through the shared decoder norm, one class head (sigmoid focal) and the
 * same bbox_embed, box = sigmoid(bbox_embed(normed) + inverse_sigmoid(anchor)) on all four
 * coordinates. The trace's `hs` is that normed output (what the heads see); `referenceBoxes` the
 * anchor the layer read.
 */
export function runDabDetrLayers(p: Params, c: ModelConfig, enc: EncoderOutput): DecoderLayerTrace[] {
  const b = enc.memory.shape[0];
  const d = c.hiddenDim;
  const start = startingSlots(p, c, b);
  if (start.tgt.shape[1] !== querySlots(c)) throw new Error('DAB-DETR slots do not match querySlots');
  let { tgt, anchors } = start;
  const layers: DecoderLayerTrace[] = [];
  for (let l = 0; l < c.decLayers; l++) {
    const step = tidyObject(() => { // one tidy scope per layer, as in runDecoderLayers
      const sine = sineEmbedAnchors(anchors, d / 2) as tf.Tensor3D; // [B, S, 2C]
      const queryPos = mlp(p, 'transformer.decoder.ref_point_head', sine, 2) as tf.Tensor3D;
      const querySineEmbed = modulatedSpatialQuery(p, c, l, tgt, anchors, sine);
      const res = conditionalLayer(p, c, l, { tgt, queryPos, querySineEmbed, enc });
      const anchorLogit = inverseSigmoid(anchors);
      const hs = layerNorm(p, 'transformer.decoder.norm', res.hs) as tf.Tensor3D;
      const predLogits = linear(p, 'class_embed', hs) as tf.Tensor3D;
      const predBoxes = tf.sigmoid(tf.add(mlp(p, 'bbox_embed', hs, 3), anchorLogit)) as tf.Tensor3D;
      // The last layer's refinement would be read by no one: not computed.
      const next = l + 1 < c.decLayers ? (stopGradient(tf.sigmoid(tf.add(mlp(p, 'bbox_embed', res.hs, 3), anchorLogit))) as tf.Tensor3D) : anchors;
      const trace: DecoderLayerTrace = { crossAttn: res.crossAttn, selfAttn: res.selfAttn, hs, referenceBoxes: anchors, predLogits, predBoxes };
      return { trace, out: res.hs, next };
    });
    layers.push(step.trace);
    tgt = step.out;
    anchors = step.next;
    layerDone('decoder', l + 1, c.decLayers);
  }
  return layers;
}
