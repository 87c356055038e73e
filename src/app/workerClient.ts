/** Promise-based client of the inference worker. */
import type { Envelope, Progress, Request, ResponseMap, WorkerMessage } from '../worker/messages';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; onProgress?: (p: Progress) => void };

export class WorkerClient {
  private worker: Worker;
  private next = 1;
  private pending = new Map<number, Pending>();

  constructor() {
    this.worker = new Worker(new URL('../worker/inference.worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (ev: MessageEvent<WorkerMessage>) => {
      const m = ev.data;
      const p = this.pending.get(m.id);
      if (!p) return;
      if (m.kind === 'progress') p.onProgress?.(m.progress);
      else {
        this.pending.delete(m.id);
        if (m.kind === 'ok') p.resolve(m.result);
        else p.reject(new Error(m.error));
      }
    };
    this.worker.onerror = (ev) => {
      const err = new Error(`inference worker failed: ${ev.message || 'unknown error'}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
  }

  call<T extends Request>(req: T, onProgress?: (p: Progress) => void, transfer: Transferable[] = []): Promise<ResponseMap[T['type']]> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onProgress });
      const env: Envelope = { id, req };
      this.worker.postMessage(env, transfer);
    });
  }

  terminate() {
    this.worker.terminate();
  }
}
