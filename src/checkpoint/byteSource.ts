import { truncated } from './errors';

/**
 * Random access to the bytes of a checkpoint. Readers ask only for the ranges they need
 * (zip directory, data.pkl, one tensor at a time), so a multi-hundred-MB file is never held
 * in memory as a whole. Node files live in nodeSource.ts so browser bundles never import `fs`.
 */
export interface ByteSource {
  readonly size: number;
  /** For messages only. */
  readonly name: string;
  /** Exactly `length` bytes starting at `offset`, in a fresh buffer the caller may keep. */
  read(offset: number, length: number): Promise<Uint8Array>;
  close?(): Promise<void>;
}

/** Reads a range after checking it lies inside the file, so every reader reports truncation the same way. */
export async function readRange(src: ByteSource, offset: number, length: number, what: string): Promise<Uint8Array> {
  if (offset < 0 || length < 0 || !Number.isSafeInteger(offset + length)) {
    throw truncated(what, offset + length, src.size);
  }
  if (offset + length > src.size) throw truncated(what, offset + length, src.size);
  return src.read(offset, length);
}

/** A browser File/Blob: each read is one `slice().arrayBuffer()`, so the browser streams from disk. */
export function blobSource(blob: Blob, name = (blob as File).name ?? 'checkpoint'): ByteSource {
  return {
    size: blob.size,
    name,
    async read(offset, length) {
      const buf = await blob.slice(offset, offset + length).arrayBuffer();
      if (buf.byteLength !== length) throw truncated(name, offset + length, offset + buf.byteLength);
      return new Uint8Array(buf);
    },
  };
}

/** Bytes already in memory (tests, small fixtures). Returns copies so callers may keep them. */
export function bytesSource(bytes: Uint8Array, name = 'checkpoint'): ByteSource {
  return {
    size: bytes.length,
    name,
    async read(offset, length) {
      // new Uint8Array(view) copies; slice() would not on a Node Buffer (a view into its pool).
      return new Uint8Array(bytes.subarray(offset, offset + length));
    },
  };
}
