/**
 * One error type for everything the checkpoint reader refuses, with a machine-readable code so
 * the UI can choose its wording, and a message that already says what went wrong in words.
 */
export type CheckpointErrorCode =
  | 'not-a-checkpoint' // the bytes are not a torch.save file at all
  | 'truncated' // the file ends before a structure it announces
  | 'corrupt' // the structure is inconsistent (bad offsets, missing entries)
  | 'refused' // the pickle asks for something we will not do (a non-allowed global, ...)
  | 'unsupported' // a valid file using a feature we do not read (big-endian, compression without inflater)
  | 'foreign-model' // a checkpoint of another model family
  | 'aborted';

export class CheckpointError extends Error {
  readonly code: CheckpointErrorCode;
  constructor(code: CheckpointErrorCode, message: string) {
    super(message);
    this.name = 'CheckpointError';
    this.code = code;
  }
}

/** Raised for another model's checkpoint; carries the key comparison that gave it away. */
export class ForeignCheckpointError extends CheckpointError {
  readonly kind: string;
  readonly missing: string[];
  readonly unexpected: string[];
  constructor(kind: string, message: string, missing: string[], unexpected: string[]) {
    super('foreign-model', message);
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
