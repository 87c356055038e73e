import type { ModelConfig } from '../../src/model/config';
import type { StateDict } from '../../src/model/types';
import { loadStateDict } from '../../src/checkpoint/loadStateDict';
import { openFileSource } from '../../src/checkpoint/nodeSource';
import { basename } from 'node:path';

/**
 * Reads an official .pth from disk and checks it fits `expected` (the fixture's config):
 * the detected configuration must agree on everything the weights can show.
 */
export async function loadCheckpointFile(path: string, expected: ModelConfig): Promise<StateDict> {
  const src = await openFileSource(path);
  try {
    const res = await loadStateDict(src, { fileName: basename(path) });
    const d = res.detected;
    // decoder and detrStyle: an official DETR file must not pass as the project's DETR-style
    // baseline; multiscale: nor a multi-scale SAM-DETR as a single-scale one.
    const diffs = (['backbone', 'decoder', 'detrStyle', 'multiscale', 'smca', 'inputProjGroupNorm', 'hiddenDim', 'nheads', 'numQueries', 'encLayers', 'decLayers', 'dimFeedforward', 'numClasses', 'numPatterns'] as const)
      .filter((k) => d[k] !== expected[k])
      .map((k) => `${k}: checkpoint ${String(d[k])}, fixture ${String(expected[k])}`);
    if (diffs.length) throw new Error(`checkpoint ${path} does not match the fixture's model: ${diffs.join('; ')}`);
    if (res.report.missing.length) throw new Error(`checkpoint ${path} lacks ${res.report.missing.length} tensors, e.g. ${res.report.missing.slice(0, 5).join(', ')}`);
    return res.stateDict;
  } finally {
    await src.close?.();
  }
}
