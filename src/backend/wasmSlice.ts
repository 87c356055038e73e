import * as tf from '@tensorflow/tfjs';
import { overrideWasmKernel, type WasmHeapBackend } from './replaceKernel';

/** Copies the slice of `src` (of `shape`) at begin/size into `out`, as contiguous runs. */
export function copySlice(src: tf.backend_util.TypedArray, shape: number[], begin: number[], size: number[], out: tf.backend_util.TypedArray): void {
  const rank = shape.length;
  if (out.length === 0) return;
  if (rank === 0) {
    out[0] = src[0];
    return;
  }
  const strides = new Array<number>(rank);
  strides[rank - 1] = 1;
  for (let d = rank - 2; d >= 0; d--) strides[d] = strides[d + 1] * shape[d + 1];
  // Axes from `inner` on are one contiguous run per index of the axes before it.
  let inner = rank - 1;
  while (inner > 0 && size[inner] === shape[inner]) inner--;
  const run = size[inner] * strides[inner];
  const base = begin[inner] * strides[inner];
  const outer = inner; // axes 0..inner-1 are iterated
  const count = out.length / run;
  const idx = new Array<number>(outer).fill(0);
  let from = base;
  for (let d = 0; d < outer; d++) from += begin[d] * strides[d];
  for (let r = 0; r < count; r++) {
    if (run >= 16) out.set(src.subarray(from, from + run), r * run);
    else for (let e = 0; e < run; e++) out[r * run + e] = src[from + e];
    // Next index of the outer axes, last fastest.
    for (let d = outer - 1; d >= 0; d--) {
      idx[d]++;
      from += strides[d];
      if (idx[d] < size[d]) break;
      from -= size[d] * strides[d];
      idx[d] = 0;
    }
  }
}

/**
 * A Slice for tfjs-backend-wasm 4.22 that reads its input where it lies in the wasm heap.
 * The stock kernel starts with backend.readSync(x), which copies the whole input out of the
 * heap (HEAPU8.slice) before taking the part it wants: one [850,850] head of an [8,850,850]
 * attention map cost 20 ms (a 23 MB copy for a 2.9 MB slice), and BatchMatMul's per-entry
 * loop slices every head that way (84 ms of ~100 ms for the encoder's weights x values
 * product per layer at official size). This kernel copies only the slice, as runs of
 * contiguous elements (the innermost axes the slice takes whole, plus the last one it cuts).
 * Strings go to the kernel registered before.
 */
export function installWasmSlice(): boolean {
  return overrideWasmKernel('Slice', (previous) => (args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string') return previous(args) as tf.TensorInfo;
    const { begin, size } = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
    const [b, s] = tf.slice_util.parseSliceParams(x, begin, size);
    tf.slice_util.assertParamsValid(x, b, s);
    const backend = args.backend as unknown as WasmHeapBackend;
    const result = backend.makeOutput(s, x.dtype);
    // Views after the allocation: growing the wasm memory would detach earlier ones.
    copySlice(backend.typedArrayFromHeap(x), x.shape, b, s, backend.typedArrayFromHeap(result));
    return result;
  });
}
