/**
 * The inference engine behind the worker: loads models, runs them, keeps the trace tensors of the
 * last run per model slot, and answers slice requests (only what is drawn is downloaded).
 * Free of worker plumbing so it can also run in Node tests.
 */
import * as tf from '@tensorflow/tfjs';
import {
  buildModel, preprocess, encoderAttentionRow, disposeEncoder, disposeDecoder, loadCheckpoint, bestClassOfRow, detectionsOf, familyOf,
  scoreTensors, type SamDetrModel,
} from './modelApi';
import { downloadQuerySlice, pickQuerySlice, querySliceTensors, traceSize, wholeTrace, type QuerySliceArrays, type WholeTrace } from './querySlice';
import { compileInParallel, parallelCompiler, type ParallelCompiler } from './gpuCompile';
import { onLayerDone } from '../model/layerProgress';
import { msEncoderPointsOf } from '../model/model';
import type { DecoderOutput, EncoderOutput, StateDict, Detection, ImageBatch } from '../model/types';
import { classLogits, isDeformableDetr, msDecoderLevel, querySlots, type ModelConfig } from '../model/config';
import { levelGrids } from './levelGrids';
import { samplingShape } from './samplingSlice';
import { decoderSampling } from './decoderSampling';
import { readSafetensorsBlob } from '../checkpoint/safetensors';
import { readStoredModel, writeStoredModel, type WeightsFileHandle } from './storedModel';
import { dilationIsGuess, type DilationSource } from '../checkpoint/detectConfig';
import { fetchBundledFiles } from './bundledFiles';
import type { BackendName, BundledFiles, DecoderSampling, EncoderPointsSlice, EncoderSlice, LayerGrid, ModelInfo, Progress, QuerySlice, RunResult, StageTiming, Variant } from './messages';

export type ProgressFn = (p: Progress) => void;

/** What both checkpoint readers (a .pth file, a model kept in the browser) give the engine. */
type CheckpointContents = Pick<Awaited<ReturnType<typeof loadCheckpoint>>, 'config' | 'stateDict' | 'epoch' | 'warnings'> & {
  /** Absent for a model kept before the source was recorded (see chosenDc5). */
  dilationSource?: DilationSource;
};

interface Run {
  enc: EncoderOutput;
  dec: DecoderOutput;
  decOff?: DecoderOutput;
  target: [number, number];
  resized: [number, number];
  padded: [number, number];
}

interface Slot {
  model: SamDetrModel;
  info: ModelInfo;
  run?: Run;
  /** The page will ask for its weights to be stored (storeWeights): their arrays stay until then. */
  storePending?: boolean;
  /** It has run once: every tensor of its forward pass exists. */
  ran?: boolean;
}

const now = () => performance.now();

/** Waits until a tensor has been computed, reading back one element only (on GPU backends, a full read costs). */
async function settle(t: tf.Tensor): Promise<void> {
  const one = tf.slice(t, t.shape.map(() => 0), t.shape.map(() => 1));
  try {
    await one.data();
  } finally {
    one.dispose();
  }
}

function countParams(sd: StateDict): number {
  let n = 0;
  for (const v of sd.values()) n += v.data.length;
  return n;
}

/**
 * A checkpoint's configuration with the user's DC5 where the file does not say it (a name or the
 * default guessed it), and what the page is told of it: where DC5 came from and the guess.
 * Elsewhere (args said it, multi-scale has none, or a model stored before this was kept) the
 * choice is ignored.
 */
function chosenDc5(detected: ModelConfig, source: DilationSource | undefined, dilation: boolean | undefined) {
  const config = dilation !== undefined && dilationIsGuess(source) ? { ...detected, dilation } : detected;
  return { config, info: source ? { dilationSource: source, dilationDetected: detected.dilation, dilationGuess: dilationIsGuess(source) } : {} };
}

/**
 * Largest decoder trace (values, all layers and kinds) read whole for slice requests: 4 MB of
 * float32. The bundled models' traces are ~0.1 M values; an official-size run's, ~25 M.
 */
export const WHOLE_TRACE_MAX_VALUES = 1 << 20;

/** What the engine's decoder runs trace beyond the model's outputs: Conditional DETR's attention parts (QuerySlice.spatialAttention). */
const TRACE_OPTIONS = { attentionParts: true } as const;

export function defaultMaxSize(inputSize: number): number {
  return Math.round((inputSize * 1333) / 800);
}

export interface EngineOptions {
  /** The backend's parallel shader compilation, asked for at each run (default: WebGPU's, see gpuCompile.ts); null: none. */
  compiler?: () => ParallelCompiler | null;
}

export class Engine {
  private slots = new Map<number, Slot>();
  /** Per model, the padded input shapes its programs were compiled for by a compile-only pass. */
  private compiledShapes = new WeakMap<SamDetrModel, Set<string>>();
  private compiler: () => ParallelCompiler | null;
  /** Per decoder run, its whole trace once read (small runs only, see querySlice.ts). */
  private wholeTraces = new WeakMap<DecoderOutput, Promise<WholeTrace>>();

  constructor(private backendName: () => BackendName, opts: EngineOptions = {}) {
    this.compiler = opts.compiler ?? parallelCompiler;
  }

  private slot(i: number): Slot {
    const s = this.slots.get(i);
    if (!s) throw new Error(`no model loaded in slot ${i}`);
    return s;
  }

  /** Puts an already built model into a slot (used by the loaders, and by tests). */
  install(slot: number, model: SamDetrModel, info: ModelInfo) {
    this.unload(slot);
    this.slots.set(slot, { model, info });
  }

  unload(slot: number) {
    const s = this.slots.get(slot);
    if (!s) return;
    this.clearRun(s);
    s.model.dispose();
    this.slots.delete(slot);
  }

  private clearRun(s: Slot) {
    if (!s.run) return;
    disposeDecoder(s.run.dec);
    if (s.run.decOff) disposeDecoder(s.run.decOff);
    disposeEncoder(s.run.enc);
    s.run = undefined;
  }

  /** `files`: the card and weights as the page fetched them; without, they are fetched here. */
  async loadBundled(slot: number, name: string, baseUrl: string, progress: ProgressFn, files?: BundledFiles): Promise<ModelInfo> {
    const t0 = now();
    progress({ stage: 'model card' });
    const { card, weights: blob } = files ?? (await fetchBundledFiles(baseUrl, name));
    progress({ stage: 'weights', done: 0, total: blob.size });
    const { stateDict } = await readSafetensorsBlob(blob, (done, total) => progress({ stage: 'weights', done, total }));
    progress({ stage: 'building model' });
    const model = buildModel(card.config, stateDict);
    const inputSize = card.inputSize ?? 800;
    const info: ModelInfo = {
      slot, name, source: 'bundled', config: card.config, classNames: card.classNames ?? [], inputSize,
      maxSize: card.maxSize ?? defaultMaxSize(inputSize), placeholder: !!card.placeholder, card, family: familyOf(card.config), querySlots: querySlots(card.config),
      params: countParams(stateDict), loadMs: now() - t0,
    };
    this.install(slot, model, info);
    return info;
  }

  /**
   * `store`: the page will send storeWeights for this model (see Slot.storePending). `dilation`:
   * the user's DC5 for this checkpoint, used where the file does not say it (see chosenDc5).
   */
  async loadCheckpoint(slot: number, file: Blob, fileName: string, progress: ProgressFn, store = false, dilation?: boolean): Promise<ModelInfo> {
    const t0 = now();
    const ck = await loadCheckpoint(file, fileName, (done, total) => progress({ stage: 'reading checkpoint', done, total }));
    const info = this.installCheckpoint(slot, fileName, ck, ck.report, dilation, progress, t0);
    this.slots.get(slot)!.storePending = store;
    return info;
  }

  /** A checkpoint kept in the browser (storedModel.ts): its weights and what its reader found, from one file. */
  async loadStored(slot: number, file: Blob, fileName: string, progress: ProgressFn, dilation?: boolean): Promise<ModelInfo> {
    const t0 = now();
    const m = await readStoredModel(file, (done, total) => progress({ stage: 'reading stored model', done, total }));
    const report = [...m.report, `kept in this browser: the model's weights (${(file.size / 1e6).toFixed(1)} MB of float32)`];
    return this.installCheckpoint(slot, fileName, m, report, dilation, progress, t0);
  }

  /** Builds a checkpoint's model (read from its file, or as kept in the browser) into a slot. */
  private installCheckpoint(
    slot: number, fileName: string, ck: CheckpointContents, report: string[], dilation: boolean | undefined, progress: ProgressFn, t0: number,
  ): ModelInfo {
    progress({ stage: 'building model' });
    const dc5 = chosenDc5(ck.config, ck.dilationSource, dilation);
    const model = buildModel(dc5.config, ck.stateDict);
    const info: ModelInfo = {
      slot, name: `upload:${fileName}`, source: 'checkpoint', config: dc5.config, classNames: [], inputSize: 800, maxSize: 1333,
      placeholder: false, epoch: ck.epoch, report, warnings: ck.warnings, ...dc5.info, family: familyOf(dc5.config), querySlots: querySlots(dc5.config), params: countParams(ck.stateDict), loadMs: now() - t0,
    };
    this.install(slot, model, info);
    return info;
  }

  /**
   * The checkpoint in `slot` with DC5 switched, where the file does not say it: a new model over
   * the same parameters (no read, no copy: DC5 changes how the last ResNet stage runs, not its
   * weights). The slot's run belongs to the old setting and goes.
   */
  setDilation(slot: number, dilation: boolean): ModelInfo {
    const s = this.slot(slot);
    if (!dilationIsGuess(s.info.dilationSource)) {
      throw new Error(s.info.dilationSource === 'n/a' ? 'this model has no DC5 (multi-scale)' : "this model's DC5 is not a guess: its checkpoint says it");
    }
    if (s.info.config.dilation === dilation) return s.info;
    const config = { ...s.info.config, dilation };
    const model = buildModel(config, s.model.params);
    this.clearRun(s);
    // Not disposed: the old model's parameters are the new one's.
    s.model = model;
    s.info = { ...s.info, config };
    return s.info;
  }

  /**
   * Writes the weights of the checkpoint in `slot` (still the model named `model`) into a file
   * of the page's store, from the arrays it was built from; null: nothing to write. Either way
   * its arrays may then go. Returns the bytes written.
   */
  async storeWeights(slot: number, model: string, handle: WeightsFileHandle | null): Promise<number> {
    const s = this.slots.get(slot);
    if (!s || s.info.name !== model) {
      if (handle) throw new Error('it was unloaded before it could be stored');
      return 0;
    }
    try {
      const { config, epoch, report = [], warnings = [], dilationSource, dilationDetected } = s.info;
      // Stored as detected: a DC5 the user chose is the store's to keep (its sidecar), and can change later.
      const detected = { ...config, dilation: dilationDetected ?? config.dilation };
      return handle ? await writeStoredModel(s.model.params, { config: detected, epoch, report, warnings, dilationSource }, handle) : 0;
    } finally {
      s.storePending = false;
      this.releaseArrays(s);
    }
  }

  /**
   * Once a model has run (its tensors exist) and nothing waits to store its weights, the float32
   * arrays it was built from go: they are a second copy of the model (237 MB for an official R50).
   */
  private releaseArrays(s: Slot) {
    if (s.ran && !s.storePending) s.model.params.release();
  }

  async detect(
    slot: number, rgb: Uint8ClampedArray, width: number, height: number,
    opts: { inputSize?: number; maxSize?: number; topK?: number }, progress: ProgressFn,
  ): Promise<RunResult> {
    // Layer by layer once the run proper starts (not the compile pass before it).
    const layers = { on: false };
    const stop = onLayerDone((stage, step, steps) => layers.on && progress({ stage, step, steps }));
    try {
      return await this.runDetect(slot, rgb, width, height, opts, progress, layers);
    } finally {
      stop();
    }
  }

  private async runDetect(
    slot: number, rgb: Uint8ClampedArray, width: number, height: number,
    opts: { inputSize?: number; maxSize?: number; topK?: number }, progress: ProgressFn, layers: { on: boolean },
  ): Promise<RunResult> {
    const s = this.slot(slot);
    this.clearRun(s);
    const timings: StageTiming[] = [];
    let t = now();
    const lap = (stage: string) => {
      const n = now();
      timings.push({ stage, ms: n - t });
      t = n;
    };
    const inputSize = opts.inputSize ?? s.info.inputSize;
    const maxSize = opts.maxSize ?? (opts.inputSize ? defaultMaxSize(opts.inputSize) : s.info.maxSize);
    progress({ stage: 'preprocess' });
    const pre = preprocess(rgb, height, width, { shortSide: inputSize, maxSize });
    let enc: EncoderOutput | undefined;
    try {
      await settle(pre.batch.images); // wait for the GPU so each stage's time is its own
      lap('preprocess');
      if (await this.compileFirst(s, pre.batch, opts.topK, progress)) lap('compile shaders');
      layers.on = true;
      progress({ stage: 'backbone' });
      const bb = s.model.runBackbone(pre.batch);
      try {
        await settle(bb.features);
        lap('backbone');
        progress({ stage: 'encoder' });
        enc = s.model.runEncoder(pre.batch, {}, bb);
        await settle(enc.memory); // one element: the memory stays on the GPU (the multi-scale one is 18 MB at 800x1066)
        lap('encoder');
      } finally {
        // Multi-scale: every level (the top-level fields are the last one's).
        tf.dispose([bb.features, bb.mask, bb.pos, ...(bb.levels ?? []).flatMap((lv) => [lv.features, lv.mask, lv.pos])]);
      }
    } finally {
      pre.batch.images.dispose();
      pre.batch.mask.dispose();
    }
    progress({ stage: 'decoder' });
    let dec: DecoderOutput;
    try {
      dec = s.model.runDecoder(enc, TRACE_OPTIONS);
      await dec.layers[dec.layers.length - 1].predBoxes.data();
    } catch (e) {
      disposeEncoder(enc);
      throw e;
    }
    lap('decoder');
    layers.on = false;
    s.ran = true;
    this.releaseArrays(s);
    const padded: [number, number] = [pre.batch.images.shape[1], pre.batch.images.shape[2]];
    s.run = { enc, dec, target: [height, width], resized: pre.resized, padded };
    progress({ stage: 'postprocess' });
    const detections = await this.post(s, dec, opts.topK);
    lap('postprocess');
    const grids = this.layerGrids(s, s.run);
    return {
      slot, variant: 'main', detections, featH: enc.featH, featW: enc.featW, resized: pre.resized, padded,
      timings, backend: this.backendName(), ...(grids ? { layerGrids: grids } : {}),
    };
  }

  /** The model's own postprocess of the last layer (src/model/scoring.ts chooses it by family). */
  private async post(s: Slot, dec: DecoderOutput, topK?: number): Promise<Detection[]> {
    return (await detectionsOf(s.model.config, dec.layers[dec.layers.length - 1], [s.run!.target], topK))[0];
  }

  /** Re-runs only the decoder on the cached encoder output, with the SMCA prior on or off. */
  async rerun(slot: number, smcaPrior: boolean, topK: number | undefined, progress: ProgressFn): Promise<RunResult> {
    const s = this.slot(slot);
    const run = s.run;
    if (!run) throw new Error('run a detection first');
    const timings: StageTiming[] = [];
    const t0 = now();
    let dec = run.dec;
    if (!smcaPrior) {
      if (!s.model.config.smca) throw new Error('this model has no SMCA prior to switch off');
      if (!run.decOff) {
        progress({ stage: 'decoder (prior off)' });
        run.decOff = s.model.runDecoder(run.enc, { smcaPrior: false });
        await run.decOff.layers[run.decOff.layers.length - 1].predBoxes.data();
      }
      dec = run.decOff;
      timings.push({ stage: 'decoder (prior off)', ms: now() - t0 });
    }
    const t1 = now();
    const detections = await this.post(s, dec, topK);
    timings.push({ stage: 'postprocess', ms: now() - t1 });
    const grids = this.layerGrids(s, run);
    return {
      slot, variant: smcaPrior ? 'main' : 'off', detections, featH: run.enc.featH, featW: run.enc.featW,
      resized: run.resized, padded: run.padded, timings, backend: this.backendName(), ...(grids ? { layerGrids: grids } : {}),
    };
  }

  async querySlice(slot: number, variant: Variant, query: number): Promise<QuerySlice> {
    const s = this.slot(slot);
    const run = s.run;
    if (!run) throw new Error('run a detection first');
    const maybe = variant === 'off' ? run.decOff : run.dec;
    if (!maybe) throw new Error('the prior-off decoder has not been run');
    const dec: DecoderOutput = maybe;
    const nq = querySlots(s.model.config);
    if (!Number.isInteger(query) || query < 0 || query >= nq) throw new Error(`query ${query} out of range 0..${nq - 1}`);
    const L = dec.layers.length;
    const H = s.model.config.nheads;
    // Each layer's attention grid: one map for all layers, or (multi-scale) the level it reads.
    const grids = this.layerGrids(s, run);
    const hws = grids ? grids.map((g) => g.featH * g.featW) : dec.layers.map(() => run.enc.featH * run.enc.featW);
    const offsets = hws.map((_, l) => hws.slice(0, l).reduce((a, n) => a + n, 0) * H);
    const smcaPrior = variant === 'main'; // the prior-off variant has no prior maps
    const trace = await this.querySliceArrays(dec, query, H, hws, smcaPrior);
    const { ref, roi, sal, scales, attn, gauss, logits, boxes, refPt, spatial, content } = trace;
    const rows = (a: Float32Array, n: number) => Array.from({ length: L }, (_, l) => Array.from(a.subarray(l * n, (l + 1) * n)));
    const pts = (a: Float32Array) => rows(a, H * 2).map((r) => Array.from({ length: H }, (_, h) => [r[2 * h], r[2 * h + 1]]));
    const maps = (a: Float32Array) => Array.from({ length: L }, (_, l) => Array.from({ length: H }, (_, h) => a.slice(offsets[l] + h * hws[l], offsets[l] + (h + 1) * hws[l])));
    // Each layer's best real class and its score, by the model's own scoring (src/model/scoring.ts).
    const cfg = s.model.config;
    const C = classLogits(cfg);
    const predictions = Array.from({ length: L }, (_, l) => ({
      ...bestClassOfRow(cfg, logits.subarray(l * C, (l + 1) * C)),
      box: Array.from(boxes.subarray(l * 4, l * 4 + 4)),
    }));
    return {
      slot, variant, query, layers: L, heads: H, featH: run.enc.featH, featW: run.enc.featW,
      referenceBoxes: ref ? rows(ref, 4) : null, roiBoxes: roi ? rows(roi, 4) : null, salientPoints: sal ? pts(sal) : null,
      smcaScales: scales ? pts(scales) : null, attention: attn ? maps(attn) : dec.layers.map(() => []), gaussian: gauss ? maps(gauss) : null, predictions,
      ...(grids ? { layerGrids: grids } : {}), ...this.samplingOf(s, run, dec, trace),
      ...(refPt ? { referencePoints: rows(refPt, 2) } : {}), ...(spatial && content ? { spatialAttention: maps(spatial), contentAttention: maps(content) } : {}),
    };
  }

  /** Deformable DETR: the query's sampling points, references and proposal (QuerySlice.sampling); {} for other decoders. */
  private samplingOf(s: Slot, run: Run, dec: DecoderOutput, trace: QuerySliceArrays): { sampling?: DecoderSampling } {
    const shape = samplingShape(dec);
    if (!shape || !run.enc.levels) return {};
    const sampling = decoderSampling(trace, levelGrids(s.model.config, run.enc.levels), shape.heads, shape.points, shape.refDims);
    return sampling ? { sampling } : {};
  }

  /**
   * One query's trace: cut from the decoder's whole trace, read once, when that is small (see
   * querySlice.ts), else sliced and read on the backend.
   */
  private async querySliceArrays(dec: DecoderOutput, query: number, H: number, hws: number[], smcaPrior: boolean): Promise<QuerySliceArrays> {
    if (traceSize(dec) > WHOLE_TRACE_MAX_VALUES) return downloadQuerySlice(dec, query, H, hws, smcaPrior);
    let whole = this.wholeTraces.get(dec);
    if (!whole) {
      whole = wholeTrace(dec);
      this.wholeTraces.set(dec, whole);
    }
    return pickQuerySlice(await whole, query, smcaPrior);
  }

  /**
   * On a backend that compiles in parallel (WebGPU), the first run of a model at a padded input
   * shape first runs its programs once compile-only (gpuCompile.ts): backbone, encoder, decoder,
   * the postprocess before its read, and one query's trace, with nothing dispatched, read or
   * kept, so every pipeline is made at once instead of one per first dispatch. Returns whether it ran.
   */
  private async compileFirst(s: Slot, batch: ImageBatch, topK: number | undefined, progress: ProgressFn): Promise<boolean> {
    const compiler = this.compiler();
    if (!compiler) return false;
    const key = batch.images.shape.join('x');
    let done = this.compiledShapes.get(s.model);
    if (done?.has(key)) return false;
    progress({ stage: 'compiling shaders' });
    const { model } = s;
    const c = model.config;
    await compileInParallel(compiler, () => model.params.uncached(() => {
      const enc = model.runEncoder(batch);
      const dec = model.runDecoder(enc, TRACE_OPTIONS);
      const last = dec.layers[dec.layers.length - 1];
      scoreTensors(c, last, topK);
      const hws = enc.levels ? dec.layers.map((_, l) => enc.levels![msDecoderLevel(l)].featH * enc.levels![msDecoderLevel(l)].featW) : dec.layers.map(() => enc.featH * enc.featW);
      querySliceTensors(dec, 0, c.nheads, hws, true);
    }));
    if (!done) this.compiledShapes.set(s.model, (done = new Set()));
    done.add(key);
    return true;
  }

  /** Multi-scale models: per decoder layer, the level its cross-attention reads (coarse to fine); null for one map. */
  private layerGrids(s: Slot, run: Run): LayerGrid[] | null {
    const levels = run.enc.levels;
    // Deformable DETR's layers each sample every level: no one grid per layer (see QuerySlice.sampling).
    if (!levels || isDeformableDetr(s.model.config)) return null;
    const grids = levelGrids(s.model.config, levels);
    return Array.from({ length: s.model.config.decLayers }, (_, l) => grids[msDecoderLevel(l)]);
  }

  /**
   * Multi-scale models: where encoder layer `layer`'s deformable attention of one cell of the
   * stride-8 grid (index = y * featW + x of RunResult's featH x featW) samples, per head, level
   * and point, with its attention weight.
   */
  async encoderSamplingPoints(slot: number, layer: number, index: number): Promise<EncoderPointsSlice> {
    const s = this.slot(slot);
    const run = s.run;
    if (!run) throw new Error('run a detection first');
    const levels = run.enc.levels;
    if (!levels) throw new Error('this model has no deformable encoder (single-scale: ask for encoder attention)');
    const l = Math.min(s.model.config.encLayers - 1, Math.max(0, layer));
    const cells = run.enc.featH * run.enc.featW;
    if (!Number.isInteger(index) || index < 0 || index >= cells) throw new Error(`cell ${index} out of range 0..${cells - 1}`);
    const t = msEncoderPointsOf(s.model, run.enc, l, 0, index);
    try {
      const [loc, w] = await Promise.all([t.locations.data(), t.weights.data()]);
      const [heads, L, P] = t.weights.shape;
      const points = Array.from({ length: heads }, (_, h) => Array.from({ length: L }, (_, lv) => Array.from({ length: P }, (_, p) => {
        const i = (h * L + lv) * P + p;
        return [loc[2 * i], loc[2 * i + 1], w[i]];
      })));
      return { slot, layer: l, index, heads, levels: levelGrids(s.model.config, levels), points };
    } finally {
      tf.dispose([t.locations, t.weights]);
    }
  }

  async encoderAttention(slot: number, layer: number, index: number): Promise<EncoderSlice> {
    const s = this.slot(slot);
    const run = s.run;
    if (!run) throw new Error('run a detection first');
    const L = s.model.config.encLayers;
    if (L < 1) throw new Error('this model has no encoder layers');
    const l = Math.min(L - 1, Math.max(0, layer));
    const row = encoderAttentionRow(s.model, run.enc, l, 0, index);
    try {
      const a = (await row.data()) as Float32Array;
      const [H, hw] = row.shape;
      return { slot, layer: l, index, featH: run.enc.featH, featW: run.enc.featW, attention: Array.from({ length: H }, (_, h) => a.slice(h * hw, (h + 1) * hw)) };
    } finally {
      row.dispose();
    }
  }

  disposeAll() {
    for (const k of [...this.slots.keys()]) this.unload(k);
  }
}

export type { ModelConfig };
