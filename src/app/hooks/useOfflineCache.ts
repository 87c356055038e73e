import { useEffect, useRef } from 'react';
import type { WorkerClient } from '../workerClient';

/** Once the first detection is done, hands the service worker every URL the page and the worker used. */
export function useOfflineCache(completed: number, client: WorkerClient): void {
  const done = useRef(false);
  useEffect(() => {
    if (completed < 1 || done.current || !('serviceWorker' in navigator) || !import.meta.env.PROD) return;
    done.current = true;
    void (async () => {
      try {
        const reg = await navigator.serviceWorker.ready;
        const fromWorker = await client.call({ type: 'resources' });
        const urls = [window.location.href.split('?')[0], ...performance.getEntriesByType('resource').map((e) => e.name), ...fromWorker];
        (navigator.serviceWorker.controller ?? reg.active)?.postMessage({ type: 'cache', urls: [...new Set(urls)] });
      } catch {
        /* offline support is best effort */
      }
    })();
  }, [completed, client]);
}
