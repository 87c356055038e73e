import * as tf from '@tensorflow/tfjs';
import { type ModelConfig, stageBlocks } from './config';
import type { Params } from './params';
import { layerDone } from './layerProgress';

/**
 * torchvision ResNet with FrozenBatchNorm2d, on NHWC tensors.
 * Padding is explicit (PyTorch pads symmetrically; TF's 'same' would pad stride-2 convs
 * on one side only), so convolutions pad first and then run 'valid'.
 */

function conv(p: Params, name: string, x: tf.Tensor4D, stride: number, pad: number, dilation = 1): tf.Tensor4D {
  const padded = pad > 0 ? tf.pad(x, [[0, 0], [pad, pad], [pad, pad], [0, 0]]) : x;
  return tf.conv2d(padded, p.conv(name), stride, 'valid', 'NHWC', dilation);
}

/** Receives every BatchNorm's input before it is normalised (see observeBatchNormInputs). */
export type BatchNormObserver = (name: string, input: tf.Tensor4D) => void;
let batchNormObserver: BatchNormObserver | null = null;

/**
 * Runs `body` with `observer` called on each BatchNorm input, in network order. Training from
 * scratch uses it to set the frozen statistics from data, layer by layer, in one pass: the
 * observer may rewrite a layer's running statistics before that layer reads them.
 */
export function observeBatchNormInputs<T>(observer: BatchNormObserver, body: () => T): T {
  batchNormObserver = observer;
  try {
    return body();
  } finally {
    batchNormObserver = null;
  }
}

/** FrozenBatchNorm2d: x * (w / sqrt(var + 1e-5)) + (b - mean * that scale). */
function frozenBn(p: Params, name: string, x: tf.Tensor4D): tf.Tensor4D {
  batchNormObserver?.(name, x);
  const fold = () => {
    const scale = tf.mul(p.raw(`${name}.weight`), tf.rsqrt(tf.add(p.raw(`${name}.running_var`), 1e-5)));
    return { scale, shift: tf.sub(p.raw(`${name}.bias`), tf.mul(p.raw(`${name}.running_mean`), scale)) };
  };
  // Inference folds the statistics once; training recomputes them so the affine part
  // (weight, bias) receives gradients (the running statistics stay fixed buffers).
  const { scale, shift } = p.trainable
    ? fold()
    : { scale: p.derived(`${name}#scale`, () => fold().scale), shift: p.derived(`${name}#shift`, () => fold().shift) };
  return tf.add(tf.mul(x, scale), shift) as tf.Tensor4D;
}

function bottleneck(p: Params, q: string, x: tf.Tensor4D, stride: number, dilation: number, down: boolean): tf.Tensor4D {
  let h = tf.relu(frozenBn(p, `${q}.bn1`, conv(p, `${q}.conv1.weight`, x, 1, 0)));
  h = tf.relu(frozenBn(p, `${q}.bn2`, conv(p, `${q}.conv2.weight`, h, stride, dilation, dilation)));
  h = frozenBn(p, `${q}.bn3`, conv(p, `${q}.conv3.weight`, h, 1, 0));
  const identity = down ? frozenBn(p, `${q}.downsample.1`, conv(p, `${q}.downsample.0.weight`, x, stride, 0)) : x;
  return tf.relu(tf.add(h, identity)) as tf.Tensor4D;
}

function basic(p: Params, q: string, x: tf.Tensor4D, stride: number, dilation: number, down: boolean): tf.Tensor4D {
  let h = tf.relu(frozenBn(p, `${q}.bn1`, conv(p, `${q}.conv1.weight`, x, stride, dilation, dilation)));
  h = frozenBn(p, `${q}.bn2`, conv(p, `${q}.conv2.weight`, h, 1, dilation, dilation));
  const identity = down ? frozenBn(p, `${q}.downsample.1`, conv(p, `${q}.downsample.0.weight`, x, stride, 0)) : x;
  return tf.relu(tf.add(h, identity)) as tf.Tensor4D;
}

/** Runs the ResNet body; returns the last stage's features [B, H/32, W/32, C] (H/16 with DC5). */
export function runBackbone(p: Params, c: ModelConfig, images: tf.Tensor4D): tf.Tensor4D {
  return runStages(p, c, images, []).last;
}

/**
 * Multi-scale: the outputs of layer2, layer3 and layer4 ([B, H/8, W/8, C2], [B, H/16, W/16, C3],
 * [B, H/32, W/32, C4]), as the official IntermediateLayerGetter returns them.
 */
export function runBackboneStages(p: Params, c: ModelConfig, images: tf.Tensor4D): tf.Tensor4D[] {
  const { kept, last } = runStages(p, c, images, [1, 2]);
  return [...kept, last];
}

function runStages(p: Params, c: ModelConfig, images: tf.Tensor4D, keepStages: number[]): { kept: tf.Tensor4D[]; last: tf.Tensor4D } {
  const kept: tf.Tensor4D[] = [];
  const pre = 'backbone.0.body';
  // Max pool 3x3/2 pad 1: inputs are >= 0 after ReLU, so zero padding equals PyTorch's -inf padding.
  let x = tf.tidy(() => {
    const stem = tf.relu(frozenBn(p, `${pre}.bn1`, conv(p, `${pre}.conv1.weight`, images, 2, 3)));
    return tf.maxPool(tf.pad(stem, [[0, 0], [1, 1], [1, 1], [0, 0]]), 3, 2, 'valid') as tf.Tensor4D;
  });
  const isBottleneck = c.backbone === 'resnet50' || c.backbone === 'resnet101';
  const block = isBottleneck ? bottleneck : basic;
  let dilation = 1;
  const blocks = stageBlocks(c.backbone).reduce((a, n) => a + n, 0);
  let done = 0;
  stageBlocks(c.backbone).forEach((n, s) => {
    let stride = s === 0 ? 1 : 2;
    const previousDilation = dilation;
    if ((s === 3 && c.dilation) || (s === 2 && c.dilation && c.dilateLayer3)) {
      // torchvision's replace_stride_with_dilation: the stage's first block keeps the
      // previous dilation with stride 1; the following blocks use the doubled dilation.
      dilation *= stride;
      stride = 1;
    }
    for (let b = 0; b < n; b++) {
      const q = `${pre}.layer${s + 1}.${b}`;
      const down = b === 0 && p.has(`${q}.downsample.0.weight`);
      const input = x;
      // One tidy per block: only the block's output stays alive, so peak memory is a few
      // activations, not the whole network's (800x1066 inputs overflow the wasm heap otherwise).
      x = tf.tidy(() => block(p, q, input, b === 0 ? stride : 1, b === 0 ? previousDilation : dilation, down));
      if (input !== images && !kept.includes(input)) input.dispose();
      layerDone('backbone', ++done, blocks);
    }
    if (keepStages.includes(s)) kept.push(x);
  });
  return { kept, last: x };
}
