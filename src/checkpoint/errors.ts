/**
 * One error type for everything the checkpoint reader refuses, with a machine-readable code so
 * the UI (and `npm run inspect`) can choose its wording, and a message that already says what
 * went wrong in one sentence. The codes are stable words: tests and scripts match on them.
 */
export type CheckpointErrorCode =
  | 'not-a-checkpoint' // the bytes are not a torch.save file at all
  | 'truncated' // the file ends before a structure it announces
  | 'corrupt' // the structure is inconsistent (bad offsets, CRC mismatch, duplicate entries, invalid UTF-8)
  | 'refused-global' // the pickle names a Python global outside the allow-list
  | 'refused' // the pickle asks for something else we will not do (persistent ids where none belong, BUILD on a foreign object)
  | 'too-large' // the file asks for more work or memory than its size can justify (bounds of bounded.ts)
  | 'unsupported' // a valid file using a feature we do not read (big-endian, out-of-band buffers, an unknown backbone)
  | 'unsupported-family' // a checkpoint of another model family (DETR, Deformable DETR, ...)
  | 'invalid-config' // the configuration it describes cannot be built (non-positive or absurd dimensions)
  | 'aborted' // the caller cancelled
  | 'internal'; // a bug in the reader: any non-CheckpointError caught at the API boundary

export class CheckpointError extends Error {
  readonly code: CheckpointErrorCode;
  /**
   * What a reader of the one-sentence message may want next (key names, counts), kept out of
   * the message so that it stays one sentence; a UI shows it folded away.
   */
  readonly details?: string;
  constructor(code: CheckpointErrorCode, message: string, details?: string) {
    super(message);
    this.name = 'CheckpointError';
    this.code = code;
    if (details !== undefined) this.details = details;
  }
}

/** Raised for another model's checkpoint; carries the key comparison that gave it away. */
export class ForeignCheckpointError extends CheckpointError {
  readonly kind: string;
  readonly missing: string[];
  readonly unexpected: string[];
  constructor(kind: string, message: string, missing: string[], unexpected: string[], details?: string) {
    super('unsupported-family', message, details);
    this.name = 'ForeignCheckpointError';
    this.kind = kind;
    this.missing = missing;
    this.unexpected = unexpected;
  }
}

export function truncated(what: string, need: number, size: number): CheckpointError {
  return new CheckpointError(
    'truncated',
    `the checkpoint is truncated: ${what} needs bytes up to ${need}, but the file has only ${size} bytes (incomplete download or copy?)`,
  );
}

/**
 * The API boundary's guarantee that only CheckpointErrors leave the reader: anything else
 * (a TypeError, a RangeError from a DataView, a stack overflow) is a bug in the reader, reported
 * as code 'internal' so the inspector can exit 1 for it and the fuzz tests can find it.
 */
export function asCheckpointError(e: unknown): CheckpointError {
  if (e instanceof CheckpointError) return e;
  const detail = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  const err = new CheckpointError('internal', `the checkpoint reader failed unexpectedly (a bug, please report it): ${detail.slice(0, 200)}`);
  (err as Error & { cause?: unknown }).cause = e;
  return err;
}
