import * as tf from '@tensorflow/tfjs';
import { type ModelConfig, MS_POINTS } from './config';
import type { Params } from './params';
import { linear, layerNorm } from './layers';

/**
 * Multi-scale deformable attention (Deformable DETR's MSDeformAttn, as multi-scale SAM-DETR's
 * encoder uses it), written with a gather, a batched matMul and elementwise kernels only, so it
 * runs the same on every backend and its memory grows linearly with the number of tokens.
 *
 * Bilinear sampling is grid_sample(align_corners=False, padding_mode='zeros') per level: a
 * location x in [0, 1] of the padded map is pixel px = ((2x - 1 + 1) * W - 1) / 2 (grid_sample's
 * unnormalisation, computed the same way), and the value there is the bilinear mix of the four
 * cells around it, x0 = floor(px) and x0 + 1 (and the same in y). Zero padding comes from the
 * values themselves: each level's map gets a border of zero cells (rows and columns -1 and W),
 * and neighbour coordinates are clamped to [-1, W] (and [-1, H]), so a neighbour outside the map
 * always lands on a zero cell, without comparisons or masks. For every (image, query, head) the
 * 4 neighbours x points x levels become one row of 48 indices into the padded values and one row
 * of weights (bilinear weight times the point's attention weight); the output is their weighted
 * sum, a [1, 48] x [48, dh] product per row.
 *
 * An earlier version built a dense [queries, H*W] interpolation matrix per level and head; at
 * 800x1066 that is 17,600 x 13,400 per head (gigabytes), while here each query and head touches
 * 48 value rows, in chunks of queries that bound the transient memory.
 */

/** Floats of gathered values one chunk of queries may hold (16 MiB). */
export const MS_SAMPLE_CHUNK_FLOATS = 1 << 22;

/**
 * value [B, S, heads*dh]: every level's tokens concatenated (row-major, level after level, as
 * `shapes` lists them, S = sum(h*w)). locations [B*Lq, heads, L, P, 2] (x, y) in [0, 1] of each
 * level's padded map (may fall outside); weights [B*Lq, heads, L, P]. Returns [B, Lq, heads*dh].
 * `chunkFloats` bounds the gathered floats per step (tests lower it to exercise the chunking).
 */
export function msDeformSample(value: tf.Tensor3D, shapes: [number, number][], locations: tf.Tensor, weights: tf.Tensor, chunkFloats = MS_SAMPLE_CHUNK_FLOATS): tf.Tensor3D {
  const [b, s, d] = value.shape;
  const [bl, heads, levels, points] = weights.shape as [number, number, number, number];
  const lq = bl / b;
  const dh = d / heads;
  if (shapes.length !== levels || shapes.reduce((n, [h, w]) => n + h * w, 0) !== s) throw new Error(`msDeformSample: level shapes ${JSON.stringify(shapes)} do not cover the ${s} value tokens in ${levels} levels`);
  const lp = levels * points;
  const cols = heads * lp; // sampling points per query, column c = (head * L + level) * P + point
  const k = lp * 4; // gathered value rows per (image, query, head)
  const padded = shapes.map(([h, w]) => (h + 2) * (w + 2));
  const sp = padded.reduce((a, n) => a + n, 0);
  // Per column [1, cols]: the level's W and H, the row stride of its padded map (W + 2), and
  // the padded token of its cell (0, 0) (the level's start + one border row + one border column).
  // Only Add/Sub/Mul/RealDiv broadcast them: tfjs-wasm has fast broadcasting for those alone.
  const perCol = (f: (l: number) => number) => tf.tensor(Array.from({ length: cols }, (_, c) => f(Math.floor(c / points) % levels)), [1, cols]);
  const W = perCol((l) => shapes[l][1]);
  const H = perCol((l) => shapes[l][0]);
  const stride = perCol((l) => shapes[l][1] + 2);
  const origin = perCol((l) => padded.slice(0, l).reduce((a, n) => a + n, 0) + shapes[l][1] + 3);
  // Values with a zero border per level, viewed as rows (b * S' + token) * heads + head.
  const rows = tf.tidy(() => {
    let start = 0;
    const levelsPadded = shapes.map(([h, w]) => {
      const x = value.slice([0, start, 0], [b, h * w, d]).reshape([b, h, w, d]);
      start += h * w;
      return tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]).reshape([b, (h + 2) * (w + 2), d]);
    });
    return tf.concat(levelsPadded, 1).reshape([b * sp * heads, dh]);
  });
  // Per query [3, cols]: x, y and attention weight of each sampling point, so that a chunk of
  // queries is one block of rows. A NaN coordinate (from NaN weights) is moved far outside: it
  // reads zeros instead of becoming an index out of range.
  const xyw = tf.tidy(() => {
    const l = locations.reshape([bl, cols, 2]);
    const xy = tf.where(tf.isNaN(l), tf.fill(l.shape, -10), l).transpose([0, 2, 1]);
    return tf.concat([xy, weights.reshape([bl, 1, cols])], 1);
  });
  const step = Math.max(1, Math.floor(chunkFloats / (heads * k * dh)));
  const parts: tf.Tensor[] = [];
  try {
    for (let i = 0; i < bl; i += step) {
      const m = Math.min(step, bl - i);
      parts.push(tf.tidy(() => {
        // Rows i..i+m by a gather: tfjs-wasm's Slice copies its whole input before slicing,
        // which repeated per chunk would make the loop quadratic in the token count.
        const chunk = m === bl ? xyw : tf.gather(xyw, tf.range(i, i + m, 1, 'int32'));
        const plane = (j: number) => chunk.slice([0, j, 0], [m, 1, cols]).reshape([m, cols]);
        // grid_sample's unnormalisation of each coordinate, its floor and fraction.
        const pixel = (j: number, size: tf.Tensor) => {
          const p = tf.div(tf.sub(tf.mul(tf.add(tf.sub(tf.mul(plane(j), 2), 1), 1), size), 1), 2);
          const p0 = tf.floor(p);
          return { p0, f: tf.sub(p, p0) };
        };
        // clamp(c, -1, size) = relu(c + 1) - relu(c - size) - 1 (exact for these integers once
        // clipped to [-2, 2^20]; ClipByValue and Relu take no broadcast operand).
        const clamp = (c: tf.Tensor, size: tf.Tensor) => {
          const cc = tf.clipByValue(c, -2, 1 << 20);
          return tf.sub(tf.sub(tf.relu(tf.add(cc, 1)), tf.relu(tf.sub(cc, size))), 1);
        };
        const x = pixel(0, W);
        const y = pixel(1, H);
        const aw = plane(2);
        const tx = [clamp(x.p0, W), clamp(tf.add(x.p0, 1), W)];
        const ty = [clamp(y.p0, H), clamp(tf.add(y.p0, 1), H)].map((c) => tf.add(tf.mul(c, stride), origin));
        const wx = [tf.sub(1, x.f), x.f];
        const wy = [tf.sub(1, y.f), y.f];
        const corners = [[0, 0], [0, 1], [1, 0], [1, 1]];
        // [4, m, cols] -> [m, heads, 4, L*P]: one row of k indices / weights per (query, head).
        const perRow = (planes: tf.Tensor[]) => tf.stack(planes).reshape([4, m, heads, lp]).transpose([1, 2, 0, 3]).reshape([m * heads, k]);
        const token = perRow(corners.map(([cy, cx]) => tf.add(ty[cy], tx[cx])));
        const wgt = perRow(corners.map(([cy, cx]) => tf.mul(tf.mul(wy[cy], wx[cx]), aw)));
        // Row of `rows`: token * heads + image * S' * heads + head (exact in float32 below 2^24).
        const base = new Float32Array(m * heads);
        for (let r = 0; r < m; r++) for (let h = 0; h < heads; h++) base[r * heads + h] = Math.floor((i + r) / lq) * sp * heads + h;
        const idx = tf.cast(tf.add(tf.mul(token, heads), tf.tensor(base, [m * heads, 1])), 'int32').reshape([m * heads * k]);
        // [n, 1, k] x [n, k, dh] for the n = m * heads rows (a batched matMul: much faster than
        // a broadcast multiply and sum on the cpu backend).
        const n = m * heads;
        return tf.matMul(wgt.reshape([n, 1, k]), tf.gather(rows, idx).reshape([n, k, dh])).reshape([m, d]);
      }));
    }
    return tf.tidy(() => (parts.length === 1 ? parts[0].clone() : tf.concat(parts, 0)).reshape([b, lq, d])) as tf.Tensor3D;
  } finally {
    tf.dispose([rows, xyw, W, H, stride, origin, ...parts]);
  }
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
 * Where MSDeformAttn samples, and with what weight: query [B, Lq, d] (src + pos), reference
 * points [B, Lq, L, 2] (x, y) or [B, Lq, L, 4] (boxes cx, cy, w, h: Deformable DETR's decoder with
 * box refinement or two-stage), L = shapes.length levels. With points, the locations are the
 * reference plus the predicted offsets in cells of each level (offset / (W, H)); with boxes, the
 * centre plus the offsets in eighths of the box (offset / P x (w, h) / 2). Weights: a softmax over
 * levels x points per head.
 */
export function msSamplingPoints(p: Params, c: ModelConfig, prefix: string, query: tf.Tensor3D, ref: tf.Tensor4D, shapes: [number, number][]): MsDeformTrace {
  return tf.tidy(() => {
    const [b, lq] = query.shape;
    const heads = c.nheads;
    const L = shapes.length;
    const P = MS_POINTS;
    const offsets = linear(p, `${prefix}.sampling_offsets`, query).reshape([b * lq, heads, L, P, 2]);
    const weights = tf.softmax(linear(p, `${prefix}.attention_weights`, query).reshape([b * lq, heads, L * P])).reshape([b * lq, heads, L, P]);
    const refDim = ref.shape[3];
    if (refDim === 4) {
      const centre = ref.slice([0, 0, 0, 0], [b, lq, L, 2]).reshape([b * lq, 1, L, 1, 2]);
      const size = ref.slice([0, 0, 0, 2], [b, lq, L, 2]).reshape([b * lq, 1, L, 1, 2]);
      return { locations: tf.add(centre, tf.mul(tf.mul(tf.div(offsets, P), size), 0.5)), weights };
    }
    const normalizer = tf.tensor(shapes.flatMap(([h, w]) => [w, h]), [1, 1, L, 1, 2]);
    const locations = tf.add(ref.reshape([b * lq, 1, L, 1, 2]), tf.div(offsets, normalizer));
    return { locations, weights };
  });
}

/**
 * MSDeformAttn: query [B, Lq, d] (src + pos, or the decoder's queries), reference points
 * [B, Lq, L, 2 or 4], input [B, S, d] (the values' source: the encoder's src, or the decoder's
 * memory), maskFlat [B, S] (1 = padded: its values are zeroed).
 */
export function msDeformAttention(
  p: Params, c: ModelConfig, prefix: string, query: tf.Tensor3D, ref: tf.Tensor4D, input: tf.Tensor3D, maskFlat: tf.Tensor2D, shapes: [number, number][],
): { out: tf.Tensor3D } & MsDeformTrace {
  const [b, s] = input.shape;
  const value = tf.mul(linear(p, `${prefix}.value_proj`, input), tf.sub(1, maskFlat).reshape([b, s, 1])) as tf.Tensor3D;
  const { locations, weights } = msSamplingPoints(p, c, prefix, query, ref, shapes);
  const sampled = msDeformSample(value, shapes, locations, weights);
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
