import * as tf from '@tensorflow/tfjs';
import type { Params } from './params';

/** x @ W + b for a PyTorch Linear named `name`, on the last axis of x. */
export function linear(p: Params, name: string, x: tf.Tensor): tf.Tensor {
  const w = p.linear(`${name}.weight`);
  const b = p.raw(`${name}.bias`);
  const shape = x.shape;
  const x2 = x.reshape([-1, shape[shape.length - 1]]);
  const y = tf.add(tf.matMul(x2, w), b);
  return y.reshape([...shape.slice(0, -1), w.shape[1]]);
}

/** The official MLP: Linear layers with ReLU between them. */
export function mlp(p: Params, name: string, x: tf.Tensor, layers: number): tf.Tensor {
  let h = x;
  for (let i = 0; i < layers; i++) {
    h = linear(p, `${name}.layers.${i}`, h);
    if (i < layers - 1) h = tf.relu(h);
  }
  return h;
}

/**
 * nn.PReLU() with its one learned slope (`{prefix}.activation.weight`, shape [1]): x where x > 0,
 * slope * x elsewhere. DAB-DETR's transformer layers use it between linear1 and linear2.
 */
export function prelu(p: Params, prefix: string, x: tf.Tensor): tf.Tensor {
  return tf.add(tf.relu(x), tf.mul(tf.minimum(x, 0), p.raw(`${prefix}.activation.weight`)));
}

/** The activation between linear1 and linear2 of a transformer layer: ReLU, or DAB-DETR's PReLU. */
export type FfnActivation = 'relu' | 'prelu';

function activate(p: Params, prefix: string, x: tf.Tensor, act: FfnActivation): tf.Tensor {
  return act === 'prelu' ? prelu(p, prefix, x) : tf.relu(x);
}

/** A transformer layer's feed-forward part: linear1, the activation, linear2 (no residual, no norm). */
export function ffn(p: Params, prefix: string, x: tf.Tensor, act: FfnActivation = 'relu'): tf.Tensor {
  return linear(p, `${prefix}.linear2`, activate(p, prefix, linear(p, `${prefix}.linear1`, x), act));
}

/** A post-norm decoder layer's FFN sublayer: linear1, the activation (ReLU unless said), linear2, the residual, norm3. */
export function decoderFfn(p: Params, prefix: string, x: tf.Tensor, act: FfnActivation = 'relu'): tf.Tensor3D {
  const h = ffn(p, prefix, x, act);
  return layerNorm(p, `${prefix}.norm3`, tf.add(x, h)) as tf.Tensor3D;
}

/** nn.LayerNorm over the last axis (eps 1e-5, biased variance). */
export function layerNorm(p: Params, name: string, x: tf.Tensor): tf.Tensor {
  const axis = x.rank - 1;
  const mean = tf.mean(x, axis, true);
  const centered = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centered), axis, true);
  const normed = tf.div(centered, tf.sqrt(tf.add(variance, 1e-5)));
  return tf.add(tf.mul(normed, p.raw(`${name}.weight`)), p.raw(`${name}.bias`));
}

/** nn.GroupNorm(groups) on NHWC: statistics over (h, w, channels of the group), eps 1e-5. */
export function groupNorm(p: Params, name: string, x: tf.Tensor4D, groups: number): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const g = x.reshape([b, h * w, groups, c / groups]);
  const mean = tf.mean(g, [1, 3], true);
  const centered = tf.sub(g, mean);
  const variance = tf.mean(tf.square(centered), [1, 3], true);
  const normed = tf.div(centered, tf.sqrt(tf.add(variance, 1e-5))).reshape([b, h, w, c]);
  return tf.add(tf.mul(normed, p.raw(`${name}.weight`)), p.raw(`${name}.bias`)) as tf.Tensor4D;
}

/** log(x / (1 - x)) with the official clamping (eps 1e-5). */
export function inverseSigmoid(x: tf.Tensor, eps = 1e-5): tf.Tensor {
  const c = tf.clipByValue(x, 0, 1);
  return tf.log(tf.div(tf.maximum(c, eps), tf.maximum(tf.sub(1, c), eps)));
}

/**
 * Runs `fn(x)` outside the gradient tape and gives `x` a zero gradient: for values that
 * officially carry no gradient (torch's .detach(), @torch.no_grad(), roi_align's boxes).
 * Nothing inside `fn` is recorded, so training does not even compute the zeros through it.
 */
export function withoutGradient<T extends tf.Tensor>(x: tf.Tensor, fn: (x: tf.Tensor) => T): T {
  const op = tf.customGrad(((input: tf.Tensor) => ({
    value: fn(input),
    gradFunc: () => tf.zerosLike(input),
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x) as T;
}

/** Gradient barrier: forward identity, zero gradient (like torch's .detach()). */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return withoutGradient(x, (t) => tf.clone(t) as T);
}
