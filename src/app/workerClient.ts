/** Promise-based client of the inference worker. */
import type { Envelope, Progress, Request, ResponseMap, WorkerMessage } from '../worker/messages';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; onProgress?: (p: Progress) => void };

const spawn = () => new Worker(new URL('../worker/inference.worker.ts', import.meta.url), { type: 'module' });

/** A worker started before the page rendered, for the first WorkerClient that needs one. */
let spare: Worker | null = null;

/**
 * Starts the inference worker while React renders the page: loading and evaluating its 2.5 MB
 * script (TensorFlow.js and the model) took ~400 ms after the first render's effects asked for it,
 * on the way to the first detections.
 */
export function prestartWorker(): void {
  spare ??= spawn();
}

export class WorkerClient {
  private worker: Worker | null = null;
  private next = 1;
  private pending = new Map<number, Pending>();

  /**
   * The worker, started on first use and again after terminate(): React's StrictMode (dev) runs
   * the App's effects, cleanups included, twice on mount, and the second mount must still work.
   */
  private ensure(): Worker {
    if (this.worker) return this.worker;
    const worker = spare ?? spawn();
    spare = null;
    worker.onmessage = (ev: MessageEvent<WorkerMessage>) => {
      const m = ev.data;
      const p = this.pending.get(m.id);
      if (!p) return;
      if (m.kind === 'progress') p.onProgress?.(m.progress);
      else {
        this.pending.delete(m.id);
        if (m.kind === 'ok') p.resolve(m.result);
        else p.reject(Object.assign(new Error(m.error), { code: m.code, details: m.details }));
      }
    };
    worker.onerror = (ev) => {
      const err = new Error(`inference worker failed: ${ev.message || 'unknown error'}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    this.worker = worker;
    return worker;
  }

  call<T extends Request>(req: T, onProgress?: (p: Progress) => void, transfer: Transferable[] = []): Promise<ResponseMap[T['type']]> {
    const worker = this.ensure();
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onProgress });
      const env: Envelope = { id, req };
      worker.postMessage(env, transfer);
    });
  }

  /** Stops the worker now (whatever it computes) and fails the calls still waiting; the next call starts a new one. */
  cancel() {
    const pending = [...this.pending.values()];
    this.terminate();
    for (const p of pending) p.reject(new Error('cancelled'));
  }

  /** Stops the worker; calls still waiting never settle (their callers have gone). */
  terminate() {
    this.worker?.terminate();
    this.worker = null;
    this.pending.clear();
  }
}
