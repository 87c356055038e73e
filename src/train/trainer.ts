import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../model/config';
import { buildModel } from '../model/model';
import type { StateDict } from '../model/types';
import { disposeDecoder, disposeEncoder } from '../model/dispose';
import { generateScene } from '../data/scene';
import { deriveSeed } from '../data/rng';
import { setCriterion, readLossTerms } from './losses';
import { AdamW, detrParamGroups, isBackboneParam } from './optimizer';
import { sceneBatch } from '../data/sceneBatch';
import { evaluateOnValidation } from '../eval/evaluateModel';
import type { CocoStats } from '../data/cocoTypes';

export interface TrainOptions {
  config: ModelConfig;
  /** Weights to start from (fresh init or a resumed checkpoint). */
  weights: StateDict;
  epochs: number;
  /** First epoch to run (0-based; > 0 when resuming). */
  startEpoch: number;
  stepsPerEpoch: number;
  batchSize: number;
  imageSize: number;
  lr: number;
  backboneLr: number;
  /** Epoch at which the learning rates drop by 10x. */
  lrDrop: number;
  /** A schedule with warm restarts (AdamWOptions.lrDrops, lrRestarts): the drop epochs and the epochs the rate goes back up. */
  lrDrops?: number[];
  lrRestarts?: number[];
  dataSeed: number;
  valImages: number;
  /** Stop after this many seconds (at an epoch boundary's checkpoint; resumable). */
  maxSeconds?: number;
  logEvery?: number;
  onStep?: (rec: Record<string, number>) => void;
  /** Adam moments and step count to resume from (see optimizerState). */
  optimizerState?: SavedOptimizerState;
  /** Called after every epoch with the current weights, optimizer state and validation stats; save them here. */
  onEpoch: (epoch: number, weights: StateDict, stats: CocoStats, info: { stepsPerSec: number; seconds: number; optimizer: SavedOptimizerState }) => Promise<void>;
}

/** AdamW state keyed by state_dict names (variable names carry a per-process suffix). */
export interface SavedOptimizerState {
  step: number;
  lrs: number[];
  moments: StateDict; // `m.<name>` and `v.<name>`
}

const sdName = (varName: string) => varName.replace(/#\d+$/, '');

async function saveOptimizer(opt: AdamW): Promise<SavedOptimizerState> {
  const st = opt.getState();
  const moments: StateDict = new Map();
  for (const s of st.slots) {
    moments.set(`m.${sdName(s.name)}`, { shape: s.m.shape, data: (await s.m.data()) as Float32Array });
    moments.set(`v.${sdName(s.name)}`, { shape: s.v.shape, data: (await s.v.data()) as Float32Array });
    tf.dispose([s.m, s.v]);
  }
  return { step: st.step, lrs: st.lrs, moments };
}

function restoreOptimizer(opt: AdamW, vars: tf.Variable[], saved: SavedOptimizerState): void {
  const slots = [];
  for (const v of vars) {
    const m = saved.moments.get(`m.${sdName(v.name)}`);
    const s = saved.moments.get(`v.${sdName(v.name)}`);
    if (m && s) slots.push({ name: v.name, m: tf.tensor(m.data, m.shape), v: tf.tensor(s.data, s.shape) });
  }
  opt.setState({ step: saved.step, lrs: saved.lrs, slots });
  for (const x of slots) tf.dispose([x.m, x.v]);
}

/**
 * Trains with the DETR recipe: Hungarian matching and set losses on every decoder layer,
 * AdamW with a lower backbone learning rate, gradient clipping at 0.1, a step LR drop.
 * Training images are generated on the fly from (dataSeed, global step, index), so a resumed
 * run sees exactly the images it would have seen.
 */
export async function train(o: TrainOptions): Promise<void> {
  const model = buildModel(o.config, o.weights, { trainable: true });
  const started = performance.now();
  // One forward pass creates every variable the model uses.
  {
    const { batch } = sceneBatch([generateScene(0, { width: o.imageSize, height: o.imageSize })]);
    const enc = model.runEncoder(batch);
    disposeDecoder(model.runDecoder(enc));
    disposeEncoder(enc);
    tf.dispose([batch.images, batch.mask]);
  }
  const vars = [...model.params.variables().values()].filter((v) => v.trainable);
  const opt = new AdamW(detrParamGroups(vars, isBackboneParam, o.lr, o.backboneLr), { lrDrop: o.lrDrop, lrDrops: o.lrDrops ?? [], lrRestarts: o.lrRestarts ?? [], maxGradNorm: 0.1, weightDecay: 1e-4 });
  if (o.optimizerState) restoreOptimizer(opt, vars, o.optimizerState);
  const logEvery = o.logEvery ?? 25;
  try {
    for (let epoch = o.startEpoch; epoch < o.epochs; epoch++) {
      opt.setEpoch(epoch);
      const t0 = performance.now();
      for (let s = 0; s < o.stepsPerEpoch; s++) {
        const step = epoch * o.stepsPerEpoch + s;
        const scenes = Array.from({ length: o.batchSize }, (_, i) => generateScene(deriveSeed(o.dataSeed, step * o.batchSize + i), { width: o.imageSize, height: o.imageSize }));
        const { batch, targets } = sceneBatch(scenes);
        let terms: Record<string, number> = {};
        const { value, grads } = tf.variableGrads(() => {
          const enc = model.runEncoder(batch);
          const dec = model.runDecoder(enc);
          const crit = setCriterion(dec.layers, targets);
          if (s % logEvery === 0) terms = readLossTerms(crit);
          return crit.loss;
        }, vars);
        const { gradNorm } = opt.step(grads);
        if (s % logEvery === 0) o.onStep?.({ epoch, step, ...terms, gradNorm, lr: opt.getLr(0), sec: (performance.now() - started) / 1000 });
        tf.dispose([value, batch.images, batch.mask]);
        tf.dispose(Object.values(grads));
      }
      const seconds = (performance.now() - t0) / 1000;
      // One read of the trained variables serves the evaluation model and the checkpoint.
      const weights = await model.params.stateDict();
      const evalModel = buildModel(o.config, weights);
      const stats = await evaluateOnValidation(evalModel, o.valImages, o.imageSize);
      evalModel.dispose();
      await o.onEpoch(epoch, weights, stats, { stepsPerSec: o.stepsPerEpoch / seconds, seconds, optimizer: await saveOptimizer(opt) });
      if (o.maxSeconds !== undefined && (performance.now() - started) / 1000 > o.maxSeconds && epoch + 1 < o.epochs) break;
    }
  } finally {
    opt.dispose();
    model.dispose();
  }
}

/** The official model's state_dict lists the decoder's shared box heads twice; keep both names equal. */
export function syncSharedBoxHeads(sd: StateDict): StateDict {
  for (const [name, e] of sd) {
    if (name.startsWith('bbox_embed.')) sd.set(`transformer.decoder.${name}`, { shape: e.shape, data: e.data });
  }
  return sd;
}
