import { LIMITS } from './bounds';
import { type ByteSource, readRange } from './byteSource';
import { crc32 } from './crc32';
import { CheckpointError } from './errors';

/**
 * Just enough of the zip format to read torch.save archives by byte range: the central
 * directory (with ZIP64 records and extra fields), and each entry's data offset from its
 * local header. torch.save stores entries uncompressed, so a tensor is a plain byte range.
 *
 * Nothing in the directory is trusted: every field is bounds-checked against the directory's
 * own bytes, names must be unique, each local header must agree with its directory entry, and
 * every entry that is read has its CRC-32 checked (zipCheckpoint.ts for storages).
 */
export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflate. */
  method: number;
  /** General purpose flags; bit 3 = sizes and CRC in a data descriptor, not the local header. */
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const U32_MAX = 0xffffffff;

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function u64(dv: DataView, at: number): number {
  const v = dv.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new CheckpointError('corrupt', `zip field ${v} is too large`);
  return Number(v);
}

function corrupt(src: ByteSource, what: string): CheckpointError {
  return new CheckpointError('corrupt', `"${src.name}" is a damaged zip archive: ${what}`);
}

/** Finds the end-of-central-directory record in the last 64 KiB (+22) of the file. */
async function findEocd(src: ByteSource): Promise<{ at: number; dv: DataView }> {
  const tailLen = Math.min(src.size, 22 + 0xffff);
  const start = src.size - tailLen;
  const tail = await readRange(src, start, tailLen, 'zip end record');
  const dv = view(tail);
  for (let i = tailLen - 22; i >= 0; i--) {
    if (dv.getUint32(i, true) === EOCD_SIG) return { at: start + i, dv: new DataView(tail.buffer, tail.byteOffset + i) };
  }
  throw new CheckpointError(
    'truncated',
    `"${src.name}" starts like a zip archive (torch.save format) but has no end-of-central-directory record: ` +
      `the checkpoint is truncated or damaged (${src.size} bytes; was the download interrupted?)`,
  );
}

/** Reads the central directory: name -> entry. */
export async function readZipDirectory(src: ByteSource): Promise<Map<string, ZipEntry>> {
  const { at: eocdAt, dv: eocd } = await findEocd(src);
  if (eocd.byteLength < 22) throw corrupt(src, 'the end record is cut short');
  let count = eocd.getUint16(10, true);
  let cdSize = eocd.getUint32(12, true);
  let cdOffset = eocd.getUint32(16, true);
  // ZIP64: a locator sits right before the classic record and points at the 64-bit one.
  if (eocdAt >= 20) {
    const loc = view(await readRange(src, eocdAt - 20, 20, 'zip64 locator'));
    if (loc.getUint32(0, true) === ZIP64_LOCATOR_SIG) {
      const recAt = u64(loc, 8);
      const rec = view(await readRange(src, recAt, 56, 'zip64 end record'));
      if (rec.getUint32(0, true) !== ZIP64_EOCD_SIG) throw corrupt(src, 'bad zip64 end record');
      count = u64(rec, 32);
      cdSize = u64(rec, 40);
      cdOffset = u64(rec, 48);
    }
  }
  if (cdOffset + cdSize > eocdAt) {
    throw new CheckpointError('truncated', `the checkpoint is truncated or damaged: its zip directory points past the end of "${src.name}"`);
  }
  // Each entry takes at least 46 bytes, so the count is bounded by the directory's size.
  if (count * 46 > cdSize) throw corrupt(src, `the directory announces ${count} entries but has room for ${Math.floor(cdSize / 46)}`);
  const cd = await readRange(src, cdOffset, cdSize, 'zip central directory');
  const dv = view(cd);
  const decoder = new TextDecoder();
  const entries = new Map<string, ZipEntry>();
  let p = 0;
  for (let n = 0; n < count; n++) {
    if (p + 46 > cd.length || dv.getUint32(p, true) !== CENTRAL_SIG) throw corrupt(src, `central directory entry ${n} is malformed`);
    const flags = dv.getUint16(p + 8, true);
    const method = dv.getUint16(p + 10, true);
    const crc = dv.getUint32(p + 16, true);
    let compressedSize = dv.getUint32(p + 20, true);
    let size = dv.getUint32(p + 24, true);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    let localHeaderOffset = dv.getUint32(p + 42, true);
    const extraEnd = p + 46 + nameLen + extraLen;
    if (extraEnd + commentLen > cd.length) throw corrupt(src, `central directory entry ${n} runs past the end of the directory`);
    const name = decoder.decode(cd.subarray(p + 46, p + 46 + nameLen));
    // ZIP64 extra field: holds, in this order, only the fields whose 32-bit slot is 0xFFFFFFFF.
    let e = p + 46 + nameLen;
    while (e + 4 <= extraEnd) {
      const id = dv.getUint16(e, true);
      const len = dv.getUint16(e + 2, true);
      const fieldEnd = e + 4 + len;
      if (fieldEnd > extraEnd) throw corrupt(src, `an extra field of "${name}" runs past its entry`);
      if (id === 0x0001) {
        let q = e + 4;
        const next = () => {
          if (q + 8 > fieldEnd) throw corrupt(src, `zip64 field of "${name}" is too short`);
          q += 8;
          return u64(dv, q - 8);
        };
        if (size === U32_MAX) size = next();
        if (compressedSize === U32_MAX) compressedSize = next();
        if (localHeaderOffset === U32_MAX) localHeaderOffset = next();
      }
      e = fieldEnd;
    }
    // Two entries of one name would let the archive show one set of bytes and read another.
    if (entries.has(name)) throw corrupt(src, `the entry "${name}" appears twice`);
    if (localHeaderOffset + 30 > cdOffset) throw corrupt(src, `the entry "${name}" starts inside or after the directory`);
    entries.set(name, { name, method, flags, crc, compressedSize, size, localHeaderOffset });
    p = extraEnd + commentLen;
  }
  refuseOverlaps(src, [...entries.values()], cdOffset);
  return entries;
}

/**
 * Each entry's local header, name and data must lie apart from every other's: entries nested
 * inside one another (each one's data holding the next, CRCs made consistent) would let a
 * file of 1 MB hold 256 "different" storages of 1 MB. The span is a lower bound (the local
 * extra field is not known yet), so a real overlap is always caught and a valid zip never is.
 */
function refuseOverlaps(src: ByteSource, entries: ZipEntry[], cdOffset: number): void {
  const spans = entries
    .map((e) => ({ e, start: e.localHeaderOffset, end: e.localHeaderOffset + 30 + new TextEncoder().encode(e.name).length + e.compressedSize }))
    .sort((a, b) => a.start - b.start);
  for (let i = 0; i < spans.length; i++) {
    const { e, end } = spans[i];
    if (end > cdOffset) throw corrupt(src, `the data of "${e.name}" runs into the central directory`);
    const next = spans[i + 1];
    if (next && next.start < end) throw corrupt(src, `the entries "${e.name}" and "${next.e.name}" overlap`);
  }
}

/**
 * Where an entry's (stored) bytes start: after its local header, whose extra field may differ
 * from the central one. The local header must name the same entry with the same method and
 * sizes: a reader that trusts either copy alone can be shown different bytes than another zip
 * tool (or torch) would read.
 */
export async function entryDataOffset(src: ByteSource, entry: ZipEntry): Promise<number> {
  const lh = view(await readRange(src, entry.localHeaderOffset, 30, `local header of "${entry.name}"`));
  if (lh.getUint32(0, true) !== LOCAL_SIG) throw corrupt(src, `local header of "${entry.name}" is missing`);
  const nameLen = lh.getUint16(26, true);
  const extraLen = lh.getUint16(28, true);
  const varPart = await readRange(src, entry.localHeaderOffset + 30, nameLen + extraLen, `local header of "${entry.name}"`);
  const vdv = view(varPart);
  if (new TextDecoder().decode(varPart.subarray(0, nameLen)) !== entry.name) throw corrupt(src, `the local header of "${entry.name}" names another entry`);
  if (lh.getUint16(8, true) !== entry.method) throw corrupt(src, `the local header of "${entry.name}" gives another compression method`);
  // With a data descriptor (flag bit 3) the local sizes are zero; the directory's are the real ones.
  if (!(lh.getUint16(6, true) & 8)) {
    let size = lh.getUint32(22, true);
    let compressedSize = lh.getUint32(18, true);
    if (size === U32_MAX || compressedSize === U32_MAX) {
      // Local ZIP64 extra: size then compressed size, both always present.
      for (let e = nameLen; e + 4 <= varPart.length; ) {
        const id = vdv.getUint16(e, true);
        const len = vdv.getUint16(e + 2, true);
        if (e + 4 + len > varPart.length) break;
        if (id === 0x0001 && len >= 16) {
          if (size === U32_MAX) size = u64(vdv, e + 4);
          if (compressedSize === U32_MAX) compressedSize = u64(vdv, e + 12);
        }
        e += 4 + len;
      }
    }
    if (size !== entry.size || compressedSize !== entry.compressedSize) {
      throw corrupt(src, `the sizes of "${entry.name}" in its local header (${compressedSize}/${size}) disagree with the directory (${entry.compressedSize}/${entry.size})`);
    }
  }
  return entry.localHeaderOffset + 30 + nameLen + extraLen;
}

/** Refuses an entry whose bytes do not match the CRC-32 the directory records. */
export function checkCrc(src: ByteSource, entry: ZipEntry, data: Uint8Array): void {
  const got = crc32(data);
  if (got !== entry.crc) {
    throw corrupt(src, `the entry "${entry.name}" fails its CRC-32 check (its bytes were changed after it was written)`);
  }
}

/** The whole (decompressed) content of an entry, CRC-checked. */
export async function readEntry(src: ByteSource, entry: ZipEntry): Promise<Uint8Array> {
  const start = await entryDataOffset(src, entry);
  const raw = await readRange(src, start, entry.compressedSize, `zip entry "${entry.name}"`);
  let data: Uint8Array;
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.size) throw corrupt(src, `the stored entry "${entry.name}" has two different sizes`);
    data = raw;
  } else if (entry.method === 8) {
    data = await inflateRaw(src, raw, entry);
  } else {
    throw new CheckpointError('unsupported', `zip entry "${entry.name}" uses compression method ${entry.method}; torch.save writes stored (uncompressed) entries`);
  }
  checkCrc(src, entry, data);
  return data;
}

/**
 * torch.save never compresses, but a checkpoint re-zipped by another tool may be deflated.
 * DecompressionStream('deflate-raw') exists in browsers and Node >= 20; elsewhere we say so.
 * The output goes into one buffer of the declared size and inflation stops as soon as it would
 * pass it: a 1 MB entry that inflates to 1 GiB is refused after the declared bytes, not after 3 GB.
 */
async function inflateRaw(src: ByteSource, raw: Uint8Array, entry: ZipEntry): Promise<Uint8Array> {
  const name = entry.name;
  if (entry.size > raw.length * LIMITS.maxDeflateRatio + 1024) {
    throw corrupt(src, `the deflated entry "${name}" claims ${entry.size} bytes from ${raw.length}, more than deflate can expand`);
  }
  let ds: DecompressionStream;
  try {
    ds = new DecompressionStream('deflate-raw' as CompressionFormat);
  } catch {
    throw new CheckpointError('unsupported', `zip entry "${name}" is deflate-compressed and this runtime cannot inflate it; re-save the checkpoint with torch.save`);
  }
  const out = new Uint8Array(entry.size);
  let filled = 0;
  const reader = new Blob([raw as BlobPart]).stream().pipeThrough(ds).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (filled + value.length > out.length) throw corrupt(src, `the deflated entry "${name}" inflates past its declared ${entry.size} bytes`);
      out.set(value, filled);
      filled += value.length;
    }
  } catch (e) {
    await reader.cancel().catch(() => {});
    if (e instanceof CheckpointError) throw e;
    throw corrupt(src, `zip entry "${name}" does not inflate (${(e as Error).message})`);
  }
  if (filled !== out.length) throw corrupt(src, `the deflated entry "${name}" inflates to ${filled} bytes, its directory says ${entry.size}`);
  return out;
}
