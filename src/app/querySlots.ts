/**
 * Query slots: the range of a model's query indices. DAB-DETR with patterns has numPatterns x
 * numQueries of them (slot p * numQueries + q reads anchor q with pattern p), so the page takes
 * the count from the worker (ModelInfo.querySlots), not from numQueries.
 */
import type { ModelInfo } from '../worker/messages';

export function querySlotsOf(info: Pick<ModelInfo, 'querySlots' | 'config'>): number {
  return info.querySlots ?? info.config.numQueries;
}

/** A DAB-DETR pattern slot's pattern and anchor (0-based); null for a model without patterns. */
export function patternSlot(info: Pick<ModelInfo, 'config'>, query: number): { pattern: number; anchor: number } | null {
  const { numQueries, numPatterns } = info.config;
  if (!numPatterns) return null;
  return { pattern: Math.floor(query / numQueries), anchor: query % numQueries };
}
