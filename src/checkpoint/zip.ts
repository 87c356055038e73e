import { type ByteSource, readRange } from './byteSource';
import { CheckpointError } from './errors';

/**
 * Just enough of the zip format to read torch.save archives by byte range: the central
 * directory (with ZIP64 records and extra fields), and each entry's data offset from its
 * local header. torch.save stores entries uncompressed, so a tensor is a plain byte range.
 */
export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflate. */
  method: number;
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
  const cd = await readRange(src, cdOffset, cdSize, 'zip central directory');
  const dv = view(cd);
  const decoder = new TextDecoder();
  const entries = new Map<string, ZipEntry>();
  let p = 0;
  for (let n = 0; n < count; n++) {
    if (p + 46 > cd.length || dv.getUint32(p, true) !== CENTRAL_SIG) throw corrupt(src, `central directory entry ${n} is malformed`);
    const method = dv.getUint16(p + 10, true);
    let compressedSize = dv.getUint32(p + 20, true);
    let size = dv.getUint32(p + 24, true);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    let localHeaderOffset = dv.getUint32(p + 42, true);
    const name = decoder.decode(cd.subarray(p + 46, p + 46 + nameLen));
    // ZIP64 extra field: holds, in this order, only the fields whose 32-bit slot is 0xFFFFFFFF.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = dv.getUint16(e, true);
      const len = dv.getUint16(e + 2, true);
      if (id === 0x0001) {
        let q = e + 4;
        if (size === U32_MAX) { size = u64(dv, q); q += 8; }
        if (compressedSize === U32_MAX) { compressedSize = u64(dv, q); q += 8; }
        if (localHeaderOffset === U32_MAX) { localHeaderOffset = u64(dv, q); q += 8; }
        if (q > e + 4 + len) throw corrupt(src, `zip64 field of "${name}" is too short`);
      }
      e += 4 + len;
    }
    entries.set(name, { name, method, compressedSize, size, localHeaderOffset });
    p = extraEnd + commentLen;
  }
  return entries;
}

/** Where an entry's (stored) bytes start: after its local header, whose extra field may differ from the central one. */
export async function entryDataOffset(src: ByteSource, entry: ZipEntry): Promise<number> {
  const lh = view(await readRange(src, entry.localHeaderOffset, 30, `local header of "${entry.name}"`));
  if (lh.getUint32(0, true) !== LOCAL_SIG) throw corrupt(src, `local header of "${entry.name}" is missing`);
  return entry.localHeaderOffset + 30 + lh.getUint16(26, true) + lh.getUint16(28, true);
}

/** The whole (decompressed) content of an entry. */
export async function readEntry(src: ByteSource, entry: ZipEntry): Promise<Uint8Array> {
  const start = await entryDataOffset(src, entry);
  const raw = await readRange(src, start, entry.compressedSize, `zip entry "${entry.name}"`);
  if (entry.method === 0) return raw;
  if (entry.method === 8) return inflateRaw(raw, entry.name);
  throw new CheckpointError('unsupported', `zip entry "${entry.name}" uses compression method ${entry.method}; torch.save writes stored (uncompressed) entries`);
}

/**
 * torch.save never compresses, but a checkpoint re-zipped by another tool may be deflated.
 * DecompressionStream('deflate-raw') exists in browsers and Node >= 21.2; elsewhere we say so.
 */
async function inflateRaw(raw: Uint8Array, name: string): Promise<Uint8Array> {
  let ds: DecompressionStream;
  try {
    ds = new DecompressionStream('deflate-raw' as CompressionFormat);
  } catch {
    throw new CheckpointError('unsupported', `zip entry "${name}" is deflate-compressed and this runtime cannot inflate it; re-save the checkpoint with torch.save`);
  }
  const out = new Response(new Blob([raw as BlobPart]).stream().pipeThrough(ds));
  try {
    return new Uint8Array(await out.arrayBuffer());
  } catch (e) {
    throw new CheckpointError('corrupt', `zip entry "${name}" does not inflate: ${(e as Error).message}`);
  }
}
