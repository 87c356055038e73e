import * as tf from '@tensorflow/tfjs';
import { type ModelConfig, validateConfig, isOfficialDetr } from './config';
import { Params } from './params';
import type { StateDict, ImageBatch, EncoderOutput, DecoderOutput, ForwardOptions, BackboneOutput } from './types';
import { runBackbone } from './backbone';
import { downsampleMask, sinePositionEmbedding } from './position';
import { encoderLayer, encoderAttentionFromLayerInput } from './encoder';
import { groupNorm } from './layers';
import { runDecoderLayers } from './decoder';
import { stateDictLayout } from './stateDictLayout';

export interface SamDetrModel {
  config: ModelConfig;
  params: Params;
  runBackbone(batch: ImageBatch): BackboneOutput;
  /** Backbone (or `from`, an output of runBackbone for this batch, which stays the caller's) and encoder. */
  runEncoder(batch: ImageBatch, keep?: { backbone?: boolean }, from?: BackboneOutput): EncoderOutput & { backbone?: BackboneOutput; inputProj?: tf.Tensor4D };
  runDecoder(enc: EncoderOutput, opts?: ForwardOptions & { debug?: boolean }): DecoderOutput;
  dispose(): void;
}

/** Checks that a state dict has every tensor of the config with the right shape. */
export function checkWeights(config: ModelConfig, weights: StateDict): void {
  const problems: string[] = [];
  for (const [name, shape] of stateDictLayout(config)) {
    const e = weights.get(name);
    if (!e) problems.push(`missing ${name}`);
    else if (e.shape.join(',') !== shape.join(',')) problems.push(`${name}: shape [${e.shape}] but the config needs [${shape}]`);
  }
  if (problems.length) throw new Error(`weights do not fit the config (${problems.length} problems): ${problems.slice(0, 8).join('; ')}${problems.length > 8 ? '; ...' : ''}`);
}

/** tf.tidy for functions returning structured results (objects of tensors, numbers and undefined). */
export function tidyObject<T>(fn: () => T): T {
  return tf.tidy(fn as unknown as () => tf.TensorContainer) as unknown as T;
}

export function buildModel(config: ModelConfig, weights: StateDict, opts: { trainable?: boolean } = {}): SamDetrModel {
  const errs = validateConfig(config);
  if (errs.length) throw new Error(`invalid model config: ${errs.join('; ')}`);
  checkWeights(config, weights);
  const p = new Params(weights, opts.trainable ?? false);
  const c = config;

  const backbone = (batch: ImageBatch): BackboneOutput => {
    const features = runBackbone(p, c, batch.images);
    const [, h, w] = features.shape;
    const mask = downsampleMask(batch.mask, h, w);
    // Official DETR's sine positions are not centred on the cells (see sinePositionEmbedding).
    const pos = sinePositionEmbedding(mask, c.hiddenDim / 2, !isOfficialDetr(c));
    return { features, mask, pos };
  };

  return {
    config,
    params: p,
    runBackbone: backbone,
    runEncoder(batch, keep = {}, from) {
      // tidy keeps only what is returned; every intermediate is released.
      return tidyObject(() => encode(batch, keep, from));
    },
    runDecoder(enc, opts = {}) {
      return tidyObject(() => ({ layers: runDecoderLayers(p, c, enc, opts, opts.debug ?? false) }));
    },
    dispose() {
      p.dispose();
    },
  };

  function encode(batch: ImageBatch, keep: { backbone?: boolean }, from?: BackboneOutput): EncoderOutput & { backbone?: BackboneOutput; inputProj?: tf.Tensor4D } {
      const bb = from ?? backbone(batch);
      const { features, mask, pos } = bb;
      const [b, h, w] = features.shape;
      // Official DETR's input_proj is a bare Conv2d; SAM-DETR's (and the baseline's) a Sequential.
      const ip = isOfficialDetr(c) ? 'input_proj' : 'input_proj.0.0';
      let src = tf.add(tf.conv2d(features, p.conv(`${ip}.weight`), 1, 'valid'), p.raw(`${ip}.bias`)) as tf.Tensor4D;
      if (c.inputProjGroupNorm) src = groupNorm(p, 'input_proj.0.1', src, 32);
      const inputProj = src;
      const posFlat = pos.reshape([b, h * w, c.hiddenDim]) as tf.Tensor3D;
      const maskFlat = mask.reshape([b, h * w]) as tf.Tensor2D;
      let x = src.reshape([b, h * w, c.hiddenDim]) as tf.Tensor3D;
      const layerInputs: tf.Tensor3D[] = [];
      for (let l = 0; l < c.encLayers; l++) {
        layerInputs.push(x);
        x = encoderLayer(p, c, l, x, posFlat, maskFlat);
      }
      // valid ratio (w, h): the unpadded fraction of the first row / column of the feature mask.
      const notMask = tf.sub(1, mask);
      const validW = tf.div(tf.sum(notMask.slice([0, 0, 0], [b, 1, w]), [1, 2]), w);
      const validH = tf.div(tf.sum(notMask.slice([0, 0, 0], [b, h, 1]), [1, 2]), h);
      const validRatio = tf.stack([validW, validH], 1) as tf.Tensor2D;
      const inputSize: [number, number] = [batch.images.shape[1], batch.images.shape[2]];
      const out: EncoderOutput & { backbone?: BackboneOutput; inputProj?: tf.Tensor4D } = { memory: x, pos: posFlat, maskFlat, featH: h, featW: w, inputSize, validRatio, layerInputs };
      if (keep.backbone) {
        out.backbone = bb;
        out.inputProj = inputProj;
      }
      return out;
  }
}

/** [heads, h*w] encoder self-attention of token `index` of image `b` at encoder layer `layer`. */
export function encoderAttentionRow(model: SamDetrModel, enc: EncoderOutput, layer: number, b: number, index: number): tf.Tensor2D {
  return encoderAttentionFromLayerInput(model.params, model.config, layer, enc.layerInputs[layer], enc.pos, enc.maskFlat, b, index);
}
