import type { ModelConfig } from '../model/config';
import { stateDictLayout } from '../model/stateDictLayout';
import type { StateDict } from '../model/types';
import * as tf from '@tensorflow/tfjs';
import { Rng, deriveSeed } from '../data/rng';
import { buildModel } from '../model/model';
import { observeBatchNormInputs } from '../model/backbone';
import { generateScene } from '../data/scene';
import { sceneBatch } from '../data/sceneBatch';

/**
 * Initial weights for training from scratch, following the official initialisation where it
 * has one: Xavier-uniform for transformer matrices, He (Kaiming) for convolutions, unit
 * norm scales and identity BatchNorm statistics, focal-loss prior bias -log(99) on the class
 * heads, a zero last layer for the box heads (boxes start at the reference box), and
 * reference boxes spread over the image. point2's last layer is zero-initialised in the
 * official constructor but then re-drawn by the Transformer's Xavier reset (every matrix of
 * the transformer); only its bias stays zero. That matters for SMCA: with zero weights the
 * predicted scales would be 0, where the Gaussian's gradient with respect to them vanishes.
 */
export function initWeights(config: ModelConfig, seed: number): StateDict {
  const rng = new Rng(seed);
  const uniform = (a: number) => (rng.next() * 2 - 1) * a;
  const sd: StateDict = new Map();
  const lastPoint2 = `point2.${2 * config.point2Hidden.length}.`;
  for (const [name, shape] of stateDictLayout(config)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    const fanOut = shape[0];
    const fanIn = n / fanOut;
    if (name.endsWith('running_var')) data.fill(1);
    else if (name.endsWith('running_mean')) data.fill(0);
    else if (name === 'query_embed.weight') {
      // Reference boxes (logit space): centres uniform over the image, sizes around 0.1-0.5.
      for (let q = 0; q < shape[0]; q++) {
        data[q * 4] = uniform(2.2);
        data[q * 4 + 1] = uniform(2.2);
        data[q * 4 + 2] = -1.4 + uniform(0.8);
        data[q * 4 + 3] = -1.4 + uniform(0.8);
      }
    } else if (name === 'query_pos_embed.weight') {
      for (let i = 0; i < n; i++) data[i] = uniform(1);
    } else if (/^(transformer\.decoder\.)?bbox_embed\.\d+\.layers\.2\./.test(name) || (name.includes(lastPoint2) && name.endsWith('bias'))) {
      data.fill(0);
    } else if (/^class_embed\.\d+\.bias$/.test(name)) {
      data.fill(-Math.log((1 - 0.01) / 0.01));
    } else if (shape.length === 4) {
      const a = Math.sqrt(6 / fanIn); // He uniform for ReLU convolutions
      for (let i = 0; i < n; i++) data[i] = uniform(a);
    } else if (shape.length === 2) {
      const a = Math.sqrt(6 / (fanIn + fanOut)); // Xavier uniform
      for (let i = 0; i < n; i++) data[i] = uniform(a);
    } else if (name.endsWith('.weight')) data.fill(1);
    else data.fill(0);
    sd.set(name, { shape, data });
  }
  return sd;
}

/**
 * Sets every frozen BatchNorm's running mean and variance to the statistics of its input on
 * a batch of generated training scenes, so each normalised activation starts near zero mean
 * and unit variance. With identity statistics a from-scratch ResNet's activations grow block
 * by block (backbone output std ~18 at init here); the official model never meets this
 * because it starts from ImageNet weights. One pass suffices: layers run in order, and each
 * layer's statistics are written before the layer folds them.
 */
export function calibrateBatchNorm(config: ModelConfig, sd: StateDict, seed: number, images = 16, imageSize = 160): StateDict {
  const model = buildModel(config, sd);
  const { batch } = sceneBatch(Array.from({ length: images }, (_, i) => generateScene(deriveSeed(seed, i), { width: imageSize, height: imageSize })));
  try {
    observeBatchNormInputs(
      (name, x) => {
        const { mean, variance } = tf.tidy(() => tf.moments(x, [0, 1, 2]));
        sd.get(`${name}.running_mean`)!.data.set(mean.dataSync());
        sd.get(`${name}.running_var`)!.data.set(variance.dataSync());
        tf.dispose([mean, variance]);
      },
      () => tf.dispose(model.runBackbone(batch) as unknown as tf.TensorContainer),
    );
  } finally {
    model.dispose();
    tf.dispose([batch.images, batch.mask]);
  }
  return sd;
}

/** Initial weights for training: initWeights, then BatchNorm statistics calibrated on generated scenes. */
export function initTrainingWeights(config: ModelConfig, seed: number, imageSize = 160): StateDict {
  return calibrateBatchNorm(config, initWeights(config, seed), deriveSeed(seed, 0xb17), 16, imageSize);
}
