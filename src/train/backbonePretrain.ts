import * as tf from '@tensorflow/tfjs';
import { outputStride, type ModelConfig } from '../model/config';
import { buildModel } from '../model/model';
import { runBackbone } from '../model/backbone';
import type { StateDict } from '../model/types';
import { generateScene, NUM_CLASSES, type Scene } from '../data/scene';
import { deriveSeed } from '../data/rng';
import { sceneBatch } from '../data/sceneBatch';
import { AdamW, isBackboneParam } from './optimizer';

/**
 * Backbone pretraining: the stand-in for the ImageNet initialisation of the official models.
 *
 * DETR's recipe (a 10x lower backbone learning rate) presumes a backbone that already sees
 * objects; a from-scratch ResNet under that recipe barely moves, and the detectors then learn
 * where things are but not what they are. There is no ImageNet here, so the backbone first learns
 * a dense task on generated training scenes: for every cell of its output grid (16 px at DC5),
 * the fraction of the cell that each class covers, plus background. A linear head on the last
 * stage predicts it; the head is thrown away afterwards, as ImageNet's classifier is.
 * The validation scenes come from other seeds (src/data/scene.ts `validationSeed`), so nothing
 * of the evaluation set is seen here.
 */

/** Soft per-cell labels [rows * cols * (NUM_CLASSES + 1)] (background last) from visible-coverage masks. */
export function cellTargets(scene: Scene, stride: number): Float32Array {
  const { width: w, height: h } = scene;
  const rows = Math.ceil(h / stride);
  const cols = Math.ceil(w / stride);
  const k = NUM_CLASSES + 1;
  const out = new Float32Array(rows * cols * k);
  const masks = [...(scene.masks ?? []), ...(scene.hiddenMasks ?? [])];
  const classes = [...scene.objects, ...scene.hidden].map((o) => o.classId);
  if (masks.length !== classes.length) throw new Error('cellTargets needs a scene generated with debugMasks');
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const y0 = r * stride;
      const x0 = c * stride;
      const y1 = Math.min(h, y0 + stride);
      const x1 = Math.min(w, x0 + stride);
      const n = (y1 - y0) * (x1 - x0);
      const cell = (r * cols + c) * k;
      let fg = 0;
      masks.forEach((m, i) => {
        let s = 0;
        for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) s += m[y * w + x];
        out[cell + classes[i]] += s / n;
        fg += s / n;
      });
      // Coverage of stacked objects can exceed 1 where an occluder's edge is anti-aliased.
      if (fg > 1) for (let j = 0; j < NUM_CLASSES; j++) out[cell + j] /= fg;
      out[cell + NUM_CLASSES] = Math.max(0, 1 - fg);
    }
  }
  return out;
}

export interface PretrainOptions {
  config: ModelConfig;
  weights: StateDict;
  steps: number;
  batchSize: number;
  imageSize: number;
  lr: number;
  dataSeed: number;
  /** Held-out scenes for the accuracy report (from a seed stream the training never uses). */
  evalImages: number;
  logEvery?: number;
  onLog?: (rec: Record<string, number>) => void;
}

/** Scene seeds of pretraining step `step` (or of the held-out accuracy set, 'eval'). */
export function pretrainSeeds(dataSeed: number, step: number | 'eval', n: number): number[] {
  const base = deriveSeed(dataSeed, step === 'eval' ? 0xe7a1 : step);
  return Array.from({ length: n }, (_, i) => deriveSeed(base, i));
}

/** Output stride of the backbone (config.outputStride). */
export const backboneStride = (c: ModelConfig) => outputStride(c);

/**
 * Trains the backbone variables of `weights` on the dense cell task; returns the backbone
 * entries (`backbone.*`) of the state dict, and the held-out cell accuracy before and after.
 */
export async function pretrainBackbone(o: PretrainOptions): Promise<{ backbone: StateDict; accuracyBefore: number; accuracyAfter: number }> {
  const model = buildModel(o.config, o.weights, { trainable: true });
  const stride = backboneStride(o.config);
  const k = NUM_CLASSES + 1;
  const scenesOf = (seeds: number[]) => seeds.map((seed) => generateScene(seed, { width: o.imageSize, height: o.imageSize, debugMasks: true }));
  const evalScenes = scenesOf(pretrainSeeds(o.dataSeed, 'eval', o.evalImages));
  // Build the backbone variables, then the head (a 1x1 conv as a matrix).
  const probe = sceneBatch(evalScenes.slice(0, 1));
  const channels = tf.tidy(() => runBackbone(model.params, o.config, probe.batch.images).shape[3]);
  tf.dispose([probe.batch.images, probe.batch.mask]);
  const head = {
    w: tf.variable(tf.randomNormal([channels, k], 0, Math.sqrt(1 / channels), 'float32', 11), true, 'pretrain.head.weight'),
    b: tf.variable(tf.zeros([k]), true, 'pretrain.head.bias'),
  };
  const vars = [...[...model.params.variables().values()].filter((v) => v.trainable && isBackboneParam(v.name)), head.w, head.b];
  const opt = new AdamW([{ name: 'all', params: vars, lr: o.lr }], { maxGradNorm: 1, weightDecay: 1e-4, lrDrop: Math.round(o.steps * 0.8) });
  const logits = (images: tf.Tensor4D) => {
    const f = runBackbone(model.params, o.config, images);
    return tf.add(tf.matMul(tf.reshape(f, [-1, channels]), head.w), head.b) as tf.Tensor2D;
  };
  // The held-out cells' labels: the argmax class of each cell dominated by an object, else -1.
  const evalClasses = evalScenes.flatMap((s) => {
    const t = cellTargets(s, stride);
    return Array.from({ length: t.length / k }, (_, j) => {
      let best = 0;
      for (let c = 1; c < k; c++) if (t[j * k + c] > t[j * k + best]) best = c;
      return best === NUM_CLASSES ? -1 : best;
    });
  });
  /** Share of foreground-dominated held-out cells whose predicted class is right. */
  const accuracy = async () => {
    let hit = 0;
    let n = 0;
    for (let i = 0; i < evalScenes.length; i += o.batchSize) {
      const part = evalScenes.slice(i, i + o.batchSize);
      const { batch } = sceneBatch(part);
      const pred = tf.tidy(() => tf.argMax(logits(batch.images), 1));
      const p = await pred.data();
      tf.dispose([pred, batch.images, batch.mask]);
      const first = (i * evalClasses.length) / evalScenes.length;
      p.forEach((c, j) => {
        const want = evalClasses[first + j];
        if (want < 0) return;
        n++;
        if (c === want) hit++;
      });
    }
    return n ? hit / n : 0;
  };
  const logEvery = o.logEvery ?? 25;
  const started = performance.now();
  try {
    const accuracyBefore = await accuracy();
    o.onLog?.({ step: 0, accuracy: accuracyBefore, sec: 0 });
    for (let step = 0; step < o.steps; step++) {
      opt.setEpoch(step);
      const scenes = scenesOf(pretrainSeeds(o.dataSeed, step, o.batchSize));
      const { batch } = sceneBatch(scenes);
      const labels = Float32Array.from(scenes.flatMap((s) => [...cellTargets(s, stride)]));
      const target = tf.tensor2d(labels, [labels.length / k, k]);
      // Cells with an object count 5x: most cells are background.
      const weight = tf.tidy(() => tf.add(1, tf.mul(4, tf.sub(1, tf.slice(target, [0, NUM_CLASSES], [-1, 1])))));
      let lossValue = 0;
      const { value, grads } = tf.variableGrads(() => {
        const lp = tf.logSoftmax(logits(batch.images));
        const perCell = tf.neg(tf.sum(tf.mul(target, lp), 1, true));
        const loss = tf.div(tf.sum(tf.mul(perCell, weight)), tf.sum(weight)) as tf.Scalar;
        return loss;
      }, vars);
      if (step % logEvery === 0) lossValue = (await value.data())[0];
      const { gradNorm } = opt.step(grads);
      tf.dispose([value, target, weight, batch.images, batch.mask, ...Object.values(grads)]);
      if (step % logEvery === 0) o.onLog?.({ step, loss: lossValue, gradNorm, lr: opt.getLr(0), sec: (performance.now() - started) / 1000 });
    }
    const accuracyAfter = await accuracy();
    o.onLog?.({ step: o.steps, accuracy: accuracyAfter, sec: (performance.now() - started) / 1000 });
    const all = await model.params.stateDict();
    const backbone: StateDict = new Map([...all].filter(([name]) => isBackboneParam(name)));
    return { backbone, accuracyBefore, accuracyAfter };
  } finally {
    opt.dispose();
    tf.dispose([head.w, head.b]);
    model.dispose();
  }
}
