import { f16ToF32 } from './float16';
/**
 * torch storage classes (as they appear in pickles) and the element types they hold.
 * Storage bytes are little-endian; every platform JS runs on is too, so typed arrays can view
 * them directly (the legacy format's sys_info is checked for a big-endian writer).
 */
export type DType = 'float32' | 'float16' | 'bfloat16' | 'float64' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

export const STORAGE_DTYPES: Readonly<Record<string, DType>> = {
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  DoubleStorage: 'float64',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

export const STORAGE_CLASS: Readonly<Record<DType, string>> = Object.fromEntries(
  Object.entries(STORAGE_DTYPES).map(([k, v]) => [v, k]),
) as Record<DType, string>;

export const ELEMENT_SIZE: Readonly<Record<DType, number>> = {
  float32: 4, float16: 2, bfloat16: 2, float64: 8, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1,
};

/** What `TensorRef.read()` returns per dtype. float16/bfloat16 come as raw bits (no Float16Array in JS yet). */
export interface TypedArrayOf {
  float32: Float32Array;
  float16: Uint16Array;
  bfloat16: Uint16Array;
  float64: Float64Array;
  int64: BigInt64Array;
  int32: Int32Array;
  int16: Int16Array;
  int8: Int8Array;
  uint8: Uint8Array;
  bool: Uint8Array;
}
export type AnyTypedArray = TypedArrayOf[DType];

/** Views `bytes` as the dtype's array; copies only when the buffer is misaligned for it. */
export function viewAs<D extends DType>(dtype: D, bytes: Uint8Array): TypedArrayOf[D] {
  const size = ELEMENT_SIZE[dtype];
  // A copy into a fresh buffer: a Node Buffer's slice() is a view at the same misaligned offset.
  const b = bytes.byteOffset % size === 0 ? bytes : new Uint8Array(bytes);
  const n = b.byteLength / size;
  const make = {
    float32: () => new Float32Array(b.buffer, b.byteOffset, n),
    float16: () => new Uint16Array(b.buffer, b.byteOffset, n),
    bfloat16: () => new Uint16Array(b.buffer, b.byteOffset, n),
    float64: () => new Float64Array(b.buffer, b.byteOffset, n),
    int64: () => new BigInt64Array(b.buffer, b.byteOffset, n),
    int32: () => new Int32Array(b.buffer, b.byteOffset, n),
    int16: () => new Int16Array(b.buffer, b.byteOffset, n),
    int8: () => new Int8Array(b.buffer, b.byteOffset, n),
    uint8: () => b,
    bool: () => b,
  }[dtype];
  return make() as TypedArrayOf[D];
}

/** IEEE half -> float32 value (exact: every half is representable in float32). */
export const halfToFloat = f16ToF32;

/** Any dtype's array to float32 (bfloat16 is the top half of a float32). */
export function toFloat32(dtype: DType, a: AnyTypedArray): Float32Array {
  if (dtype === 'float32') return a as Float32Array;
  const out = new Float32Array(a.length);
  if (dtype === 'bfloat16') {
    const b = a as Uint16Array;
    const u = new Uint32Array(out.buffer);
    for (let i = 0; i < b.length; i++) u[i] = b[i] << 16;
  } else if (dtype === 'float16') {
    const h = a as Uint16Array;
    for (let i = 0; i < h.length; i++) out[i] = halfToFloat(h[i]);
  } else if (dtype === 'int64') {
    const v = a as BigInt64Array;
    for (let i = 0; i < v.length; i++) out[i] = Number(v[i]);
  } else {
    out.set(a as Exclude<AnyTypedArray, BigInt64Array | Float32Array>);
  }
  return out;
}
