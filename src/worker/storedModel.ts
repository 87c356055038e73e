/**
 * A dropped checkpoint as the browser keeps it: the model's float32 weights as one safetensors
 * file (the optimizer state and everything else of the .pth left out: an official training
 * checkpoint of 700 MB keeps its 237 MB model), with what the reader found (configuration,
 * epoch, report, warnings) in the file's metadata, so the file alone loads again.
 *
 * The worker writes it straight into the file handle the page opened in its origin-private file
 * system, one tensor at a time from the arrays the model was built from: never a second copy of
 * the model in memory. Float32, byte for byte what the checkpoint gave (parity holds after a
 * reload as before it).
 */
import type { Params } from '../model/params';
import { validateConfig, type ModelConfig } from '../model/config';
import type { StateDict } from '../model/types';
import { readSafetensorsBlob, writeSafetensorsF32Stream } from '../checkpoint/safetensors';
import { CheckpointError } from '../checkpoint/errors';
import type { DilationSource } from '../checkpoint/detectConfig';

/** How many bytes the writer writes between two chances for the worker's other messages. */
const YIELD_EVERY_BYTES = 8 * 2 ** 20;

/** The metadata's `format`: a stored model of this app, version 1. */
export const STORED_MODEL_FORMAT = 'sam-detr-lens stored model 1';

/** FileSystemSyncAccessHandle, as much of it as the writer uses (dedicated workers, OPFS files). */
interface SyncHandleLike {
  truncate(size: number): void;
  write(buffer: Uint8Array, options: { at: number }): number;
  flush(): void;
  close(): void;
}

/** What the worker needs of the handle the page passes (a FileSystemFileHandle; in tests, an in-memory one). */
export interface WeightsFileHandle {
  createWritable(): Promise<WritableStream<Uint8Array>>;
  createSyncAccessHandle?: () => Promise<SyncHandleLike>;
}

/** What a stored model holds besides its weights. */
export interface StoredModelMeta {
  /** As detected from the checkpoint (a DC5 the user chose instead is kept beside it, in the store's sidecar). */
  config: ModelConfig;
  epoch?: number;
  report: string[];
  warnings: string[];
  /** Where config.dilation came from; absent in models stored before it was kept. */
  dilationSource?: DilationSource;
}

const DILATION_SOURCES: readonly DilationSource[] = ['args', 'file-name', 'default', 'n/a'];

/**
 * Writes a model's weights and `meta` into `handle`; returns the file's size. The sync access
 * handle (dedicated workers) writes each tensor from its array without a copy; where there is
 * none, a writable stream, which commits on close (a failed write leaves the old contents).
 */
export async function writeStoredModel(params: Params, meta: StoredModelMeta, handle: WeightsFileHandle): Promise<number> {
  const metadata: Record<string, string> = {
    format: STORED_MODEL_FORMAT,
    config: JSON.stringify(meta.config),
    report: JSON.stringify(meta.report),
    warnings: JSON.stringify(meta.warnings),
    ...(meta.epoch !== undefined ? { epoch: String(meta.epoch) } : {}),
    ...(meta.dilationSource ? { dilationSource: meta.dilationSource } : {}),
  };
  // The sync handle writes block the worker's thread: every few megabytes the write lets the
  // worker's other messages run (a query's maps, a run), so an official-size model (237 MB, about
  // 2 s) does not hold them up from start to end. The write runs beside the request queue for this.
  let sinceYield = 0;
  const read = async (name: string) => {
    const { data } = await params.entryNow(name);
    sinceYield += data.byteLength;
    if (sinceYield >= YIELD_EVERY_BYTES) {
      sinceYield = 0;
      await new Promise((r) => setTimeout(r, 0));
    }
    return data;
  };
  if (handle.createSyncAccessHandle) {
    const h = await handle.createSyncAccessHandle();
    try {
      h.truncate(0);
      const size = await writeSafetensorsF32Stream(params.shapes(), read, (piece, at) => {
        // A short write (disk full) would otherwise leave a file that reads as truncated.
        if (h.write(piece, { at }) !== piece.byteLength) throw Object.assign(new Error('the disk is full'), { name: 'QuotaExceededError' });
      }, metadata);
      h.flush();
      return size;
    } finally {
      h.close();
    }
  }
  const w = (await handle.createWritable()).getWriter();
  try {
    const size = await writeSafetensorsF32Stream(params.shapes(), read, (piece) => w.write(piece), metadata);
    await w.close();
    return size;
  } catch (e) {
    await w.abort(e).catch(() => {});
    throw e;
  }
}

/** Reads a stored model (tensor by tensor, by byte range) with its configuration and report; throws a CheckpointError when it is not one. */
export async function readStoredModel(file: Blob, onProgress?: (done: number, total: number) => void): Promise<StoredModelMeta & { stateDict: StateDict }> {
  const { stateDict, metadata } = await readSafetensorsBlob(file, onProgress);
  if (metadata.format !== STORED_MODEL_FORMAT) throw new CheckpointError('not-a-checkpoint', `not a model stored by this app (format ${JSON.stringify(metadata.format ?? null).slice(0, 60)})`);
  const parse = <T>(key: string, fallback: T): T => {
    try {
      return metadata[key] === undefined ? fallback : (JSON.parse(metadata[key]) as T);
    } catch {
      throw new CheckpointError('corrupt', `the stored model's ${key} is not JSON`);
    }
  };
  const config = parse<ModelConfig | null>('config', null);
  const errs = config ? validateConfig(config) : ['no configuration'];
  if (errs.length) throw new CheckpointError('corrupt', `the stored model's configuration is invalid: ${errs.slice(0, 3).join('; ')}`);
  const epoch = metadata.epoch === undefined ? undefined : Number(metadata.epoch);
  // An unknown source is as good as none: DC5 is then shown as the stored configuration says, not as a guess.
  const source = DILATION_SOURCES.find((x) => x === metadata.dilationSource);
  return {
    stateDict, config: config!, epoch: Number.isInteger(epoch) ? epoch : undefined, report: parse('report', []), warnings: parse('warnings', []),
    ...(source ? { dilationSource: source } : {}),
  };
}
