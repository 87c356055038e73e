/**
 * The benchmark page: `bench.html` (its entry is ./main.ts). It starts the
 * benchmark worker (the app's inference worker plus ./benchHandler) and exposes `window.__bench`,
 * which the browser suites of bench/ drive with Playwright, one backend per page load.
 */
import type { BackendName, Envelope, InitResult, WorkerMessage } from '../worker/messages';
import type { BackendProbe, BenchEnvelope, BenchRequest, GpuCounts } from './benchHandler';
import type { StageTimes } from './engineRun';
import type { Detection } from '../model/types';
import type { OfficialVariant } from './officialVariants';

export interface BenchApi {
  /** The app's init request: the backend (falls back like the app when it cannot start). */
  init(backend: BackendName): Promise<InitResult>;
  probe(): Promise<BackendProbe>;
  loadOfficial(height: number, width: number, variant?: OfficialVariant): Promise<{ loadMs: number }>;
  loadBundled(name: string): Promise<{ loadMs: number; inputSize: number; maxSize: number; smca: boolean }>;
  run(): Promise<StageTimes>;
  detect(): Promise<{ detections: Detection[]; stages: string[] }>;
  memory(): Promise<{ numTensors: number; numBytes: number; numBytesInGPU?: number }>;
  /** WebGPU: pipelines compiled and programs dispatched so far in the worker; null elsewhere. */
  gpu(): Promise<GpuCounts | null>;
  /** WebGPU: first runs compile their shaders in parallel first (default) or not. */
  parallelCompile(on: boolean): Promise<null>;
  unload(): Promise<null>;
}

export function start(): void {
  const worker = new Worker(new URL('./bench.worker.ts', import.meta.url), { type: 'module' });
  let next = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  worker.onmessage = (ev: MessageEvent<WorkerMessage>) => {
    const m = ev.data;
    const p = pending.get(m.id);
    if (!p || m.kind === 'progress') return;
    pending.delete(m.id);
    if (m.kind === 'ok') p.resolve(m.result);
    else p.reject(new Error(m.error));
  };
  worker.onerror = (ev) => {
    for (const p of pending.values()) p.reject(new Error(`bench worker failed: ${ev.message || 'unknown error'}`));
    pending.clear();
  };
  const send = <T>(msg: Envelope | BenchEnvelope): Promise<T> =>
    new Promise((resolve, reject) => {
      pending.set(msg.id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage(msg);
    });
  const bench = <T>(req: BenchRequest) => send<T>({ id: next++, bench: req });
  const api: BenchApi = {
    init: (backend) => send({ id: next++, req: { type: 'init', backend } }),
    probe: () => bench({ op: 'probe' }),
    loadOfficial: (height, width, variant) => bench({ op: 'loadOfficial', height, width, variant }),
    loadBundled: (name) => bench({ op: 'loadBundled', name, baseUrl: new URL(import.meta.env.BASE_URL, location.href).href }),
    run: () => bench({ op: 'run' }),
    detect: () => bench({ op: 'detect' }),
    memory: () => bench({ op: 'memory' }),
    gpu: () => bench({ op: 'gpu' }),
    parallelCompile: (on) => bench({ op: 'parallelCompile', on }),
    unload: () => bench({ op: 'unload' }),
  };
  (window as unknown as { __bench: BenchApi }).__bench = api;
  document.title = 'SAM-DETR Lens: benchmark';
}
