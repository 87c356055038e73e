/// <reference lib="webworker" />
/**
 * Starting tfjs-backend-wasm in the inference worker: the multi-threaded SIMD build when the page
 * is cross-origin isolated, else (or if that build fails to start) the single-threaded SIMD build.
 *
 * Why the threaded build needs help here. tfjs 4.22 starts each pthread (8 Web Workers, all of
 * which must load before the backend resolves) from a Blob made of
 * `'var WasmBackendModuleThreadedSimd = ' + factory.toString()`, which the pthread imports with
 * `importScripts` and calls. The Emscripten factory is an inner function of an IIFE and reads
 * that IIFE's `_scriptDir` under a `typeof _scriptDir !== "undefined"` guard. Minifying the
 * bundle (Vite build) renames `_scriptDir` and, knowing it is declared, drops the `typeof`:
 * the serialised factory reads `e!==void 0&&e`, a variable that exists only in the bundle's
 * closure, so every pthread dies with `ReferenceError: e is not defined`, the pool never loads
 * and `tf.setBackend('wasm')` never settles. (The pthreads themselves are classic workers made
 * from a blob URL, so `importScripts` works there even though this worker is a module worker.)
 * The fix: give the factory function tfjs serialises a `toString` that returns the untouched
 * source of `wasm-out/tfjs-backend-wasm-threaded-simd.js` (imported `?raw`, so the minifier
 * cannot change it). The worker itself keeps running the bundled factory.
 *
 * A second limit: the wasm side caps the pool at `navigator.hardwareConcurrency / 2` (it assumes
 * two hyper-threads per core), so `setThreadsCount(2)` on a 2-core machine still gives 1 thread.
 * While the module starts, the worker's `navigator.hardwareConcurrency` reads as twice the
 * count asked for; `getThreadsCount()` then reports the pool actually created.
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import threadedFactory from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js';
import threadedFactorySource from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js?raw';
import { installWasmKernels } from '../backend/wasmKernels';

/** Most threads used by default (a cap, not a measured optimum): the UI thread and the browser need cores too. */
export const MAX_WASM_THREADS = 4;
/** Most threads that may be asked for: the threaded build pre-creates 8 pthreads. */
export const MAX_REQUESTED_WASM_THREADS = 8;
/** How long the threaded build may take to load its pthreads before the fallback. */
export const THREADED_START_TIMEOUT_MS = 30_000;

/** Threads to ask for on a machine with `hardwareConcurrency` logical cores. */
export function wasmThreadsFor(hardwareConcurrency: number | undefined): number {
  const n = Math.floor(hardwareConcurrency ?? 1);
  return Math.max(1, Math.min(MAX_WASM_THREADS, Number.isFinite(n) ? n : 1));
}

/**
 * What a pthread evaluates after `var WasmBackendModuleThreadedSimd = `: an expression that runs
 * the package's own file (its `_scriptDir` closure intact) and yields the factory it defines.
 */
export function pthreadFactoryExpression(source: string): string {
  return `(function () {\n${source}\n;return WasmBackendModuleThreadedSimd;\n})()`;
}

let factoryPatched = false;
/** Makes the factory tfjs serialises for the pthreads serialise as its untouched source. */
export function patchThreadedFactory() {
  if (factoryPatched) return;
  const expr = pthreadFactoryExpression(threadedFactorySource);
  Object.defineProperty(threadedFactory, 'toString', { value: () => expr, configurable: true });
  factoryPatched = true;
}

export interface WasmStart {
  threads: number;
  /** Why fewer threads than the machine offers (absent when the threaded build runs). */
  note?: string;
}

/** The note of the first start (a later switch back to wasm reuses the running backend). */
let firstNote: string | undefined;

/**
 * Starts the wasm backend (or reuses it if it already runs) with the project's wasm kernels
 * (src/backend: BatchMatMul, GatherV2, Slice, RoIAlign), on `requested` threads (1 = the single-threaded build),
 * else on wasmThreadsFor(the cores).
 * Returns the thread count tfjs reports, or throws if even the single-threaded build fails.
 */
export async function startWasm(requested?: number, scope: DedicatedWorkerGlobalScope = self as unknown as DedicatedWorkerGlobalScope): Promise<WasmStart> {
  await installWasmKernels();
  if (tf.engine().registry['wasm']) {
    // tfjs cannot restart the module: the first start's thread count stays until the page reloads.
    if (!(await tf.setBackend('wasm'))) throw new Error("tf.setBackend('wasm') failed to initialise");
    const threads = getThreadsCount();
    if (requested && requested !== threads) return { threads, note: `${threads} thread(s), not ${requested}: the count is fixed when wasm first starts (reload the page)` };
    return { threads, note: firstNote };
  }
  const want = requested ? Math.max(1, Math.min(MAX_REQUESTED_WASM_THREADS, Math.round(requested))) : wasmThreadsFor(scope.navigator?.hardwareConcurrency);
  let note: string | undefined;
  if (!scope.crossOriginIsolated || typeof SharedArrayBuffer === 'undefined') {
    note = 'single-threaded: the page is not cross-origin isolated (needs COOP/COEP headers), so SharedArrayBuffer is unavailable';
  } else if (want < 2) {
    note = requested ? 'single-threaded: 1 thread was asked for' : 'single-threaded: the browser reports one logical core';
  } else if (!(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'))) {
    note = 'single-threaded: this browser lacks WebAssembly threads';
  } else {
    patchThreadedFactory();
    setThreadsCount(want);
    const failure = await tryThreaded(scope, want);
    if (failure === null) {
      firstNote = undefined;
      return { threads: getThreadsCount() };
    }
    note = `single-threaded: the multi-threaded build failed to start (${failure})`;
  }
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  setThreadsCount(1);
  if (!(await tf.setBackend('wasm'))) throw new Error("tf.setBackend('wasm') failed to initialise");
  firstNote = note;
  return { threads: getThreadsCount(), note };
}

/** null when the threaded backend is up; else why not. */
async function tryThreaded(scope: DedicatedWorkerGlobalScope, threads: number): Promise<string | null> {
  // A pthread that throws while loading reaches this worker as an uncaught error: Emscripten's
  // handler rethrows the pthread's ErrorEvent. Left alone it would reach the page, which treats
  // the whole inference worker as dead. Swallow those (during the start, every error, as the
  // reason for the fallback; later, only the rethrown ErrorEvents of abandoned pthreads).
  let starting = true;
  let fail: (why: string) => void = () => {};
  const failed = new Promise<string>((resolve) => (fail = resolve));
  const onError = (ev: ErrorEvent) => {
    const pthreadEvent = ev.error instanceof ErrorEvent ? ev.error : null;
    if (!starting && !pthreadEvent) return;
    ev.preventDefault();
    if (starting) fail(`a pthread worker failed: ${(pthreadEvent ?? ev).message || 'unknown error'}`);
  };
  scope.addEventListener('error', onError);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`its pthreads did not load within ${THREADED_START_TIMEOUT_MS / 1000} s`), THREADED_START_TIMEOUT_MS);
  });
  // The wasm module reads navigator.hardwareConcurrency once, in its static constructors, and
  // creates min(count asked, hardwareConcurrency / 2) threads.
  const nav = scope.navigator;
  const shadowed = Object.prototype.hasOwnProperty.call(nav, 'hardwareConcurrency');
  if (!shadowed) Object.defineProperty(nav, 'hardwareConcurrency', { value: threads * 2, configurable: true });
  try {
    const started = tf.setBackend('wasm').then((ok) => (ok ? null : "tf.setBackend('wasm') returned false"), (e: Error) => e?.message || String(e));
    const why = await Promise.race([started, failed, timeout]);
    if (why === null) scope.removeEventListener('error', onError);
    return why;
  } finally {
    starting = false;
    if (!shadowed) delete (nav as { hardwareConcurrency?: number }).hardwareConcurrency;
    clearTimeout(timer);
  }
}
