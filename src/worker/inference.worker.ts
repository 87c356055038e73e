/// <reference lib="webworker" />
/**
 * Inference worker: owns TensorFlow.js, the models and their trace tensors.
 * The page talks to it only through the typed messages of ./messages.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { setBundledWasmPaths } from './wasmBinaries';
import '@tensorflow/tfjs-backend-webgpu';
import { describeWebGlRenderer, describeWebGpuAdapter, type GpuAdapterLike } from './softwareGpu';
import { Engine } from './engine';
import { ownFloatBuffers } from './transfer';
import { startWasm, type WasmStart } from './wasmThreads';
import { chooseBackend } from './backendChoice';
import { BACKENDS, type BackendName, type Envelope, type Handlers, type InitResult, type Progress, type Request, type RequestOf, type ResponseMap, type WorkerMessage } from './messages';

declare const self: DedicatedWorkerGlobalScope;

setBundledWasmPaths();

let current: BackendName = 'cpu';
const engine = new Engine(() => current);
let wasmStart: WasmStart | null = null;
/** Whether the last WebGPU adapter asked for gave a vendor, architecture or description. */
let gpuNamed = true;

/**
 * Starts one backend, or says why it did not. `auto`: the user asked for no backend by name, so
 * a software GPU is passed over for wasm (it is far slower on the same CPU); asked for by name,
 * it runs.
 */
async function tryBackend(b: BackendName, wasmThreads: number | undefined, auto: boolean): Promise<string | null> {
  try {
    if (b === 'webgpu') {
      const gpu = (self.navigator as Navigator & { gpu?: { requestAdapter(o?: object): Promise<unknown> } }).gpu;
      if (!gpu) return 'navigator.gpu is missing (WebGPU is not enabled in this browser)';
      const adapter = (await gpu.requestAdapter({ powerPreference: 'high-performance' })) as GpuAdapterLike | null;
      if (!adapter) return 'no WebGPU adapter available';
      const { device, software } = describeWebGpuAdapter(adapter);
      gpuNamed = device !== '';
      if (auto && software) return `a software adapter (${device || 'fallback adapter'}): slower than wasm on this CPU`;
    }
    if (b === 'webgl') {
      if (typeof OffscreenCanvas === 'undefined') return 'OffscreenCanvas is missing in workers';
      const { device, software } = describeWebGlRenderer();
      if (auto && software) return `a software renderer (${device}): slower than wasm on this CPU`;
    }
    if (b === 'wasm') {
      // Threaded SIMD build when cross-origin isolated, else single-threaded; the project's wasm kernels.
      wasmStart = await startWasm(wasmThreads);
    } else {
      const ok = await tf.setBackend(b);
      if (!ok) return `tf.setBackend('${b}') failed to initialise`;
    }
    await tf.ready();
    // Smoke test: one matmul, read back.
    const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const y = tf.matMul(x, x);
    const v = await y.data();
    tf.dispose([x, y]);
    if (Math.abs(v[0] - 7) > 1e-3) return `smoke test gave ${v[0]} instead of 7`;
    return null;
  } catch (e) {
    return (e as Error).message || String(e);
  }
}

async function init(requested?: BackendName, wasmThreads?: number): Promise<InitResult> {
  const order = requested ? [requested, ...BACKENDS.filter((b) => b !== requested)] : BACKENDS;
  const choice = await chooseBackend(order, !requested, {
    start: (b) => tryBackend(b, wasmThreads, !requested),
    gpuNamed: () => gpuNamed,
    probe: probeMs,
  });
  current = choice.backend;
  const wasm = current === 'wasm' ? wasmStart : null;
  return { ...choice, threads: wasm?.threads, threadsNote: wasm?.note, crossOriginIsolated: self.crossOriginIsolated };
}

/**
 * A small timed workload (a 3x3 convolution and a product, as the backbone and attention do),
 * the median of three after one untimed run that compiles its shaders.
 */
async function probeMs(): Promise<number> {
  const run = async () => {
    const t0 = performance.now();
    const y = tf.tidy(() => {
      const x = tf.ones([1, 64, 64, 64]) as tf.Tensor4D;
      const c = tf.conv2d(x, tf.ones([3, 3, 64, 64]) as tf.Tensor4D, 1, 'same');
      return tf.matMul(c.reshape([64 * 64, 64]), tf.ones([64, 256]));
    });
    await y.data();
    y.dispose();
    return performance.now() - t0;
  };
  await run();
  const t = [await run(), await run(), await run()].sort((a, b) => a - b);
  return t[1];
}

function post(m: WorkerMessage, transfer: Transferable[] = []) {
  self.postMessage(m, transfer);
}

/** One handler per request type; the compiler checks each returns its request's response type. */
const handlers: Handlers = {
  // Switching backend drops all models (their tensors live on the old backend).
  init: (req) => {
    engine.disposeAll();
    return init(req.backend, req.wasmThreads);
  },
  loadBundled: (req, progress) => engine.loadBundled(req.slot, req.name, req.baseUrl, progress, req.files),
  loadCheckpoint: (req, progress) => engine.loadCheckpoint(req.slot, req.file, req.fileName, progress, req.store, req.dilation),
  loadStored: (req, progress) => engine.loadStored(req.slot, req.file, req.fileName, progress, req.dilation),
  setDilation: (req) => engine.setDilation(req.slot, req.dilation),
  storeWeights: (req) => engine.storeWeights(req.slot, req.model, req.handle),
  unload: (req) => {
    engine.unload(req.slot);
    return null;
  },
  detect: (req, progress) => engine.detect(req.slot, req.rgb, req.width, req.height, { inputSize: req.inputSize, maxSize: req.maxSize, topK: req.topK }, progress),
  rerun: (req, progress) => engine.rerun(req.slot, req.smcaPrior, req.topK, progress),
  querySlice: (req) => engine.querySlice(req.slot, req.variant, req.query),
  encoderAttention: (req) => engine.encoderAttention(req.slot, req.layer, req.index),
  // Plain number arrays (8 heads x 3 levels x 4 points): nothing to transfer.
  encoderPoints: (req) => engine.encoderSamplingPoints(req.slot, req.layer, req.index),
  resources: () => performance.getEntriesByType('resource').map((e) => e.name),
  memory: () => {
    const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
    return { numTensors: m.numTensors, numBytes: m.numBytes, numBytesInGPU: m.numBytesInGPU };
  },
};

function handle<K extends Request['type']>(id: number, req: RequestOf<K>): Promise<ResponseMap[K]> | ResponseMap[K] {
  const progress = (p: Progress) => post({ id, kind: 'progress', progress: p });
  // A request's type picks its handler; TypeScript cannot follow that correlation through the table.
  return (handlers[req.type] as Handlers[K])(req, progress);
}

/**
 * Requests that run beside the queue, at once. Writing a checkpoint's model to the browser's
 * storage reads only the float32 arrays it was built from, which the engine keeps until the
 * write ends, and never tfjs (Engine.storeWeights): in the queue, an official-size write (237 MB,
 * about 2 s) held up the first query the user clicked after the checkpoint's run.
 */
const BESIDE_QUEUE: ReadonlySet<Request['type']> = new Set(['storeWeights']);

// The others run one at a time, in order: tfjs is not re-entrant across awaits of one model.
let queue: Promise<void> = Promise.resolve();
self.onmessage = (ev: MessageEvent<Envelope>) => {
  const { id, req } = ev.data;
  const task = async () => {
    try {
      const result = await handle(id, req);
      post({ id, kind: 'ok', result }, req.type === 'querySlice' || req.type === 'encoderAttention' ? ownFloatBuffers(result) : []);
    } catch (e) {
      post({ id, kind: 'error', error: (e as Error)?.message || String(e), code: (e as { code?: string })?.code, details: (e as { details?: string })?.details });
    }
  };
  if (BESIDE_QUEUE.has(req.type)) void task();
  else queue = queue.then(task);
};
