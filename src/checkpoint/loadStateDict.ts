import type { ModelConfig } from '../model/config';
import type { StateDict } from '../model/types';
import type { ByteSource } from './byteSource';
import { openCheckpoint } from './checkpoint';
import { type DilationSource, compareWithConfig, detectConfig } from './detectConfig';
import { LIMITS, tooLarge } from './bounds';
import { CheckpointError, asCheckpointError } from './errors';
import { type NonFinite, findNonFinite, nonFiniteWarning } from './nonFinite';
import { describeValue } from './describeValue';
import { type PyValue, PyNamespace, toPlain } from './pyTypes';
import { type Storage, TensorRef } from './tensor';

/**
 * From a .pth file to the model's weights: finds the state dict (under `model` in the official
 * training checkpoints), detects the configuration, compares the keys with what that
 * configuration needs, and reads only those tensors, one at a time, as float32. Optimizer
 * state and anything else in the file stays unread, so memory stays near the model's size.
 */
export interface LoadProgress {
  /** Tensor bytes read so far / to read in all (what a progress bar wants). */
  loaded: number;
  total: number;
  /** The tensor just read. */
  tensor?: string;
}

export interface LoadOptions {
  onProgress?: (p: LoadProgress) => void;
  signal?: AbortSignal;
  /**
   * The file's name, when there is one: the only hint of DC5 in a checkpoint without args
   * (the released DETR files are named like `detr-r50-dc5-f0fb7ef5.pth`); a guess, noted as such.
   */
  fileName?: string;
  /**
   * Called with the detected configuration and the key comparison before any tensor bytes are
   * read; throwing here refuses the file at the cost of its pickle alone (the app refuses a
   * checkpoint it cannot run this way, instead of reading its weights first).
   */
  checkLayout?: (layout: { detected: ModelConfig; report: LoadReport; notes: string[] }) => void;
}

export interface LoadReport {
  /** Names the detected configuration needs that the file lacks. */
  missing: string[];
  /** Names in the file's state dict the configuration does not use (not read). */
  unexpected: string[];
  /** Present, but with another shape than the configuration needs (not read). */
  mismatched: { name: string; expected: number[]; actual: number[] }[];
}

export interface LoadedCheckpoint {
  /** Float32 weights under their official names, in the configuration's order. */
  stateDict: StateDict;
  args?: Record<string, unknown>;
  epoch?: number;
  detected: ModelConfig;
  /** Where `detected.dilation` came from (args, the file name, the default; n/a for multi-scale). */
  dilationSource: DilationSource;
  /** How the configuration was decided (defaults, guesses, disagreements). */
  notes: string[];
  report: LoadReport;
  format: 'zip' | 'legacy';
  /** Top-level keys of the file besides the state dict ("optimizer", "lr_scheduler", "epoch", "args"). */
  extras: string[];
  /** Weights that hold NaN or +-Inf, with counts: the model would run but detect nothing. */
  nonFinite: NonFinite[];
  /** Sentences the app should show next to a loaded model (today: the non-finite weights). */
  warnings: string[];
}

function get(d: PyValue, key: string): PyValue | undefined {
  return d instanceof Map ? d.get(key) : undefined;
}

/** The state dict inside the checkpoint: `model` (official), `state_dict` (other trainers) or the root itself. */
function findModelDict(root: PyValue, notes: string[]): Map<string, TensorRef> {
  const candidate = get(root, 'model') ?? get(root, 'state_dict') ?? root;
  if (!(candidate instanceof Map)) throw new CheckpointError('not-a-checkpoint', 'the checkpoint holds no state dict (no "model" entry with tensors)');
  const out = new Map<string, TensorRef>();
  for (const [k, v] of candidate) if (typeof k === 'string' && v instanceof TensorRef) out.set(k, v);
  if (out.size === 0) throw new CheckpointError('not-a-checkpoint', 'the checkpoint holds no model tensors');
  // Saved from a DistributedDataParallel wrapper instead of the bare model.
  if ([...out.keys()].every((k) => k.startsWith('module.'))) {
    notes.push('stripped the "module." prefix (a DataParallel-wrapped model was saved)');
    return new Map([...out].map(([k, v]) => [k.slice('module.'.length), v]));
  }
  return out;
}

/** Every failure leaves as a CheckpointError (code 'internal' for a reader bug), never as raw JS error text. */
export async function loadStateDict(source: ByteSource, options: LoadOptions = {}): Promise<LoadedCheckpoint> {
  try {
    return await load(source, options);
  } catch (e) {
    throw asCheckpointError(e);
  }
}

async function load(source: ByteSource, options: LoadOptions): Promise<LoadedCheckpoint> {
  const checkAborted = () => {
    if (options.signal?.aborted) throw new CheckpointError('aborted', 'loading the checkpoint was cancelled');
  };
  checkAborted();
  const { format, root } = await openCheckpoint(source);
  const notes: string[] = [];
  const tensors = findModelDict(root, notes);
  const rawArgs = get(root, 'args');
  const plainArgs = { maxValues: LIMITS.argsValues, maxDepth: LIMITS.argsDepth, what: "the checkpoint's args" };
  const args = rawArgs instanceof PyNamespace || rawArgs instanceof Map ? (toPlain(rawArgs, plainArgs) as Record<string, unknown>) : undefined;
  const modelKey = get(root, 'model') !== undefined ? 'model' : get(root, 'state_dict') !== undefined ? 'state_dict' : null;
  const extras = root instanceof Map && modelKey ? extraKeys(root, modelKey) : [];
  const rawEpoch = get(root, 'epoch');
  const epoch = typeof rawEpoch === 'number' ? rawEpoch : undefined;

  const shapes = new Map([...tensors].map(([k, t]) => [k, t.shape]));
  const detected = detectConfig(shapes, args, options.fileName);
  notes.push(...detected.notes);
  const { expected, missing, unexpected, mismatched } = compareWithConfig(shapes, detected.config);
  const bad = new Set(mismatched.map((m) => m.name));
  const toRead = expected.filter(([k]) => tensors.has(k) && !bad.has(k)).map(([k]) => k);

  // Tied weights (bbox_embed.N and transformer.decoder.bbox_embed.N in real checkpoints) are
  // one storage viewed twice: read once, and let both names share the array.
  const storageIds = new Map<Storage, number>();
  const viewId = (t: TensorRef) => {
    if (!storageIds.has(t.storage)) storageIds.set(t.storage, storageIds.size);
    return `${storageIds.get(t.storage)}|${t.storageOffset}|${t.shape}|${t.stride}`;
  };
  const unique = new Map<string, TensorRef>();
  for (const k of toRead) unique.set(viewId(tensors.get(k)!), tensors.get(k)!);
  const total = [...unique.values()].reduce((n, t) => n + t.byteLength, 0);
  options.checkLayout?.({ detected: detected.config, report: { missing, unexpected, mismatched }, notes });
  checkOutputBudget([...unique.values()], source.size);

  const stateDict: StateDict = new Map();
  const data = new Map<string, Float32Array>();
  let loaded = 0;
  options.onProgress?.({ loaded, total });
  for (const k of toRead) {
    checkAborted();
    const t = tensors.get(k)!;
    const id = viewId(t);
    if (!data.has(id)) {
      data.set(id, await t.readFloat32());
      loaded += t.byteLength;
      options.onProgress?.({ loaded, total, tensor: k });
    }
    stateDict.set(k, { shape: t.shape, data: data.get(id)! });
  }
  const nonFinite = findNonFinite(stateDict);
  const warnings = nonFinite.length ? [nonFiniteWarning(nonFinite)] : [];
  return { stateDict, args, epoch, detected: detected.config, dilationSource: detected.dilationSource, notes, report: { missing, unexpected, mismatched }, format, extras, nonFinite, warnings };
}

/** The root's other keys (at most 50), each described by type and size when it is not a plain name. */
function extraKeys(root: Map<PyValue, PyValue>, modelKey: string): string[] {
  const out: string[] = [];
  for (const k of root.keys()) {
    if (k === modelKey) continue;
    if (out.length === 50) break;
    out.push(describeValue(k));
  }
  return out;
}

/**
 * The float32 arrays the loader will return may not exceed a small multiple of the distinct
 * bytes they come from: views that overlap each other (many names over one storage, many
 * legacy view storages over one root) would otherwise turn a small file into gigabytes. Bytes
 * are counted per backing (a zip entry, a legacy root), once however many storages view it,
 * and those stored as they are cannot add up to more than the file. Checked before any read.
 */
function checkOutputBudget(views: TensorRef[], fileSize: number): void {
  let inFile = 0;
  let inflated = 0;
  for (const b of new Set(views.map((t) => t.storage.backing))) {
    if (b.inFile) inFile += b.bytes;
    else inflated += b.bytes;
  }
  const held = Math.min(inFile, fileSize) + inflated;
  const out = views.reduce((n, t) => n + t.numel * 4, 0);
  if (out > held * LIMITS.outputPerStorageByte + LIMITS.outputSlack) {
    throw tooLarge(`the model's tensors would take ${out} bytes as float32 but view only ${held} distinct bytes of the file (overlapping views)`);
  }
}
