import * as tf from '@tensorflow/tfjs';
import { type ModelConfig, validateConfig, hasDetrInputSide, isDeformableDetr } from './config';
import { msEncoderLayer, msReferencePoints, msSamplingPoints, type MsDeformTrace } from './msDeformAttn';
import { Params } from './params';
import type { StateDict, ImageBatch, EncoderOutput, DecoderOutput, ForwardOptions, BackboneOutput, LevelMemory } from './types';
import { runBackbone, runBackboneStages } from './backbone';
import { downsampleMask, sinePositionEmbedding } from './position';
import { encoderLayer, encoderAttentionFromLayerInput } from './encoder';
import { groupNorm } from './layers';
import { runDecoderLayers } from './decoder';
import { runDeformableDetrLayers } from './deformableDecoder';
import { tidyObject } from './tidy';
import { stateDictLayout } from './stateDictLayout';
import { layerDone } from './layerProgress';

export interface SamDetrModel {
  config: ModelConfig;
  params: Params;
  runBackbone(batch: ImageBatch): BackboneOutput;
  /** Backbone (or `from`, an output of runBackbone for this batch, which stays the caller's) and encoder. */
  runEncoder(batch: ImageBatch, keep?: { backbone?: boolean }, from?: BackboneOutput): EncoderOutput & { backbone?: BackboneOutput; inputProj?: tf.Tensor4D; inputProjLevels?: tf.Tensor4D[] };
  runDecoder(enc: EncoderOutput, opts?: ForwardOptions & { debug?: boolean }): DecoderOutput;
  dispose(): void;
}

/** Checks that a state dict (or what Params.shapes() lists) has every tensor of the config with the right shape. */
export function checkWeights(config: ModelConfig, weights: ReadonlyMap<string, { shape: number[] }>): void {
  const problems: string[] = [];
  for (const [name, shape] of stateDictLayout(config)) {
    const e = weights.get(name);
    if (!e) problems.push(`missing ${name}`);
    else if (e.shape.join(',') !== shape.join(',')) problems.push(`${name}: shape [${e.shape}] but the config needs [${shape}]`);
  }
  if (problems.length) throw new Error(`weights do not fit the config (${problems.length} problems): ${problems.slice(0, 8).join('; ')}${problems.length > 8 ? '; ...' : ''}`);
}

export { tidyObject };

/**
 * `weights` may be another model's Params: the new model then shares its tensors (no copy, no
 * second read of the weights), e.g. the same checkpoint with DC5 switched, which changes how
 * the last ResNet stage runs but no weight. Either model's dispose() frees the shared tensors:
 * dispose only the one kept.
 */
export function buildModel(config: ModelConfig, weights: StateDict | Params, opts: { trainable?: boolean } = {}): SamDetrModel {
  const errs = validateConfig(config);
  if (errs.length) throw new Error(`invalid model config: ${errs.join('; ')}`);
  const shared = weights instanceof Params;
  if (shared && weights.trainable !== (opts.trainable ?? false)) throw new Error('shared parameters must be built for the same use (training or inference)');
  checkWeights(config, shared ? new Map(weights.shapes().map(([name, shape]) => [name, { shape }])) : weights);
  const p = shared ? weights : new Params(weights, opts.trainable ?? false);
  const c = config;

  // Multi-scale SAM-DETR and Deformable DETR read ResNet layers 2-4 and run the deformable encoder.
  const multiLevel = c.multiscale || isDeformableDetr(c);
  const backbone = (batch: ImageBatch): BackboneOutput => {
    if (multiLevel) {
      // layer2, layer3, layer4, each with its own nearest-downsampled mask and sine positions.
      const levels = runBackboneStages(p, c, batch.images).map((features) => {
        const [, h, w] = features.shape;
        const mask = downsampleMask(batch.mask, h, w);
        return { features, mask, pos: sinePositionEmbedding(mask, c.hiddenDim / 2, isDeformableDetr(c) ? 'deformable' : true) };
      });
      return { ...levels[levels.length - 1], levels };
    }
    const features = runBackbone(p, c, batch.images);
    const [, h, w] = features.shape;
    const mask = downsampleMask(batch.mask, h, w);
    // Official, Conditional and DAB-DETR's sine positions are not centred on the cells (see
    // sinePositionEmbedding); DAB-DETR's run at temperature 20, not 10000.
    const pos = sinePositionEmbedding(mask, c.hiddenDim / 2, !hasDetrInputSide(c), c.peTemperature);
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
      if (isDeformableDetr(c)) return tidyObject(() => runDeformableDetrLayers(p, c, enc));
      return tidyObject(() => ({ layers: runDecoderLayers(p, c, enc, opts, opts.debug ?? false) }));
    },
    dispose() {
      p.dispose();
    },
  };

  function encode(batch: ImageBatch, keep: { backbone?: boolean }, from?: BackboneOutput): EncoderOutput & { backbone?: BackboneOutput; inputProj?: tf.Tensor4D; inputProjLevels?: tf.Tensor4D[] } {
      const bb = from ?? backbone(batch);
      if (multiLevel) return encodeMultiscale(batch, bb, keep);
      const { features, mask, pos } = bb;
      const [b, h, w] = features.shape;
      // Official, Conditional and DAB-DETR's input_proj is a bare Conv2d; SAM-DETR's (and the baseline's) a Sequential.
      const ip = hasDetrInputSide(c) ? 'input_proj' : 'input_proj.0.0';
      let src = tf.add(tf.conv2d(features, p.conv(`${ip}.weight`), 1, 'valid'), p.raw(`${ip}.bias`)) as tf.Tensor4D;
      if (c.inputProjGroupNorm) src = groupNorm(p, 'input_proj.0.1', src, 32);
      const inputProj = src;
      const posFlat = pos.reshape([b, h * w, c.hiddenDim]) as tf.Tensor3D;
      const maskFlat = mask.reshape([b, h * w]) as tf.Tensor2D;
      let x = src.reshape([b, h * w, c.hiddenDim]) as tf.Tensor3D;
      const layerInputs: tf.Tensor3D[] = [];
      for (let l = 0; l < c.encLayers; l++) {
        layerInputs.push(x);
        const input = x;
        // One tidy scope per layer: a layer's [heads, HW, HW] intermediates are freed before the next.
        x = tf.tidy(() => encoderLayer(p, c, l, input, posFlat, maskFlat));
        layerDone('encoder', l + 1, c.encLayers);
      }
      const validRatio = validRatioOf(mask);
      const inputSize: [number, number] = [batch.images.shape[1], batch.images.shape[2]];
      const out: EncoderOutput & { backbone?: BackboneOutput; inputProj?: tf.Tensor4D } = { memory: x, pos: posFlat, maskFlat, featH: h, featW: w, inputSize, validRatio, layerInputs };
      if (keep.backbone) {
        out.backbone = bb;
        out.inputProj = inputProj;
      }
      return out;
  }

  /**
   * Multi-scale: input_proj.{l} on each level, levels concatenated (stride 8, 16, 32, each
   * row-major), positions plus level_embed[l], six deformable encoder layers, then the memory
   * split back into levels for the decoder. Deformable DETR adds a fourth level (stride 64):
   * input_proj.3 (3x3 conv, stride 2, padding 1, + GroupNorm) on the last backbone map, its mask
   * the input mask downsampled to it, its positions the sine embedding of that mask.
   */
  function encodeMultiscale(batch: ImageBatch, bb: BackboneOutput, keep: { backbone?: boolean }) {
      const d = c.hiddenDim;
      const b = bb.levels![0].features.shape[0];
      const inputProjLevels = bb.levels!.map((lv, l) => {
        const x = tf.add(tf.conv2d(lv.features, p.conv(`input_proj.${l}.0.weight`), 1, 'valid'), p.raw(`input_proj.${l}.0.bias`)) as tf.Tensor4D;
        return groupNorm(p, `input_proj.${l}.1`, x, 32);
      });
      const levelsIn: { mask: tf.Tensor3D; pos: tf.Tensor4D }[] = [...bb.levels!];
      if (isDeformableDetr(c)) {
        const l = levelsIn.length;
        const last = bb.levels![l - 1].features;
        const conv = tf.conv2d(tf.pad(last, [[0, 0], [1, 1], [1, 1], [0, 0]]), p.conv(`input_proj.${l}.0.weight`), 2, 'valid');
        const x = groupNorm(p, `input_proj.${l}.1`, tf.add(conv, p.raw(`input_proj.${l}.0.bias`)) as tf.Tensor4D, 32);
        const mask = downsampleMask(batch.mask, x.shape[1], x.shape[2]);
        inputProjLevels.push(x);
        levelsIn.push({ mask, pos: sinePositionEmbedding(mask, d / 2, 'deformable') });
      }
      const shapes = inputProjLevels.map((x) => [x.shape[1], x.shape[2]] as [number, number]);
      const levelEmbed = p.raw('transformer.level_embed');
      const posLevels = levelsIn.map((lv, l) => {
        const [h, w] = shapes[l];
        return tf.add(lv.pos.reshape([b, h * w, d]), levelEmbed.slice([l, 0], [1, d]).reshape([1, 1, d])) as tf.Tensor3D;
      });
      const maskLevels = levelsIn.map((lv, l) => lv.mask.reshape([b, shapes[l][0] * shapes[l][1]]) as tf.Tensor2D);
      const validRatios = levelsIn.map((lv) => validRatioOf(lv.mask));
      const src = tf.concat(inputProjLevels.map((x, l) => x.reshape([b, shapes[l][0] * shapes[l][1], d])), 1) as tf.Tensor3D;
      const pos = tf.concat(posLevels, 1) as tf.Tensor3D;
      const maskFlat = tf.concat(maskLevels, 1) as tf.Tensor2D;
      const ref = msReferencePoints(shapes, tf.stack(validRatios, 1) as tf.Tensor3D);
      let x = src;
      const layerInputs: tf.Tensor3D[] = [];
      for (let l = 0; l < c.encLayers; l++) {
        layerInputs.push(x);
        // Each layer in its own scope: at 800x1066 one layer's intermediates (17,600 tokens,
        // an FFN of 1024) are a few hundred MB, which six layers held together would multiply.
        const input = x;
        x = tf.tidy(() => msEncoderLayer(p, c, l, input, pos, ref, maskFlat, shapes).out);
        layerDone('encoder', l + 1, c.encLayers);
      }
      const levels: LevelMemory[] = [];
      let start = 0;
      shapes.forEach(([h, w], l) => {
        levels.push({ memory: x.slice([0, start, 0], [b, h * w, d]), pos: posLevels[l], maskFlat: maskLevels[l], featH: h, featW: w, validRatio: validRatios[l] });
        start += h * w;
      });
      const inputSize: [number, number] = [batch.images.shape[1], batch.images.shape[2]];
      const out: EncoderOutput & { backbone?: BackboneOutput; inputProjLevels?: tf.Tensor4D[] } = {
        memory: x, pos, maskFlat, featH: shapes[0][0], featW: shapes[0][1], inputSize, validRatio: validRatios[0], layerInputs, levels,
      };
      if (keep.backbone) {
        out.backbone = bb;
        out.inputProjLevels = inputProjLevels;
      }
      return out;
  }
}

/** [B, 2] valid ratio (w, h): the unpadded fraction of the first row / column of a [B, h, w] feature mask. */
function validRatioOf(mask: tf.Tensor3D): tf.Tensor2D {
  const [b, h, w] = mask.shape;
  const notMask = tf.sub(1, mask);
  const validW = tf.div(tf.sum(notMask.slice([0, 0, 0], [b, 1, w]), [1, 2]), w);
  const validH = tf.div(tf.sum(notMask.slice([0, 0, 0], [b, h, 1]), [1, 2]), h);
  return tf.stack([validW, validH], 1) as tf.Tensor2D;
}

/**
 * Multi-scale models: the deformable self-attention of encoder layer `layer` (sampling
 * locations and weights, see MsDeformTrace) and its output, recomputed from the layer's input.
 */
export function msEncoderLayerTrace(model: SamDetrModel, enc: EncoderOutput, layer: number): MsDeformTrace & { out: tf.Tensor3D } {
  const levels = enc.levels;
  if (!levels) throw new Error('msEncoderLayerTrace needs a multi-scale model');
  return tidyObject(() => {
    const shapes = levels.map((lv) => [lv.featH, lv.featW] as [number, number]);
    const ref = msReferencePoints(shapes, tf.stack(levels.map((lv) => lv.validRatio), 1) as tf.Tensor3D);
    return msEncoderLayer(model.params, model.config, layer, enc.layerInputs[layer], enc.pos, ref, enc.maskFlat, shapes);
  });
}

/**
 * Multi-scale models: where encoder layer `layer`'s deformable self-attention of one token samples
 * (the view of a clicked location), computed for that token alone (msEncoderLayerTrace would
 * recompute the whole layer: seconds at 800x1066). `index` is the token in the concatenated
 * levels (level 0, stride 8, comes first: a cell y * featW + x of the finest grid).
 * Returns locations [heads, L, P, 2] (x, y relative to each level's padded map) and weights
 * [heads, L, P].
 */
export function msEncoderPointsOf(model: SamDetrModel, enc: EncoderOutput, layer: number, b: number, index: number): MsDeformTrace {
  const levels = enc.levels;
  if (!levels) throw new Error('msEncoderPointsOf needs a multi-scale model');
  const c = model.config;
  const total = enc.pos.shape[1];
  if (!Number.isInteger(index) || index < 0 || index >= total) throw new Error(`token ${index} out of range 0..${total - 1}`);
  if (!Number.isInteger(layer) || layer < 0 || layer >= c.encLayers) throw new Error(`encoder layer ${layer} out of range 0..${c.encLayers - 1}`);
  return tidyObject(() => {
    const shapes = levels.map((lv) => [lv.featH, lv.featW] as [number, number]);
    const vr = tf.stack(levels.map((lv) => lv.validRatio.slice([b, 0], [1, 2])), 1) as tf.Tensor3D; // [1, L, 2]
    const ref = msReferencePoints(shapes, vr).slice([0, index, 0, 0], [1, 1, shapes.length, 2]) as tf.Tensor4D;
    const at = (x: tf.Tensor3D) => x.slice([b, index, 0], [1, 1, c.hiddenDim]) as tf.Tensor3D;
    const query = tf.add(at(enc.layerInputs[layer]), at(enc.pos)) as tf.Tensor3D;
    const t = msSamplingPoints(model.params, c, `transformer.encoder.layers.${layer}.self_attn`, query, ref, shapes);
    const [, heads, L, P] = t.weights.shape;
    return { locations: t.locations.reshape([heads, L, P, 2]), weights: t.weights.reshape([heads, L, P]) };
  });
}

/** [heads, h*w] encoder self-attention of token `index` of image `b` at encoder layer `layer`. */
export function encoderAttentionRow(model: SamDetrModel, enc: EncoderOutput, layer: number, b: number, index: number): tf.Tensor2D {
  if (enc.levels) throw new Error('a multi-scale encoder has deformable attention: no full attention rows');
  return encoderAttentionFromLayerInput(model.params, model.config, layer, enc.layerInputs[layer], enc.pos, enc.maskFlat, b, index);
}
