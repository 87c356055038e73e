import { openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import { CheckpointError, asCheckpointError } from '../../src/checkpoint/errors';
import { NO_CHECKSUM_NOTE } from '../../src/checkpoint/integrity';
import { variantConfig } from '../../src/checkpoint/formulaCheckpoint';
import { type LoadedCheckpoint, loadStateDict } from '../../src/checkpoint/loadStateDict';
import { openFileSource } from '../../src/checkpoint/nodeSource';
import { findNonFinite, nonFiniteWarning } from '../../src/checkpoint/nonFinite';
import { verifyZipEntries } from '../../src/checkpoint/verifyZip';
import type { ModelConfig } from '../../src/model/config';
import { readSafetensorsBlob } from '../../src/checkpoint/safetensors';

/**
 * What `npm run inspect` says about one file, read with the app's own code: loadStateDict for
 * .pth files (zip or legacy), readSafetensors for .safetensors. Never throws for a bad file:
 * a refusal is a result with the reader's error code.
 */
export type Inspection =
  | {
      file: string;
      ok: true;
      family: string;
      config: ModelConfig | null;
      /** Tensors read as the model's weights, and their float32 bytes. */
      tensors: number;
      bytes: number;
      format: string;
      variant?: string;
      epoch?: number;
      epochs?: number;
      parameters: number;
      /** Whether the app can run it: every weight its configuration needs is there, in its shape. */
      runnable: boolean;
      missing: number;
      mismatched: number;
      unexpected: number;
      /** Top-level entries besides the model (optimizer state, scheduler, args, ...). */
      extras: string[];
      notes: string[];
      warnings: string[];
      /** What was checked against damage: every zip entry's CRC-32, only those read (--quick), or nothing (no checksum in the format). */
      integrity: string;
    }
  | { file: string; ok: false; error: { code: string; message: string; details?: string } };

const OFFICIAL_VARIANTS = ['r50_e12', 'r50_smca_e12', 'r50_e50', 'r50_smca_e50', 'r50_dc5_e12', 'r50_dc5_smca_e12', 'r50_dc5_e50', 'r50_dc5_smca_e50', 'detr_r50', 'detr_r50_dc5', 'detr_r101', 'detr_r101_dc5'];

function family(c: ModelConfig): string {
  if (c.decoder === 'detr') return c.detrStyle === 'official' ? 'DETR' : 'DETR-style baseline';
  return `${c.multiscale ? 'multi-scale ' : ''}SAM-DETR${c.smca ? ' + SMCA' : ''}`;
}

/**
 * The official variant this configuration is, if any (the weights of the COCO releases). The
 * multi-scale models' 12- and 50-epoch configurations are the same: the schedule comes from args.
 */
function variantOf(c: ModelConfig, epochs: number | undefined): string | undefined {
  const ms = `ms_r50${c.smca ? '_smca' : ''}_e${epochs ?? 12}`;
  if (c.multiscale) return JSON.stringify(variantConfig(ms).config) === JSON.stringify(c) && epochs !== undefined ? ms : undefined;
  return OFFICIAL_VARIANTS.find((v) => JSON.stringify(variantConfig(v).config) === JSON.stringify(c));
}

export interface InspectOptions {
  /** Skip the CRC-32 check of the zip entries the model does not need (optimizer state, ...). */
  quick?: boolean;
}

async function inspectPth(path: string, quick: boolean): Promise<{ ck: LoadedCheckpoint; integrity: string }> {
  const src = await openFileSource(path);
  try {
    const ck = await loadStateDict(src, { fileName: basename(path) });
    if (ck.format !== 'zip') return { ck, integrity: NO_CHECKSUM_NOTE };
    if (quick) return { ck, integrity: 'CRC-32 checked only for the entries read as weights (--quick: the other entries were not checked)' };
    const v = await verifyZipEntries(src);
    return { ck, integrity: `CRC-32 of all ${v.entries} zip entries checked (${(v.bytes / 2 ** 20).toFixed(1)} MiB)` };
  } finally {
    await src.close();
  }
}

export async function inspectFile(path: string, options: InspectOptions = {}): Promise<Inspection> {
  const file = basename(path);
  try {
    if (path.endsWith('.safetensors')) {
      // A Blob reads the header, then the tensors in runs: never the whole file at once.
      const { stateDict, metadata } = await readSafetensorsBlob(await openAsBlob(path));
      const values = [...stateDict.values()];
      const nonFinite = findNonFinite(stateDict);
      return {
        file, ok: true, family: 'safetensors weights', config: null, format: 'safetensors',
        tensors: stateDict.size, bytes: values.reduce((n, t) => n + t.data.byteLength, 0),
        parameters: values.reduce((n, t) => n + t.data.length, 0), runnable: false, missing: 0, mismatched: 0, unexpected: 0,
        extras: Object.keys(metadata).map((k) => `metadata.${k}`), notes: [], warnings: nonFinite.length ? [nonFiniteWarning(nonFinite)] : [],
        integrity: NO_CHECKSUM_NOTE,
      };
    }
    const { ck: r, integrity } = await inspectPth(path, options.quick ?? false);
    const c = r.detected;
    const { missing, mismatched, unexpected } = r.report;
    const epochs = typeof r.args?.epochs === 'number' ? r.args.epochs : undefined;
    // Tied weights share one array: count it once.
    const arrays = [...new Set([...r.stateDict.values()].map((t) => t.data))];
    return {
      file, ok: true, family: family(c), config: c, format: r.format, variant: variantOf(c, epochs), epoch: r.epoch, epochs,
      tensors: r.stateDict.size,
      bytes: arrays.reduce((n, d) => n + d.byteLength, 0),
      parameters: arrays.reduce((n, d) => n + d.length, 0),
      runnable: missing.length === 0 && mismatched.length === 0,
      missing: missing.length, mismatched: mismatched.length, unexpected: unexpected.length,
      extras: r.extras, notes: r.notes, warnings: r.warnings, integrity,
    };
  } catch (e) {
    // Node's own errors (no such file) are the user's, not the reader's: report them as refusals too.
    const err = e instanceof CheckpointError ? e : (e as NodeJS.ErrnoException)?.code === 'ENOENT' ? new CheckpointError('not-a-checkpoint', `${file} does not exist`) : asCheckpointError(e);
    return { file, ok: false, error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } };
  }
}

/** The readable summary: a few lines per file. */
export function describe(i: Inspection): string {
  if (!i.ok) return `${i.file}: refused (${i.error.code}): ${i.error.message}${i.error.details ? `\n  details: ${i.error.details}` : ''}`;
  const lines = [`${i.file}: ${i.family}${i.variant ? ` (official variant ${i.variant})` : ''}, ${i.format} format`];
  const c = i.config;
  if (c) {
    const trained = [i.epochs !== undefined ? `${i.epochs}-epoch schedule` : null, i.epoch !== undefined ? `saved after epoch ${i.epoch + 1}` : null].filter(Boolean);
    if (trained.length) lines.push(`  training: ${trained.join(', ')}`);
    lines.push(`  model: ${c.backbone}${c.backboneWidth !== 64 ? ` (width ${c.backboneWidth})` : ''}${c.dilation ? ' + DC5' : ''}, hidden ${c.hiddenDim}, ${c.nheads} heads, ${c.encLayers} encoder / ${c.decLayers} decoder layers, FFN ${c.dimFeedforward}, ${c.numQueries} queries, ${c.numClasses} classes`);
  }
  lines.push(`  weights: ${i.tensors} tensors read, ${i.parameters.toLocaleString('en-US')} parameters (${(i.bytes / 2 ** 20).toFixed(1)} MiB as float32)`);
  if (c) lines.push(`  ${i.runnable ? 'runs in the app' : 'cannot run in the app'}: ${i.missing} missing, ${i.mismatched} with another shape, ${i.unexpected} not used`);
  lines.push(`  besides the model: ${i.extras.length ? i.extras.join(', ') : 'nothing'}`);
  for (const n of i.notes) lines.push(`  note: ${n}`);
  lines.push(`  integrity: ${i.integrity}`);
  for (const w of i.warnings) lines.push(`  WARNING: ${w}`);
  return lines.join('\n');
}

/** The --json line: the fields the issue names first, then the details. */
export function toJson(i: Inspection): string {
  if (!i.ok) return JSON.stringify({ file: i.file, ok: false, error: i.error });
  const { file, ok, family: fam, config, tensors, bytes, ...rest } = i;
  return JSON.stringify({ file, ok, family: fam, config, tensors, bytes, ...rest });
}
