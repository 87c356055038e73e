import { useEffect } from 'react';
import type { WorkerClient } from '../workerClient';
import type { SessionState } from '../session/LensSession';
import type { ViewState } from '../state';
import { heatCanvasBuilds } from '../heatCanvas';

/** `window.__lens` for the e2e suite and the benchmark: reads state, asks for a re-run (no UI effect). */
export function useTestHook(client: WorkerClient, s: ViewState, runs: SessionState['runs'], setRunCount: (f: (c: number) => number) => void): void {
  useEffect(() => {
    (window as unknown as { __lens: unknown }).__lens = {
      memory: () => client.call({ type: 'memory' }),
      // A query's trace as the worker has it, to check what the view draws against its values.
      slice: (slot: number, query: number) => client.call({ type: 'querySlice', slot, variant: 'main', query }),
      rerun: () => setRunCount((c) => c + 1),
      state: () => s,
      runs: () => ({ main: runs.main?.result, off: runs.off?.result, second: runs.second?.result }),
      heatBuilds: heatCanvasBuilds,
    };
  }, [client, s, runs, setRunCount]);
}
