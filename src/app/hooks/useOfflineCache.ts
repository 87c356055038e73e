import { useEffect, useRef } from 'react';
import type { WorkerClient } from '../workerClient';
import { bundledModelFiles } from '../offlineFiles';

/**
 * Once the first detection is done, hands the service worker every URL the page and the worker
 * used, and every bundled model's files (`models`: their names, from the model index).
 */
export function useOfflineCache(completed: number, client: WorkerClient, base: string, models: string[] | null): void {
  const done = useRef(false);
  useEffect(() => {
    if (completed < 1 || !models || done.current || !('serviceWorker' in navigator) || !import.meta.env.PROD) return;
    done.current = true;
    void (async () => {
      try {
        const reg = await navigator.serviceWorker.ready;
        const fromWorker = await client.call({ type: 'resources' });
        const bundled = await bundledModelFiles(base, models, (u) => fetch(u).then((r) => r.json()));
        const here = (u: string) => new URL(u, window.location.href).href;
        const urls = [window.location.href.split('?')[0], ...performance.getEntriesByType('resource').map((e) => e.name), ...fromWorker, ...bundled.map(here)];
        (navigator.serviceWorker.controller ?? reg.active)?.postMessage({ type: 'cache', urls: [...new Set(urls)] });
      } catch {
        /* offline support is best effort */
      }
    })();
  }, [completed, client, base, models]);
}
