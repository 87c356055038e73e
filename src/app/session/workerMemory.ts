import type { SessionState } from './sessionState';

/**
 * A model this large (its float32 weights) leaves the worker's wasm heap grown by about a
 * gigabyte once it has run at 800 px (its weights, the traces the views read, and the largest
 * working set of a layer): the bundled models are ~6 MB, an official SAM-DETR R50 237 MB.
 */
export const LARGE_MODEL_BYTES = 64 * 2 ** 20;

/**
 * Whether a new model for `slot` should come with a new worker: the model leaving it is large,
 * the backend is wasm (its heap only grows: nothing but a new worker gives memory back; GPU
 * backends and cpu free what a model held), and no other slot has a model or is loading one
 * (a new worker would drop it too).
 */
export function leavesHeapBehind(s: Pick<SessionState, 'models' | 'backend'>, loading: (string | null)[], slot: number): boolean {
  const leaving = s.models[slot];
  if (!leaving || s.backend?.backend !== 'wasm' || leaving.params * 4 < LARGE_MODEL_BYTES) return false;
  return s.models.every((m, i) => i === slot || !m) && loading.every((l, i) => i === slot || !l);
}
