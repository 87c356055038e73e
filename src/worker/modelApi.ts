/**
 * The single import point of the model library and the checkpoint reader for the worker.
 */
export {
  buildModel, preprocess, encoderAttentionRow, disposeEncoder, disposeDecoder, formulaWeights, type SamDetrModel,
} from '../model';
export { bestClassOfRow, detectionsOf, familyOf, scoreTensors, type ModelFamily } from '../model/scoring';
import { querySlots, type ModelConfig } from '../model/config';
import { familyOf } from '../model/scoring';
import type { StateDict } from '../model/types';
import { blobSource } from '../checkpoint/byteSource';
import { type LoadReport, loadStateDict } from '../checkpoint/loadStateDict';
import { checksumNote } from '../checkpoint/integrity';
import { CheckpointError } from '../checkpoint/errors';
import type { DilationSource } from '../checkpoint/detectConfig';

export interface LoadedCheckpoint {
  stateDict: StateDict;
  config: ModelConfig;
  /** Where config.dilation (DC5) came from: only args say it for certain. */
  dilationSource: DilationSource;
  epoch?: number;
  /** Human-readable lines: format, detected configuration, notes, unused keys. */
  report: string[];
  /** Problems to show beside the model, e.g. non-finite weights (named). */
  warnings: string[];
}

const list = (names: string[], n = 6) => names.slice(0, n).join(', ') + (names.length > n ? `, … (${names.length} in all)` : '');

/** Reads an official SAM-DETR .pth (zip or legacy) from a Blob; throws with a specific message when it cannot be used. */
/**
 * How long reading one checkpoint may take before it stops with a message. An official file of
 * 700 MB reads in seconds; a file that takes minutes is hostile or broken, and the page stays in
 * control either way (the Cancel button stops it sooner).
 */
export const READ_BUDGET_MS = 120_000;

export async function loadCheckpoint(file: Blob, fileName: string, onProgress: (done: number, total: number) => void, budgetMs = READ_BUDGET_MS): Promise<LoadedCheckpoint> {
  // Checked on every tensor read (progress) and by a timer (a stall between reads).
  const budget = new AbortController();
  const t0 = performance.now();
  const timer = setTimeout(() => budget.abort(), budgetMs);
  let ck;
  try {
    // The file name can tell what the weights cannot (DC5 in a released DETR file's name).
    ck = await loadStateDict(blobSource(file), {
      fileName,
      signal: budget.signal,
      // Refused before any weight is read.
      checkLayout: refuseIfNotRunnable,
      onProgress: (p) => {
        if (performance.now() - t0 > budgetMs) budget.abort();
        onProgress(p.loaded, p.total);
      },
    });
  } catch (e) {
    if (budget.signal.aborted) throw new CheckpointError('too-large', `reading "${fileName}" stopped after ${Math.round(budgetMs / 1000)} s, the budget for one checkpoint (${(file.size / 1e6).toFixed(0)} MB file)`);
    throw e;
  } finally {
    clearTimeout(timer);
  }
  const c = ck.detected;
  const { unexpected } = ck.report;
  const report = [
    `${ck.format === 'zip' ? 'zip' : 'legacy'} torch.save file${ck.epoch !== undefined ? `, saved after epoch ${ck.epoch + 1}` : ''}`,
    ...(checksumNote(ck.format) ? [checksumNote(ck.format)!] : []),
    c.decoder === 'detr'
      ? `official DETR, ${c.backbone}${c.dilation ? ' + DC5' : ''}, softmax over ${c.numClasses} classes + no-object`
      : c.decoder === 'conditional'
        ? `Conditional DETR, ${c.backbone}${c.dilation ? ' + DC5' : ''}, sigmoid over ${c.numClasses} classes`
      : c.decoder === 'dab'
        ? `DAB-DETR, ${c.backbone}${c.dilation ? ' + DC5' : ''}${c.numPatterns ? `, ${c.numPatterns} patterns` : ''}, sigmoid over ${c.numClasses} classes`
      : c.decoder === 'deformable'
        ? `Deformable DETR${c.twoStage ? ' (two-stage)' : c.withBoxRefine ? ' (iterative box refinement)' : ''}, ${c.backbone}, four levels, sigmoid over ${c.numClasses} classes`
      : c.multiscale
        // Multi-scale input_proj always has GroupNorm: it says nothing of the schedule there.
        ? `multi-scale SAM-DETR (levels of stride 8, 16, 32; deformable encoder), ${c.backbone}, ${c.smca ? 'with' : 'without'} SMCA`
        : `${c.backbone}${c.dilation ? ' + DC5' : ''}, ${c.smca ? 'with' : 'without'} SMCA, ${c.inputProjGroupNorm ? 'GroupNorm in input_proj (12-epoch recipe)' : 'no GroupNorm in input_proj'}`,
    `${c.encLayers} encoder / ${c.decLayers} decoder layers, ${c.numPatterns ? `${c.numQueries} anchors x ${c.numPatterns} patterns = ${querySlots(c)} query slots` : `${c.numQueries} queries`}, ${c.numClasses} classes`,
    ...ck.notes,
  ];
  if (unexpected.length) report.push(`not used: ${list(unexpected)}`);
  return { stateDict: ck.stateDict, config: c, dilationSource: ck.dilationSource, epoch: ck.epoch, report, warnings: ck.warnings };
}

/** A checkpoint the app cannot run is refused with one sentence; the names go to the details, which the app folds away. */
function refuseIfNotRunnable({ detected: c, report: { missing, mismatched }, notes }: { detected: ModelConfig; report: LoadReport; notes: string[] }): void {
  if (missing.length || mismatched.length) {
    const family = c.decoder === 'detr' ? 'DETR' : c.decoder === 'sam' ? (c.multiscale ? 'multi-scale SAM-DETR' : 'single-scale SAM-DETR') : familyOf(c);
    const what = [
      missing.length ? `lacks ${missing.length} weight(s)` : '',
      mismatched.length ? `has ${mismatched.length} weight(s) of another shape` : '',
    ].filter(Boolean).join(' and ');
    const details = [
      missing.length ? `missing: ${list(missing)}` : '',
      mismatched.length ? `another shape: ${list(mismatched.map((m) => `${m.name} [${m.actual}] (expected [${m.expected}])`), 3)}` : '',
      ...notes,
    ].filter(Boolean).join('; ');
    throw new CheckpointError('unsupported-family', `this checkpoint cannot run as a ${family}: it ${what} that configuration needs`, details);
  }
}
