import * as tf from '@tensorflow/tfjs';
import { overrideWasmKernel, type WasmHeapBackend } from './replaceKernel';

/**
 * A faster GatherV2 (batchDims 0) for tfjs-backend-wasm 4.22: contiguous row copies in JS,
 * reading the operand straight from the wasm heap. The stock kernel copies element by element
 * through index arithmetic: gathering 9600 rows of 256 floats (the Semantics Aligner's point
 * sampling at official size) took 432 ms there, against a few ms here.
 * Other cases (batchDims > 0, non-numeric dtypes) go to the kernel registered before.
 */
interface WasmBackend extends WasmHeapBackend {
  readSync(dataId: object): tf.backend_util.BackendValues;
}

export function installWasmGather(): boolean {
  return overrideWasmKernel('GatherV2', (previous) => (args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo => {
    const x = args.inputs.x as tf.TensorInfo;
    const indices = args.inputs.indices as tf.TensorInfo;
    const { axis: axisAttr, batchDims } = args.attrs as unknown as { axis: number; batchDims?: number };
    if (batchDims || (x.dtype !== 'float32' && x.dtype !== 'int32')) return previous(args) as tf.TensorInfo;
    const backend = args.backend as unknown as WasmBackend;
    const axis = tf.util.parseAxisParam(axisAttr, x.shape)[0];
    const outer = tf.util.sizeFromShape(x.shape.slice(0, axis));
    const dim = x.shape[axis];
    const inner = tf.util.sizeFromShape(x.shape.slice(axis + 1));
    const idx = backend.readSync(indices.dataId) as Int32Array | Float32Array;
    const n = idx.length;
    for (let j = 0; j < n; j++) {
      const v = idx[j];
      if (!(v >= 0 && v < dim)) throw new Error(`GatherV2: the index value ${v} is not in [0, ${dim - 1}]`);
    }
    const result = backend.makeOutput([...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)], x.dtype);
    // Views after the allocation: growing the wasm memory would detach earlier ones.
    // One view of the whole heap and copyWithin: no subarray object per row (with 13,475 rows
    // of 256 floats, making two views per row took most of the time).
    const heap = new Int32Array((backend.typedArrayFromHeap(result) as Float32Array).buffer);
    const dst0 = (backend.typedArrayFromHeap(result) as Float32Array).byteOffset >> 2;
    const src0 = (backend.typedArrayFromHeap(x) as Float32Array).byteOffset >> 2;
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < n; j++) {
        const from = src0 + (o * dim + idx[j]) * inner;
        heap.copyWithin(dst0 + (o * n + j) * inner, from, from + inner);
      }
    }
    return result;
  });
}
