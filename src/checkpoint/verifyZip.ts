import { type ByteSource, readRange } from './byteSource';
import { crc32 } from './crc32';
import { CheckpointError } from './errors';
import { type ZipEntry, entryDataOffset, readZipDirectory } from './zip';

/**
 * Checks the CRC-32 of every entry of a zip checkpoint, not only of those a load reads (the
 * optimizer state, unused tensors, the version record): what `npm run inspect` vouches for.
 * Stored entries are read in chunks and deflated ones inflated as a stream, so memory stays at
 * one chunk whatever the file's size.
 */
const CHUNK = 8 << 20;

export interface ZipVerification {
  entries: number;
  /** Uncompressed bytes checked. */
  bytes: number;
}

function damaged(src: ByteSource, entry: ZipEntry, what: string): CheckpointError {
  return new CheckpointError('corrupt', `"${src.name}" is a damaged zip archive: the entry "${entry.name.slice(0, 100)}" ${what}`);
}

async function storedCrc(src: ByteSource, start: number, entry: ZipEntry): Promise<number> {
  if (entry.compressedSize !== entry.size) throw damaged(src, entry, 'is stored with two different sizes');
  let crc = 0;
  for (let off = 0; off < entry.size; off += CHUNK) {
    crc = crc32(await readRange(src, start + off, Math.min(CHUNK, entry.size - off), `zip entry "${entry.name}"`), crc);
  }
  return crc;
}

async function deflatedCrc(src: ByteSource, start: number, entry: ZipEntry): Promise<number> {
  let ds: DecompressionStream;
  try {
    ds = new DecompressionStream('deflate-raw' as CompressionFormat);
  } catch {
    throw new CheckpointError('unsupported', `zip entry "${entry.name}" is deflate-compressed and this runtime cannot inflate it`);
  }
  const writer = ds.writable.getWriter();
  const reader = ds.readable.getReader();
  const feed = (async () => {
    for (let off = 0; off < entry.compressedSize; off += CHUNK) {
      await writer.write((await readRange(src, start + off, Math.min(CHUNK, entry.compressedSize - off), `zip entry "${entry.name}"`)) as Uint8Array<ArrayBuffer>);
    }
    await writer.close();
  })();
  feed.catch(() => {}); // its failure surfaces through the reader, or below
  let crc = 0;
  let n = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      n += value.length;
      if (n > entry.size) throw damaged(src, entry, `inflates past its declared ${entry.size} bytes`);
      crc = crc32(value, crc);
    }
    await feed;
  } catch (e) {
    await reader.cancel().catch(() => {});
    if (e instanceof CheckpointError) throw e;
    throw damaged(src, entry, `does not inflate (${(e as Error).message})`);
  }
  if (n !== entry.size) throw damaged(src, entry, `inflates to ${n} bytes, its directory says ${entry.size}`);
  return crc;
}

export async function verifyZipEntries(src: ByteSource): Promise<ZipVerification> {
  const entries = await readZipDirectory(src);
  let bytes = 0;
  for (const entry of entries.values()) {
    const start = await entryDataOffset(src, entry);
    if (entry.method !== 0 && entry.method !== 8) throw new CheckpointError('unsupported', `zip entry "${entry.name}" uses compression method ${entry.method}`);
    const crc = entry.method === 0 ? await storedCrc(src, start, entry) : await deflatedCrc(src, start, entry);
    if (crc !== entry.crc) throw damaged(src, entry, 'fails its CRC-32 check (its bytes were changed after it was written)');
    bytes += entry.size;
  }
  return { entries: entries.size, bytes };
}
