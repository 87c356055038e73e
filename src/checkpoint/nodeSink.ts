import { open } from 'node:fs/promises';
import type { ByteSink } from './byteSink';

/** A file written front to back; kept apart from byteSink.ts so browser bundles never import `fs`. */
export async function openFileSink(path: string): Promise<ByteSink & { close(): Promise<void> }> {
  const fh = await open(path, 'w');
  return {
    async write(chunk) {
      let done = 0;
      while (done < chunk.length) done += (await fh.write(chunk, done, chunk.length - done)).bytesWritten;
    },
    close: () => fh.close(),
  };
}
