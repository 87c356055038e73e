import { CheckpointError } from './errors';

/**
 * The reader's resource limits in one place. Each is far above anything torch.save writes for a
 * detection model and far below what would hang a browser tab: a file may only make the reader
 * do work proportional to its size, and allocate a small multiple of the tensor bytes it holds.
 */
export const LIMITS = {
  /** LONG1/LONG4 integers: torch.save writes at most 8-byte ints; BigInt decoding of huge ones is superlinear. */
  maxLongBytes: 1024,
  /** Decimal digits of a protocol-0 INT/LONG line (BigInt parsing is superlinear too). */
  maxTextIntDigits: 1024,
  /** MARK nesting: Python's pickler recurses per level, so real pickles nest a few dozen deep. */
  maxMarkDepth: 10_000,
  /** Memo entries: about 10 per tensor in a checkpoint with optimizer state. */
  maxMemo: 1 << 20,
  /**
   * Elements the VM may copy in opcodes that consume an existing object rather than the stack
   * (OrderedDict(list), BUILD(dict)): a memo GET makes them reusable, so without a budget a small
   * file could ask for quadratic work. Per pickle byte, plus a floor for tiny pickles.
   */
  workPerByte: 2,
  workFloor: 1 << 20,
  /**
   * What the pickle VM may hold, in units of about 24 bytes of JS heap: each value pushed is one
   * (a stack slot, a number, a string header, a reference got from the memo), a new dict, set or
   * Namespace is `pickleDictUnits` (an empty Map takes about 190 bytes). Per pickle byte (a
   * torch.save pickle of a full training checkpoint uses well under one per byte), plus a floor,
   * and never more than `maxPickleUnits` (about 50 MB), whatever the pickle's size: a 25 MB
   * pickle of EMPTY_DICTs deflates to 24 KB.
   */
  pickleUnitsPerByte: 4,
  pickleUnitsFloor: 1 << 16,
  maxPickleUnits: 1 << 21,
  pickleDictUnits: 8,
  /** toPlain on the training args: a real argparse.Namespace has about 100 values, nested 2 deep. */
  argsValues: 10_000,
  argsDepth: 64,
  /** toPlain elsewhere (tests, the inspector's view of the whole file). */
  plainValues: 1_000_000,
  plainDepth: 1_000,
  /** Deflate cannot expand more than 1032:1; a larger declared size is a lie. */
  maxDeflateRatio: 1032,
  /** Float32 bytes the loader may return per byte of the storages it reads (int8/bool widen 4x). */
  outputPerStorageByte: 4,
  /** Slack for tiny models and 0-dim tensors. */
  outputSlack: 1 << 20,
} as const;

export function tooLarge(message: string): CheckpointError {
  return new CheckpointError('too-large', message);
}
