import { CheckpointError } from './errors';
import { type DType, ELEMENT_SIZE, type TypedArrayOf, toFloat32, viewAs } from './dtypes';

/**
 * Lazy tensors: the pickle gives shape, strides and a storage reference; bytes are read only
 * when `read()` is called, and only the byte range the view covers.
 */
/**
 * The bytes a storage's data is read from: one zip entry, or one legacy root storage, which its
 * views share. The output budget (loadStateDict.ts) counts each backing once, so storages that
 * view the same bytes cannot multiply what a file may load. `inFile`: the bytes lie in the file
 * as they are (not inflated), so all backings of this kind together cannot exceed its size.
 */
export class Backing {
  constructor(readonly bytes: number, readonly inFile: boolean) {}
}

export class Storage<D extends DType = DType> {
  constructor(
    /** Storage key in the file (zip: entry data/<key>; legacy: its name in the key list). */
    readonly key: string,
    readonly dtype: D,
    /** Element count. */
    readonly numel: number,
    /** Raw bytes of the storage, `byteLength` from `byteOffset`. */
    readonly readBytes: (byteOffset: number, byteLength: number) => Promise<Uint8Array>,
    readonly backing: Backing,
  ) {}
}

export class TensorRef<D extends DType = DType> {
  constructor(
    readonly storage: Storage<D>,
    /** In elements of the storage. */
    readonly storageOffset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {
    if (shape.length !== stride.length || shape.some((s) => !Number.isSafeInteger(s) || s < 0) || stride.some((s) => !Number.isSafeInteger(s) || s < 0)) {
      throw new CheckpointError('corrupt', `tensor of storage ${storage.key} has an invalid size ${JSON.stringify(shape).slice(0, 80)} / stride ${JSON.stringify(stride).slice(0, 80)}`);
    }
    // A negative offset read bytes before the storage (the zip header, as floats).
    if (!Number.isSafeInteger(storageOffset) || storageOffset < 0) {
      throw new CheckpointError('corrupt', `tensor of storage ${storage.key} starts at element ${storageOffset}, outside its storage`);
    }
    const end = this.span === 0 ? 0 : storageOffset + this.span;
    if (!Number.isSafeInteger(end) || end > storage.numel) {
      throw new CheckpointError('corrupt', `tensor of storage ${storage.key} reaches element ${end} but the storage has ${storage.numel}`);
    }
  }

  get dtype(): D {
    return this.storage.dtype;
  }

  get numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  /** Elements of the storage the view touches, from storageOffset (0 for an empty tensor). */
  get span(): number {
    if (this.shape.some((s) => s === 0)) return 0;
    return 1 + this.shape.reduce((acc, s, i) => acc + (s - 1) * this.stride[i], 0);
  }

  /** Bytes `read()` will fetch. */
  get byteLength(): number {
    return this.span * ELEMENT_SIZE[this.dtype];
  }

  private get contiguous(): boolean {
    let expect = 1;
    for (let i = this.shape.length - 1; i >= 0; i--) {
      if (this.shape[i] !== 1 && this.stride[i] !== expect) return false;
      expect *= this.shape[i];
    }
    return true;
  }

  /** The values in C order. float16/bfloat16 as raw bits, int64 as BigInt64Array, bool as 0/1 bytes. */
  async read(): Promise<TypedArrayOf[D]> {
    // Zero or overlapping strides repeat storage elements: a few bytes could ask for gigabytes
    // (a stride-0 view shaped [1048576, 256]). A view may hold at most as many values as its storage.
    if (this.numel > Math.max(this.storage.numel, 1)) {
      throw new CheckpointError(
        'corrupt',
        `tensor of storage ${this.storage.key} has ${this.numel} values but its storage holds ${this.storage.numel} (zero or overlapping strides)`,
      );
    }
    const es = ELEMENT_SIZE[this.dtype];
    const bytes = await this.storage.readBytes(this.storageOffset * es, this.byteLength);
    const src = viewAs(this.dtype, bytes);
    if (this.contiguous) return src;
    return gather(src, this.shape, this.stride);
  }

  /** The values converted to float32 (what the model wants). */
  async readFloat32(): Promise<Float32Array> {
    return toFloat32(this.dtype, await this.read());
  }
}

/** Copies a strided view into C order (e.g. a transposed tensor saved without .contiguous()). */
function gather<T extends TypedArrayOf[DType]>(src: T, shape: number[], stride: number[]): T {
  const n = shape.reduce((a, b) => a * b, 1);
  const Ctor = src.constructor as new (n: number) => T;
  const out = new Ctor(n);
  const idx = new Array<number>(shape.length).fill(0);
  let off = 0;
  for (let i = 0; i < n; i++) {
    (out as unknown as number[])[i] = (src as unknown as number[])[off];
    // Odometer increment over the dims, last dim fastest.
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d]++;
      off += stride[d];
      if (idx[d] < shape[d]) break;
      off -= stride[d] * shape[d];
      idx[d] = 0;
    }
  }
  return out;
}
