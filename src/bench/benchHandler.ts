/// <reference lib="webworker" />
/**
 * The benchmark's requests, answered inside the app's own inference worker (see ./bench.worker.ts).
 * Registered before the app's handler so that it can take the messages marked `bench` and stop them;
 * everything else (init: the backend chain, wasm threads; memory) is the app's worker unchanged.
 * Models run through the app's Engine (src/worker/engine.ts) with the same TF.js instance.
 */
import * as tf from '@tensorflow/tfjs';
import { describeWebGlRenderer, describeWebGpuAdapter, type GpuAdapterLike } from '../worker/softwareGpu';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { Engine } from '../worker/engine';
import { parallelCompiler } from '../worker/gpuCompile';
import { buildModel, formulaWeights } from '../model';
import { OFFICIAL_VARIANTS, type OfficialVariant } from './officialVariants';
import { generateScene } from '../data/scene';
import { benchInfo, timedEngineRun, type StageTimes } from './engineRun';
import type { BackendName, WorkerMessage } from '../worker/messages';

declare const self: DedicatedWorkerGlobalScope;

export interface BackendProbe {
  backend: string;
  /** wasm: threads the backend runs with (1 = single-threaded build or threads off). */
  threads?: number;
  /** wasm: the multithreaded binary was selected. */
  multithread?: boolean;
  /** Software emulation (SwiftShader, a fallback adapter): not GPU numbers. */
  software?: boolean;
  /** WebGPU adapter info or the WebGL renderer string. */
  device?: string;
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
}

export type BenchRequest =
  | { op: 'probe' }
  | { op: 'loadOfficial'; height: number; width: number; variant?: OfficialVariant }
  | { op: 'loadBundled'; name: string; baseUrl: string }
  /** WebGPU: whether first runs compile their shaders in parallel first (the engine's default: on). */
  | { op: 'parallelCompile'; on: boolean }
  | { op: 'run' }
  /** One detect through the engine: its detections and stage names, for checks (e2e/specs/backends.ts). */
  | { op: 'detect' }
  | { op: 'memory' }
  | { op: 'gpu' }
  | { op: 'unload' };

/** WebGPU only: compute pipelines the backend has made (one per shader key) and programs dispatched so far. */
export interface GpuCounts {
  programs: number;
  dispatches: number;
  /** Dispatches per program class; matrix products also by form (vec4 or scalar; B transposed). */
  byProgram: Record<string, number>;
  /** Dispatches of matrix products not on the vec4 path, by form and output shape [batch, M, N]. */
  scalarMatMuls: Record<string, number>;
}

export type BenchEnvelope = { id: number; bench: BenchRequest };

let parallelCompile = true;
const engine = new Engine(() => tf.getBackend() as BackendName, { compiler: () => (parallelCompile ? parallelCompiler() : null) });
/** The WebGPU backend's internals the counts read (tfjs-backend-webgpu 4.22: pipelineCache, recordAndSubmit). */
interface WebGpuInternals {
  pipelineCache: Record<string, unknown>;
  recordAndSubmit: (...args: unknown[]) => unknown;
  __benchDispatches?: number;
  __benchByProgram?: Record<string, number>;
  __benchScalarMatMuls?: Record<string, number>;
}

/** Counts on the current WebGPU backend, wrapping its dispatch once (the bench page only); null on other backends. */
function gpuCounts(): GpuCounts | null {
  if (tf.getBackend() !== 'webgpu') return null;
  const b = tf.backend() as unknown as WebGpuInternals;
  if (b.__benchDispatches === undefined) {
    b.__benchDispatches = 0;
    b.__benchByProgram = {};
    b.__benchScalarMatMuls = {};
    const orig = b.recordAndSubmit.bind(b);
    b.recordAndSubmit = (...args: unknown[]) => {
      b.__benchDispatches!++;
      // The program's own key starts with its kind (class names are minified in the build).
      const p = args[0] as { shaderKey: string; isVec4?: boolean; transposeB?: boolean; outputShape?: number[] };
      let k = /^[a-zA-Z]+/.exec(p.shaderKey)?.[0] ?? '?';
      if (/^matMul/i.test(k)) k += `${p.isVec4 ? ' vec4' : ''}${p.transposeB ? ' B^T' : ''}`;
      b.__benchByProgram![k] = (b.__benchByProgram![k] ?? 0) + 1;
      if (/^matMul/i.test(k) && !p.isVec4) {
        const ks = `${k} [${p.outputShape}]`;
        b.__benchScalarMatMuls![ks] = (b.__benchScalarMatMuls![ks] ?? 0) + 1;
      }
      return orig(...args);
    };
  }
  return { programs: Object.keys(b.pipelineCache).length, dispatches: b.__benchDispatches, byProgram: { ...b.__benchByProgram }, scalarMatMuls: { ...b.__benchScalarMatMuls } };
}

let input: { rgb: Uint8ClampedArray; width: number; height: number; inputSize: number; maxSize: number; smca: boolean } | null = null;

async function probe(): Promise<BackendProbe> {
  const backend = tf.getBackend();
  const out: BackendProbe = { backend, crossOriginIsolated: self.crossOriginIsolated, hardwareConcurrency: self.navigator.hardwareConcurrency };
  if (backend === 'wasm') {
    out.threads = getThreadsCount();
    out.multithread = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
    out.software = false;
  }
  if (backend === 'webgpu') {
    const gpu = (self.navigator as unknown as { gpu?: { requestAdapter(o?: object): Promise<unknown> } }).gpu;
    const adapter = (await gpu?.requestAdapter({ powerPreference: 'high-performance' })) as GpuAdapterLike | null | undefined;
    Object.assign(out, adapter ? describeWebGpuAdapter(adapter) : { device: 'no adapter', software: false });
  }
  if (backend === 'webgl') Object.assign(out, describeWebGlRenderer());
  return out;
}

async function handle(req: BenchRequest): Promise<unknown> {
  switch (req.op) {
    case 'probe':
      return probe();
    case 'loadOfficial': {
      // An official-size model (src/bench/officialVariants.ts) with formula weights: timing does not depend on them.
      const t0 = performance.now();
      const v = OFFICIAL_VARIANTS[req.variant ?? 'official'];
      const model = buildModel(v.config, formulaWeights(v.config, 0));
      const short = Math.min(req.height, req.width);
      engine.install(0, model, benchInfo(req.variant ?? 'official', v.config, short, 1333));
      const n = req.height * req.width * 3;
      const rgb = new Uint8ClampedArray(n);
      for (let i = 0; i < n; i++) rgb[i] = (i * 7919) % 251;
      input = { rgb, width: req.width, height: req.height, inputSize: short, maxSize: 1333, smca: v.smca };
      return { loadMs: performance.now() - t0 };
    }
    case 'loadBundled': {
      const info = await engine.loadBundled(0, req.name, req.baseUrl, () => {});
      const size = info.inputSize;
      const scene = generateScene(12345, { width: size, height: size });
      input = { rgb: Uint8ClampedArray.from(scene.pixels), width: size, height: size, inputSize: size, maxSize: info.maxSize, smca: !!info.config.smca && info.config.decoder === 'sam' };
      return { loadMs: info.loadMs, inputSize: size, maxSize: info.maxSize, smca: input.smca };
    }
    case 'run': {
      if (!input) throw new Error('load a model first');
      const r: StageTimes = await timedEngineRun(engine, 0, input.rgb, input.width, input.height, { inputSize: input.inputSize, maxSize: input.maxSize }, input.smca);
      return r;
    }
    case 'detect': {
      if (!input) throw new Error('load a model first');
      const r = await engine.detect(0, input.rgb, input.width, input.height, { inputSize: input.inputSize, maxSize: input.maxSize }, () => {});
      return { detections: r.detections, stages: r.timings.map((t) => t.stage) };
    }
    case 'memory': {
      const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
      return { numTensors: m.numTensors, numBytes: m.numBytes, numBytesInGPU: m.numBytesInGPU };
    }
    case 'gpu':
      return gpuCounts();
    case 'parallelCompile':
      parallelCompile = req.on;
      return null;
    case 'unload':
      engine.disposeAll();
      input = null;
      return null;
  }
}

let queue: Promise<void> = Promise.resolve();
self.addEventListener('message', (ev: MessageEvent) => {
  const d = ev.data as Partial<BenchEnvelope> | null;
  if (!d || typeof d !== 'object' || !d.bench) return;
  ev.stopImmediatePropagation();
  const { id, bench } = d as BenchEnvelope;
  queue = queue.then(async () => {
    let m: WorkerMessage;
    try {
      m = { id, kind: 'ok', result: await handle(bench) };
    } catch (e) {
      m = { id, kind: 'error', error: (e as Error)?.message || String(e) };
    }
    self.postMessage(m);
  });
});
