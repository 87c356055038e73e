/**
 * One timed inference through the app's engine (src/worker/engine.ts), the code the worker runs for
 * the user: detect (its stage timings), the trace of the selected (top) query as the app fetches it,
 * and the decoder-only re-run on the cached encoder memory (the SMCA on/off view). Shared by the Node
 * benchmark (bench/lib/rows.ts) and the browser one (src/bench/bench.worker.ts), so the rows compare.
 */
import type { Engine } from '../worker/engine';
import type { ModelConfig } from '../model/config';
import type { ModelInfo } from '../worker/messages';

/** Stage times in ms; total = preprocess + compile (when run) + backbone + encoder + decoder + postprocess + trace. */
export interface StageTimes {
  preprocess_ms: number;
  /** WebGPU's compile-only pass of a first run at an input shape (src/worker/gpuCompile.ts); absent when none ran. */
  compile_ms?: number;
  backbone_ms: number;
  encoder_ms: number;
  decoder_ms: number;
  postprocess_ms: number;
  trace_ms: number;
  total_ms: number;
  /** Wall time of the detect call (the stages plus what lies between them). */
  detect_wall_ms: number;
  /** Decoder re-run with the SMCA prior off on the cached encoder output (SMCA models only). */
  decoder_rerun_ms?: number;
}

export const STAGE_KEYS = ['preprocess_ms', 'compile_ms', 'backbone_ms', 'encoder_ms', 'decoder_ms', 'postprocess_ms', 'trace_ms', 'total_ms', 'decoder_rerun_ms', 'detect_wall_ms'] as const;

/** A ModelInfo for a model installed into the engine directly (no card). */
export function benchInfo(name: string, config: ModelConfig, inputSize: number, maxSize: number): ModelInfo {
  return { slot: 0, name, source: 'bundled', config, classNames: [], inputSize, maxSize, placeholder: false, params: 0, loadMs: 0 };
}

export async function timedEngineRun(
  engine: Engine, slot: number, rgb: Uint8ClampedArray, width: number, height: number, opts: { inputSize: number; maxSize: number }, smca: boolean,
): Promise<StageTimes> {
  const now = () => performance.now();
  const t0 = now();
  const r = await engine.detect(slot, rgb, width, height, opts, () => {});
  const detectWall = now() - t0;
  const stage = (name: string) => {
    const t = r.timings.find((x) => x.stage === name);
    if (!t) throw new Error(`engine timings have no "${name}" stage (got ${r.timings.map((x) => x.stage).join(', ')})`);
    return t.ms;
  };
  const top = r.detections[0]?.query ?? 0;
  const t1 = now();
  await engine.querySlice(slot, 'main', top);
  const trace = now() - t1;
  const out: StageTimes = {
    preprocess_ms: stage('preprocess'), backbone_ms: stage('backbone'), encoder_ms: stage('encoder'), decoder_ms: stage('decoder'),
    postprocess_ms: stage('postprocess'), trace_ms: trace, total_ms: 0, detect_wall_ms: detectWall,
  };
  const compile = r.timings.find((x) => x.stage === 'compile shaders');
  if (compile) out.compile_ms = compile.ms;
  out.total_ms = out.preprocess_ms + (out.compile_ms ?? 0) + out.backbone_ms + out.encoder_ms + out.decoder_ms + out.postprocess_ms + out.trace_ms;
  if (smca) {
    const rr = await engine.rerun(slot, false, undefined, () => {});
    out.decoder_rerun_ms = rr.timings.find((x) => x.stage === 'decoder (prior off)')?.ms;
  }
  return out;
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Per-key medians of several runs, rounded to 0.1 ms. */
export function medians(runs: StageTimes[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of STAGE_KEYS) {
    const xs = runs.map((r) => r[k]).filter((v): v is number => typeof v === 'number');
    if (xs.length) out[k] = Math.round(median(xs) * 10) / 10;
  }
  return out;
}
