/**
 * safetensors reader and writer (https://github.com/huggingface/safetensors format):
 *   8 bytes little-endian u64 N, N bytes of UTF-8 JSON header, then the raw tensor bytes.
 * Header: { "<name>": { dtype, shape, data_offsets: [begin, end] }, "__metadata__"?: {string: string} }
 * Offsets are relative to the end of the header. Pure TypeScript, no Node imports.
 *
 * Supported dtypes: F32, F16, BF16, I8 (read and write; I8 for ./int8.ts quantized files), F64/I64/I32/I16/U8/BOOL (read only, widened to float32).
 */
import { CheckpointError, type CheckpointErrorCode } from './errors';
import type { StateDict } from '../model/types';
import { f16ToF32, f32ToF16, bf16ToF32, f32ToBF16 } from './float16';
import { dequantizeInt8 } from './int8';
import { containerCount, duplicateKey, layoutProblem, maxTensors } from './safetensorsLayout';

/** I8 is written from float32 values that are already integers in [-128, 127] (./int8.ts). */
export type WriteDtype = 'F32' | 'F16' | 'BF16' | 'I8';
export type ReadDtype = WriteDtype | 'F64' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

const BYTES: Record<ReadDtype, number> = { F32: 4, F16: 2, BF16: 2, F64: 8, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };
/** The file is little-endian; so is every machine a browser runs on today (the other order is handled, slowly). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export interface TensorInfo {
  dtype: ReadDtype;
  shape: number[];
  dataOffsets: [number, number];
}

export interface SafetensorsHeader {
  tensors: Map<string, TensorInfo>;
  metadata: Record<string, string>;
  /** Byte offset of the data section from the start of the file. */
  dataStart: number;
}

/**
 * Every failure of the reader: a CheckpointError (same stable codes as the .pth reader:
 * 'not-a-checkpoint', 'truncated', 'corrupt', 'too-large', 'unsupported'), so the app handles
 * both formats one way.
 */
export class SafetensorsError extends CheckpointError {
  constructor(code: CheckpointErrorCode, message: string) {
    super(code, message);
    this.name = 'SafetensorsError';
  }
}

/** The reference implementation's cap on the header (huggingface/safetensors: 100,000,000 bytes, not 100 MiB). */
export const MAX_HEADER = 100_000_000;

/** Parses the header of a safetensors file; `bytes` needs at least the first 8 + N bytes. */
export function parseHeader(bytes: Uint8Array, fileSize = bytes.byteLength): SafetensorsHeader {
  if (bytes.byteLength < 8) throw new SafetensorsError('not-a-checkpoint', `not a safetensors file: ${bytes.byteLength} bytes is shorter than the 8-byte header length`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = dv.getUint32(0, true);
  const hi = dv.getUint32(4, true);
  if (hi !== 0 || lo > MAX_HEADER) throw new SafetensorsError('not-a-checkpoint', `not a safetensors file: header length ${hi * 2 ** 32 + lo} is implausible`);
  const n = lo;
  if (8 + n > bytes.byteLength) throw new SafetensorsError('truncated', `truncated safetensors file: header needs ${8 + n} bytes, have ${bytes.byteLength}`);
  const headerBytes = bytes.subarray(8, 8 + n);
  const dataStart = 8 + n;
  const dataSize = fileSize - dataStart;
  // Counted before parsing: JSON.parse of 1.7M zero-size tensor entries took 21 s and 2.4 GB.
  const most = maxTensors(dataSize);
  if (containerCount(headerBytes) > 3 * most + 2) {
    throw new SafetensorsError('too-large', `the safetensors header describes more tensors than its ${Math.max(0, dataSize)} data bytes can hold (at most ${most})`);
  }
  let text: string;
  let json: unknown;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
    json = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError('not-a-checkpoint', `not a safetensors file: header is not JSON (${(e as Error).message.slice(0, 100)})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new SafetensorsError('not-a-checkpoint', 'safetensors header must be a JSON object');
  const twice = duplicateKey(text);
  if (twice !== null) throw new SafetensorsError('corrupt', `the safetensors header names ${JSON.stringify(twice.slice(0, 80))} twice (which one holds the data?)`);
  const tensors = new Map<string, TensorInfo>();
  let metadata: Record<string, string> = {};
  // Names and values come from the file: shorten them in messages.
  const nm = (name: string) => JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}...` : name);
  for (const [name, v] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (v === null || typeof v !== 'object' || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string')) {
        throw new SafetensorsError('corrupt', 'safetensors __metadata__ must be an object of strings');
      }
      metadata = v as Record<string, string>;
      continue;
    }
    // Every entry must be an object: `{"a": null}` would otherwise reach `null.dtype` (a TypeError, not a typed message).
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new SafetensorsError('corrupt', `tensor ${nm(name)}: its header entry is not an object`);
    const info = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = info.dtype as ReadDtype;
    if (typeof dtype !== 'string' || !Object.hasOwn(BYTES, dtype)) throw new SafetensorsError('unsupported', `tensor ${nm(name)}: unsupported dtype ${String(info.dtype).slice(0, 20)}`);
    const shape = info.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new SafetensorsError('corrupt', `tensor ${nm(name)}: bad shape`);
    const off = info.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new SafetensorsError('corrupt', `tensor ${nm(name)}: bad data_offsets`);
    const [b, e] = off as [number, number];
    const numel = (shape as number[]).reduce((a, d) => a * d, 1);
    if (e < b || e - b !== numel * BYTES[dtype]) {
      throw new SafetensorsError('corrupt', `tensor ${nm(name)}: ${e - b} bytes for ${dtype}[${shape.join(',').slice(0, 80)}] (expected ${numel * BYTES[dtype]})`);
    }
    if (e > dataSize) throw new SafetensorsError('truncated', `truncated safetensors file: tensor ${nm(name)} ends at byte ${dataStart + e}, file has ${fileSize}`);
    tensors.set(name, { dtype, shape: shape as number[], dataOffsets: [b, e] });
  }
  // Overlaps would give two names the same (or half-shared) values; holes and trailing bytes
  // are data no tensor accounts for. The reference parser refuses all three.
  const problem = layoutProblem([...tensors], dataSize);
  if (problem) throw new SafetensorsError('corrupt', `the safetensors data section is not laid out tensor after tensor: ${problem}`);
  return { tensors, metadata, dataStart };
}

export { f16ToF32, f32ToF16, bf16ToF32, f32ToBF16 } from './float16';

let F16_TABLE: Float32Array | null = null;
/** Every half-precision value as float32 (256 KB, built on first use): a lookup is ~10x f16ToF32's arithmetic. */
function f16Table(): Float32Array {
  if (!F16_TABLE) {
    F16_TABLE = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) F16_TABLE[h] = f16ToF32(h);
  }
  return F16_TABLE;
}

/** Decodes one tensor's bytes to float32 (little-endian). */
export function decodeTensor(bytes: Uint8Array, dtype: ReadDtype): Float32Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.byteLength / BYTES[dtype];
  const out = new Float32Array(n);
  switch (dtype) {
    case 'F32':
      for (let i = 0; i < n; i++) out[i] = dv.getFloat32(i * 4, true);
      break;
    case 'F16': {
      const table = f16Table();
      for (let i = 0; i < n; i++) out[i] = table[dv.getUint16(i * 2, true)];
      break;
    }
    case 'BF16':
      for (let i = 0; i < n; i++) out[i] = bf16ToF32(dv.getUint16(i * 2, true));
      break;
    case 'F64':
      for (let i = 0; i < n; i++) out[i] = dv.getFloat64(i * 8, true);
      break;
    case 'I64':
      for (let i = 0; i < n; i++) out[i] = Number(dv.getBigInt64(i * 8, true));
      break;
    case 'I32':
      for (let i = 0; i < n; i++) out[i] = dv.getInt32(i * 4, true);
      break;
    case 'I16':
      for (let i = 0; i < n; i++) out[i] = dv.getInt16(i * 2, true);
      break;
    case 'I8':
      for (let i = 0; i < n; i++) out[i] = dv.getInt8(i);
      break;
    case 'U8':
    case 'BOOL':
      for (let i = 0; i < n; i++) out[i] = bytes[i];
      break;
  }
  return out;
}

export interface ReadResult {
  stateDict: StateDict;
  metadata: Record<string, string>;
  dtypes: Map<string, ReadDtype>;
}

/** Reads a whole safetensors file held in memory into a StateDict (float32). */
export function readSafetensors(input: ArrayBuffer | Uint8Array): ReadResult {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  const header = parseHeader(bytes);
  const stateDict: StateDict = new Map();
  const dtypes = new Map<string, ReadDtype>();
  for (const [name, info] of header.tensors) {
    const [b, e] = info.dataOffsets;
    const data = decodeTensor(bytes.subarray(header.dataStart + b, header.dataStart + e), info.dtype);
    stateDict.set(name, { shape: info.shape.slice(), data });
    dtypes.set(name, info.dtype);
  }
  dequantizeInt8(stateDict, header.metadata, dtypes);
  return { stateDict, metadata: header.metadata, dtypes };
}

/** Tensors a Blob read gathers into one byte-range read (see readSafetensorsBlob). */
export const BLOB_READ_CHUNK = 8 * 2 ** 20;

/**
 * Reads a safetensors Blob (e.g. a fetched Response's blob or a stored file): the header first,
 * then the tensors in runs of consecutive ones of up to `chunkBytes` per read (a tensor larger
 * than that alone). One read per tensor cost a round trip each: 500 ms of the bundled model's
 * 3 MB in a worker, for its 200-odd tensors. Memory while reading stays the model plus one run;
 * progress is reported once per run.
 */
export async function readSafetensorsBlob(blob: Blob, onProgress?: (done: number, total: number) => void, chunkBytes = BLOB_READ_CHUNK): Promise<ReadResult> {
  const head8 = new Uint8Array(await blob.slice(0, 8).arrayBuffer());
  if (head8.byteLength < 8) throw new SafetensorsError('not-a-checkpoint', `not a safetensors file: ${blob.size} bytes`);
  const n = new DataView(head8.buffer).getUint32(0, true);
  if (n > MAX_HEADER || 8 + n > blob.size) throw new SafetensorsError('truncated', `not a safetensors file or truncated: header length ${n}, file ${blob.size} bytes`);
  const headBytes = new Uint8Array(await blob.slice(0, 8 + n).arrayBuffer());
  const header = parseHeader(headBytes, blob.size);
  const stateDict: StateDict = new Map();
  const dtypes = new Map<string, ReadDtype>();
  const total = blob.size - header.dataStart;
  const entries = [...header.tensors].sort((x, y) => x[1].dataOffsets[0] - y[1].dataOffsets[0]);
  let done = 0;
  for (let i = 0; i < entries.length; ) {
    // A run of tensors whose span stays within chunkBytes (at least one).
    const from = entries[i][1].dataOffsets[0];
    let j = i + 1;
    while (j < entries.length && entries[j][1].dataOffsets[1] - from <= chunkBytes) j++;
    const to = entries[j - 1][1].dataOffsets[1];
    const buf = await blob.slice(header.dataStart + from, header.dataStart + to).arrayBuffer();
    for (let k = i; k < j; k++) {
      const [name, info] = entries[k];
      const [b, e] = info.dataOffsets;
      // float32 alone in its read on a little-endian machine: the fresh buffer is the array (a
      // decoded copy would hold a large tensor twice while loading).
      const data = j - i === 1 && info.dtype === 'F32' && LITTLE_ENDIAN ? new Float32Array(buf) : decodeTensor(new Uint8Array(buf, b - from, e - b), info.dtype);
      stateDict.set(name, { shape: info.shape.slice(), data });
      dtypes.set(name, info.dtype);
      done += e - b;
    }
    onProgress?.(done, total);
    i = j;
  }
  // The header's order, as readSafetensors gives.
  const ordered: StateDict = new Map([...header.tensors.keys()].map((name) => [name, stateDict.get(name)!]));
  dequantizeInt8(ordered, header.metadata, dtypes);
  return { stateDict: ordered, metadata: header.metadata, dtypes };
}

/** The header bytes (length prefix, JSON padded to 8 bytes) for tensors laid out one after another. */
function headerBytes(entries: { name: string; dtype: WriteDtype; shape: number[] }[], metadata?: Record<string, string>): { head: Uint8Array<ArrayBuffer>; begins: number[]; dataSize: number } {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) header.__metadata__ = metadata;
  let off = 0;
  const begins: number[] = [];
  for (const { name, dtype, shape } of entries) {
    const size = shape.reduce((a, d) => a * d, 1) * BYTES[dtype];
    header[name] = { dtype, shape, data_offsets: [off, off + size] };
    begins.push(off);
    off += size;
  }
  const json = JSON.stringify(header);
  // Pad the header with spaces to 8-byte alignment (as the reference implementation does).
  const enc = new TextEncoder();
  let hb = enc.encode(json);
  const pad = (8 - (hb.byteLength % 8)) % 8;
  if (pad) hb = enc.encode(json + ' '.repeat(pad));
  const head = new Uint8Array(8 + hb.byteLength);
  const dv = new DataView(head.buffer);
  dv.setUint32(0, hb.byteLength, true);
  dv.setUint32(4, 0, true);
  head.set(hb, 8);
  return { head, begins, dataSize: off };
}

/** Writes a StateDict as safetensors, tensors in the map's order, each stored as `dtype`. */
export function writeSafetensors(
  sd: StateDict,
  opts: { dtype?: WriteDtype | ((name: string) => WriteDtype); metadata?: Record<string, string> } = {},
): Uint8Array<ArrayBuffer> {
  const pick = (name: string): WriteDtype => (typeof opts.dtype === 'function' ? opts.dtype(name) : opts.dtype ?? 'F32');
  const entries: { name: string; dtype: WriteDtype; shape: number[]; data: Float32Array }[] = [];
  for (const [name, t] of sd) {
    const numel = t.shape.reduce((a, d) => a * d, 1);
    if (numel !== t.data.length) throw new SafetensorsError('corrupt', `tensor "${name}": shape [${t.shape}] has ${numel} elements, data has ${t.data.length}`);
    entries.push({ name, dtype: pick(name), shape: t.shape, data: t.data });
  }
  const { head, begins, dataSize } = headerBytes(entries, opts.metadata);
  const out = new Uint8Array(head.byteLength + dataSize);
  const dv = new DataView(out.buffer);
  out.set(head, 0);
  const base = head.byteLength;
  entries.forEach(({ dtype, data }, i) => {
    const p = base + begins[i];
    if (dtype === 'F32') for (let i = 0; i < data.length; i++) dv.setFloat32(p + i * 4, data[i], true);
    else if (dtype === 'F16') for (let i = 0; i < data.length; i++) dv.setUint16(p + i * 2, f32ToF16(data[i]), true);
    else if (dtype === 'I8') for (let i = 0; i < data.length; i++) dv.setInt8(p + i, Math.max(-128, Math.min(127, Math.round(data[i]))));
    else for (let i = 0; i < data.length; i++) dv.setUint16(p + i * 2, f32ToBF16(data[i]), true);
  });
  return out;
}

/** A float32 array's bytes in the file's (little-endian) order: a view of it, without a copy, on every platform in use. */
function f32Bytes(data: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) dv.setFloat32(i * 4, data[i], true);
  return out;
}

/**
 * Writes float32 tensors as safetensors in pieces: the header, then each tensor's bytes, each
 * read (`read`) just before it is written, so neither the file nor a second copy of the tensors
 * is ever held whole. `write` gets each piece and the file offset it goes to; a piece may be a
 * view of the array `read` returned, valid until `write` resolves. Returns the file's size.
 */
export async function writeSafetensorsF32Stream(
  tensors: [name: string, shape: number[]][],
  read: (name: string) => Promise<Float32Array> | Float32Array,
  write: (piece: Uint8Array, at: number) => Promise<void> | void,
  metadata?: Record<string, string>,
): Promise<number> {
  const { head, begins, dataSize } = headerBytes(tensors.map(([name, shape]) => ({ name, dtype: 'F32', shape })), metadata);
  await write(head, 0);
  for (const [i, [name, shape]] of tensors.entries()) {
    const data = await read(name);
    const numel = shape.reduce((a, d) => a * d, 1);
    if (data.length !== numel) throw new SafetensorsError('corrupt', `tensor "${name}": shape [${shape}] has ${numel} elements, data has ${data.length}`);
    await write(f32Bytes(data), head.byteLength + begins[i]);
  }
  return head.byteLength + dataSize;
}
