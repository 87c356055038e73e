import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ByteSource } from './byteSource';
import { truncated } from './errors';

/**
 * A file on disk as a ByteSource: positional reads on one FileHandle, nothing buffered
 * beyond the range asked for. Close it when done (loadStateDict does not own the source).
 */
export async function openFileSource(path: string): Promise<ByteSource & { close(): Promise<void> }> {
  const fh = await open(path, 'r');
  const { size } = await fh.stat();
  const name = basename(path);
  return {
    size,
    name,
    async read(offset, length) {
      // A fresh, unpooled buffer: Buffer.allocUnsafe may hand out a slice of a shared pool at an
      // odd byteOffset, which would force a copy before viewing it as Float32Array.
      const buf = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await fh.read(buf, done, length - done, offset + done);
        if (bytesRead === 0) throw truncated(name, offset + length, offset + done);
        done += bytesRead;
      }
      return buf;
    },
    close: () => fh.close(),
  };
}
