import * as tf from '@tensorflow/tfjs';

/**
 * F.interpolate(mask, size, mode='nearest') on a [B, H, W] 0/1 mask:
 * source index = min(floor(dst * (in / out)), in - 1), with the scale in float32 as PyTorch computes it.
 */
export function nearestIndices(inSize: number, outSize: number): Int32Array {
  const idx = new Int32Array(outSize);
  const scale = Math.fround(inSize / outSize);
  for (let d = 0; d < outSize; d++) {
    idx[d] = outSize === inSize ? d : Math.min(Math.floor(Math.fround(d * scale)), inSize - 1);
  }
  return idx;
}

export function downsampleMask(mask: tf.Tensor3D, h: number, w: number): tf.Tensor3D {
  const [, H, W] = mask.shape;
  return tf.tidy(() => {
    const rows = tf.gather(mask, tf.tensor1d(nearestIndices(H, h), 'int32'), 1);
    return tf.gather(rows, tf.tensor1d(nearestIndices(W, w), 'int32'), 2) as tf.Tensor3D;
  });
}

/** dim_t = temperature^(2 * floor(i / 2) / n) for i in 0..n-1, in float32. */
function dimT(n: number, temperature = 10000): tf.Tensor1D {
  const exps = tf.div(tf.mul(2, tf.floorDiv(tf.range(0, n, 1, 'int32'), 2)).toFloat(), n);
  return tf.pow(tf.scalar(temperature), exps) as tf.Tensor1D;
}

/**
 * sin on even features, cos on odd ones of v / dim_t, as
 * torch.stack((x[..., 0::2].sin(), x[..., 1::2].cos()), -1).flatten() does with x = v / dim_t.
 * v: [..., 1]; returns [..., n]. dim_t repeats each value twice (dim_t[2i] = dim_t[2i + 1]), so
 * x[..., 0::2] and x[..., 1::2] are both v / dim_t[0::2]: one division, each of sin and cos on
 * half the features, interleaved by a transpose. Bit for bit what the earlier form gave (sin
 * and cos of all n features blended with 0/1 masks; tf.where's broadcast condition was a slow
 * Tile on wasm), at half the sin/cos work (these were ~10% of the decoder on wasm, whose Sin
 * and Cos are scalar).
 */
function sinCosEmbed(v: tf.Tensor, n: number, temperature = 10000): tf.Tensor {
  const lead = v.shape.slice(0, -1);
  const rows = lead.reduce((a, b) => a * b, 1);
  const halfDimT = dimT(n, temperature).reshape([n / 2, 2]).slice([0, 0], [n / 2, 1]).reshape([n / 2]); // exactly dim_t[0::2]
  const x = tf.div(v, halfDimT).reshape([rows, 1, n / 2]);
  const both = tf.concat([tf.sin(x), tf.cos(x)], 1); // [rows, 2, n/2]
  return both.transpose([0, 2, 1]).reshape([...lead, n]);
}

/**
 * PositionEmbeddingSine(normalize=True, scale=2pi) of a [B, h, w] padding mask
 * (1 = padded): returns [B, h, w, 2 * numPosFeats] with channels [pos_y, pos_x].
 * `centred`: SAM-DETR's (and the baseline's) version takes cell centres, (cumsum - 0.5) /
 * (last + eps + 0.5); facebookresearch/detr's takes cell ends, cumsum / (last + eps); Deformable
 * DETR's ('deformable') cell centres as (cumsum - 0.5) / (cumsum's last + eps). The last two
 * centred forms agree on valid cells up to rounding, but not on a row or column that is all
 * padding (cumsum 0 there: -0.5 over a denominator of about 1e-6, rounded differently).
 * `temperature` [H, W]: DAB-DETR's PositionEmbeddingSineHW has one per axis (20 each), the
 * others 10000.
 */
export function sinePositionEmbedding(mask: tf.Tensor3D, numPosFeats: number, centred: boolean | 'deformable' = true, temperature: [number, number] = [10000, 10000]): tf.Tensor4D {
  return tf.tidy(() => {
    const notMask = tf.sub(1, mask);
    const scale = 2 * Math.PI;
    const eps = 1e-6;
    const [b, h, w] = mask.shape;
    const offset = centred ? 0.5 : 0;
    const ySum = tf.cumsum(notMask, 1);
    const xSum = tf.cumsum(notMask, 2);
    let yEmbed = tf.sub(ySum, offset);
    let xEmbed = tf.sub(xSum, offset);
    // The denominators: the last row (column) of the offset sums, plus eps and the offset back;
    // Deformable DETR's: the last of the sums themselves, plus eps.
    const own = centred === 'deformable';
    const yLast = (own ? ySum : yEmbed).slice([0, h - 1, 0], [b, 1, w]);
    const xLast = (own ? xSum : xEmbed).slice([0, 0, w - 1], [b, h, 1]);
    yEmbed = tf.mul(tf.div(yEmbed, own ? tf.add(yLast, eps) : tf.add(tf.add(yLast, eps), offset)), scale);
    xEmbed = tf.mul(tf.div(xEmbed, own ? tf.add(xLast, eps) : tf.add(tf.add(xLast, eps), offset)), scale);
    const posX = sinCosEmbed(xEmbed.expandDims(3), numPosFeats, temperature[1]);
    const posY = sinCosEmbed(yEmbed.expandDims(3), numPosFeats, temperature[0]);
    return tf.concat([posY, posX], 3) as tf.Tensor4D;
  });
}

/**
 * gen_sineembed_for_position: [..., 2] points (x, y) in [0, 1] -> [..., 2 * perAxis]
 * with channels [y features, x features], scale 2pi, no offset.
 */
export function sineEmbedPoints(points: tf.Tensor, perAxis: number): tf.Tensor {
  const lead = points.shape.slice(0, -1);
  const x = points.slice([...lead.map(() => 0), 0], [...lead, 1]);
  const y = points.slice([...lead.map(() => 0), 1], [...lead, 1]);
  const scale = 2 * Math.PI;
  const posX = sinCosEmbed(tf.mul(x, scale), perAxis);
  const posY = sinCosEmbed(tf.mul(y, scale), perAxis);
  return tf.concat([posY, posX], points.rank - 1);
}

/**
 * gen_sineembed_for_position of 4D anchor boxes (DAB-DETR): [..., 4] (cx, cy, w, h) in [0, 1] ->
 * [..., 4 * perAxis] with channels [y, x, w, h], each axis as sineEmbedPoints embeds it. Note the
 * order: the centre's y comes first, but w comes before h.
 */
export function sineEmbedAnchors(boxes: tf.Tensor, perAxis: number): tf.Tensor {
  const lead = boxes.shape.slice(0, -1);
  const axis = (i: number) => sinCosEmbed(tf.mul(boxes.slice([...lead.map(() => 0), i], [...lead, 1]), 2 * Math.PI), perAxis);
  return tf.concat([axis(1), axis(0), axis(2), axis(3)], boxes.rank - 1);
}

/**
 * Deformable DETR's sine embedding of its two-stage proposals: [..., 4] boxes (cx, cy, w, h) in
 * [0, 1] -> [..., 4 * perAxis], each coordinate times 2pi embedded as sineEmbedPoints embeds an
 * axis, in the boxes' own order (cx, cy, w, h), unlike sineEmbedAnchors.
 */
export function sineEmbedBoxesInOrder(boxes: tf.Tensor, perAxis: number): tf.Tensor {
  const lead = boxes.shape.slice(0, -1);
  const axis = (i: number) => sinCosEmbed(tf.mul(boxes.slice([...lead.map(() => 0), i], [...lead, 1]), 2 * Math.PI), perAxis);
  return tf.concat([0, 1, 2, 3].map(axis), boxes.rank - 1);
}
