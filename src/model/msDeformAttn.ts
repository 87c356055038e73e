import * as tf from '@tensorflow/tfjs';
import { type ModelConfig, MS_LEVELS, MS_POINTS } from './config';
import type { Params } from './params';
import { linear, layerNorm } from './layers';
import { splitHeads, mergeHeads } from './attention';

/**
 * Multi-scale deformable attention (Deformable DETR's MSDeformAttn, as multi-scale SAM-DETR's
 * encoder uses it), written with interpolation weights built from the sampling locations:
 * only matMul and elementwise kernels, so it runs the same on every backend.
 *
 * Bilinear sampling is grid_sample(align_corners=False, padding_mode='zeros') per level: a
 * location x in [0, 1] of the padded map is pixel px = x * W - 0.5 (computed as grid_sample
 * unnormalises 2x - 1), and cell j gets the tent weight max(0, 1 - |px - j|). That is exactly
 * the bilinear weight of the two neighbours, and neighbours outside the map simply have no
 * cell, so they read zeros. For each (image, head, query) the points' attention weights times
 * their separable row and column tents sum into one [H, W] weight map (a [H, P] @ [P, W]
 * product); the sampled values are then that map times the level's values.
 *
 * The weight maps are [B * heads * Lq, H * W] per level: fine for the parity fixtures and small
 * inputs, quadratic in the token count for large ones.
 */

/** Tent (bilinear) weights of pixel coordinates px [..., 1] against cells 0..size-1: [..., size]. */
function tents(px: tf.Tensor, size: number): tf.Tensor {
  return tf.relu(tf.sub(1, tf.abs(tf.sub(px, tf.range(0, size)))));
}

/**
 * values: per level [B*heads, H*W, dh] (head-major as splitHeads makes them);
 * shapes: per level [H, W]; locations [B, Lq, heads, L, P, 2] (x, y) given as [B*Lq, heads, L, P, 2];
 * weights [B, Lq, heads, L, P] given as [B*Lq, heads, L, P]. Returns [B, Lq, heads*dh].
 */
export function msDeformSample(values: tf.Tensor3D[], shapes: [number, number][], locations: tf.Tensor, weights: tf.Tensor, batch: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [bl, heads, levels, points] = weights.shape as [number, number, number, number];
    const lq = bl / batch;
    const n = batch * heads * lq;
    let sum: tf.Tensor | null = null;
    for (let l = 0; l < levels; l++) {
      const [h, w] = shapes[l];
      // [B*Lq, heads, 1, P, 2] -> [B, heads, Lq, P, 2] -> [n, P, 2]
      const loc = locations.slice([0, 0, l, 0, 0], [bl, heads, 1, points, 2]).reshape([batch, lq, heads, points, 2]).transpose([0, 2, 1, 3, 4]).reshape([n, points, 2]);
      const aw = weights.slice([0, 0, l, 0], [bl, heads, 1, points]).reshape([batch, lq, heads, points]).transpose([0, 2, 1, 3]).reshape([n, points, 1]);
      const grid = tf.sub(tf.mul(loc, 2), 1);
      // grid_sample's unnormalisation with align_corners=False: ((g + 1) * size - 1) / 2.
      const pix = (k: number, size: number) => tf.div(tf.sub(tf.mul(tf.add(grid.slice([0, 0, k], [n, points, 1]), 1), size), 1), 2);
      const wx = tents(pix(0, w), w); // [n, P, W]
      const wy = tf.mul(tents(pix(1, h), h), aw); // [n, P, H], the points' attention weights folded in
      const map = tf.matMul(wy, wx, true, false).reshape([batch * heads, lq, h * w]); // [B*heads, Lq, H*W]
      const out = tf.matMul(map, values[l]); // [B*heads, Lq, dh]
      sum = sum ? tf.add(sum, out) : out;
    }
    return mergeHeads(sum!, batch);
  });
}

/**
 * Reference points of the deformable encoder: each level's cell centres, normalised by that
 * level's valid extent, then scaled by every level's valid ratio. validRatios [B, L, 2] (w, h).
 * Returns [B, sum(h*w), L, 2] (x, y).
 */
export function msReferencePoints(shapes: [number, number][], validRatios: tf.Tensor3D): tf.Tensor4D {
  return tf.tidy(() => {
    const b = validRatios.shape[0];
    const parts = shapes.map(([h, w], l) => {
      const ys = tf.add(tf.range(0, h), 0.5).reshape([h, 1]).tile([1, w]).reshape([1, h * w]);
      const xs = tf.add(tf.range(0, w), 0.5).reshape([1, w]).tile([h, 1]).reshape([1, h * w]);
      const vr = validRatios.slice([0, l, 0], [b, 1, 2]).reshape([b, 2]);
      const rx = tf.div(xs, tf.mul(vr.slice([0, 0], [b, 1]), w));
      const ry = tf.div(ys, tf.mul(vr.slice([0, 1], [b, 1]), h));
      return tf.stack([rx, ry], 2); // [B, hw, 2]
    });
    const ref = tf.concat(parts, 1);
    const lq = ref.shape[1] as number;
    return tf.mul(ref.reshape([b, lq, 1, 2]), validRatios.reshape([b, 1, shapes.length, 2])) as tf.Tensor4D;
  });
}

export interface MsDeformTrace {
  /** [B*Lq, heads, L, P, 2] sampling locations (x, y) in [0, 1] of each padded level (may fall outside). */
  locations: tf.Tensor;
  /** [B*Lq, heads, L, P] attention weights (softmax over levels x points). */
  weights: tf.Tensor;
}

/**
 * MSDeformAttn: query [B, Lq, d] (src + pos), reference points [B, Lq, L, 2], input [B, Lq, d]
 * (src, the values' source), maskFlat [B, Lq] (1 = padded: its values are zeroed).
 */
export function msDeformAttention(
  p: Params, c: ModelConfig, prefix: string, query: tf.Tensor3D, ref: tf.Tensor4D, input: tf.Tensor3D, maskFlat: tf.Tensor2D, shapes: [number, number][],
): { out: tf.Tensor3D } & MsDeformTrace {
  const [b, lq] = query.shape;
  const heads = c.nheads;
  const L = MS_LEVELS;
  const P = MS_POINTS;
  const value = tf.mul(linear(p, `${prefix}.value_proj`, input), tf.sub(1, maskFlat).reshape([b, lq, 1]));
  const values: tf.Tensor3D[] = [];
  let start = 0;
  for (const [h, w] of shapes) {
    values.push(splitHeads(value.slice([0, start, 0], [b, h * w, c.hiddenDim]), heads));
    start += h * w;
  }
  const offsets = linear(p, `${prefix}.sampling_offsets`, query).reshape([b * lq, heads, L, P, 2]);
  const weights = tf.softmax(linear(p, `${prefix}.attention_weights`, query).reshape([b * lq, heads, L * P])).reshape([b * lq, heads, L, P]);
  const normalizer = tf.tensor(shapes.flatMap(([h, w]) => [w, h]), [1, 1, L, 1, 2]);
  const locations = tf.add(ref.reshape([b * lq, 1, L, 1, 2]), tf.div(offsets, normalizer));
  const sampled = msDeformSample(values, shapes, locations, weights, b);
  return { out: linear(p, `${prefix}.output_proj`, sampled) as tf.Tensor3D, locations, weights };
}

/** One Deformable DETR encoder layer (post-norm): deformable self-attention, add, norm1; FFN, add, norm2. */
export function msEncoderLayer(
  p: Params, c: ModelConfig, l: number, src: tf.Tensor3D, pos: tf.Tensor3D, ref: tf.Tensor4D, maskFlat: tf.Tensor2D, shapes: [number, number][],
): { out: tf.Tensor3D } & MsDeformTrace {
  const prefix = `transformer.encoder.layers.${l}`;
  const attn = msDeformAttention(p, c, `${prefix}.self_attn`, tf.add(src, pos) as tf.Tensor3D, ref, src, maskFlat, shapes);
  const x = layerNorm(p, `${prefix}.norm1`, tf.add(src, attn.out));
  const ffn = linear(p, `${prefix}.linear2`, tf.relu(linear(p, `${prefix}.linear1`, x)));
  return { out: layerNorm(p, `${prefix}.norm2`, tf.add(x, ffn)) as tf.Tensor3D, locations: attn.locations, weights: attn.weights };
}
