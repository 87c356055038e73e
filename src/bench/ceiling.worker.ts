/// <reference lib="webworker" />
/**
 * The Chromium half of the arithmetic-ceiling benchmark (`npm run bench -- ceiling`, bench/suites/ceiling.ts): single dense
 * operations on tfjs-wasm, started as the app's inference worker starts it (startWasm: the
 * threaded SIMD build when cross-origin isolated, the project's wasm kernels), so the rate
 * measured is the one the model's own products get. One request per worker: the thread count is
 * fixed when wasm first starts.
 */
import * as tf from '@tensorflow/tfjs';
import { setBundledWasmPaths } from '../worker/wasmBinaries';
import { startWasm } from '../worker/wasmThreads';
import type { CeilingOp } from './ceilingOps';

declare const self: DedicatedWorkerGlobalScope;

export interface CeilingRequest {
  threads: number;
  runs: number;
  ops: CeilingOp[];
}
export interface CeilingReply {
  threads: number;
  threadsNote?: string;
  crossOriginIsolated: boolean;
  /** Per op name: every timed run, their median and the fastest, in ms. */
  results: Record<string, { median_ms: number; min_ms: number; runs_ms: number[] }>;
}

setBundledWasmPaths();

/** How long the untimed passes run before the timed ones (see onmessage). */
const WARMUP_MS = 3000;

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Times one op: a warm-up run (XNNPACK creates its operator and packs the weights), then `runs` runs. */
function timeOp(op: CeilingOp, runs: number): number[] {
  const [x, w] =
    op.kind === 'matmul'
      ? [tf.randomUniform([op.m, op.k], -1, 1, 'float32', 1), tf.randomUniform(op.transposeB ? [op.n, op.k] : [op.k, op.n], -1, 1, 'float32', 2)]
      : [tf.randomUniform([1, op.h, op.w, op.cin], -1, 1, 'float32', 1), tf.randomUniform([op.ksize, op.ksize, op.cin, op.cout], -1, 1, 'float32', 2)];
  const apply = (b: tf.Tensor) =>
    op.kind === 'matmul' ? tf.matMul(x as tf.Tensor2D, b as tf.Tensor2D, false, !!op.transposeB) : tf.conv2d(x as tf.Tensor4D, b as tf.Tensor4D, 1, 'same', 'NHWC');
  const fresh = op.kind === 'matmul' && op.freshB;
  const times: number[] = [];
  for (let i = -1; i < runs; i++) {
    const b = fresh ? tf.add(w, 0) : w;
    // The wasm backend runs a kernel to completion (its thread pool included) before the call
    // returns, so the call's wall time is the computation's; no read-back is timed.
    const t0 = performance.now();
    const y = apply(b);
    const ms = performance.now() - t0;
    y.dispose();
    if (b !== w) b.dispose();
    if (i >= 0) times.push(ms);
  }
  x.dispose();
  w.dispose();
  return times;
}

self.onmessage = async (ev: MessageEvent<CeilingRequest>) => {
  try {
    const { threads, runs, ops } = ev.data;
    const start = await startWasm(threads);
    // Untimed passes over every op first, for WARMUP_MS: V8 compiles the wasm module with its
    // baseline compiler and tiers hot functions up on background threads, which share the two
    // cores with the measured ones; the app's model runs long enough to be past that.
    const t0 = performance.now();
    do for (const op of ops) timeOp(op, 0);
    while (performance.now() - t0 < WARMUP_MS);
    const results: CeilingReply['results'] = {};
    for (const op of ops) {
      const runs_ms = timeOp(op, runs);
      results[op.name] = { median_ms: median(runs_ms), min_ms: Math.min(...runs_ms), runs_ms };
    }
    const reply: CeilingReply = { threads: start.threads, threadsNote: start.note, crossOriginIsolated: self.crossOriginIsolated, results };
    self.postMessage({ ok: reply });
  } catch (e) {
    self.postMessage({ error: (e as Error)?.message ?? String(e) });
  }
};
