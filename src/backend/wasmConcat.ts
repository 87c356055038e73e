import * as tf from '@tensorflow/tfjs';
import { overrideWasmKernel, type WasmHeapBackend } from './replaceKernel';

/** Runs shorter than this are copied element by element. */
const SHORT_RUN = 16;

/**
 * A Concat for tfjs-backend-wasm 4.22 whose inputs have short runs: the stock kernel copies
 * each input's run of elements per outer index with a subarray and a set, which costs ~250 ns
 * a run; for runs of one element (SAM-DETR's point sampling concatenates four [300, 8, 1]
 * corner tensors on their last axis, 12 times per forward at official size) that is 2.4 ms
 * for 9,600 elements. This kernel copies short runs element by element and hands everything
 * else (long runs, strings, empty inputs) to the kernel registered before.
 */
export function installWasmConcat(): boolean {
  return overrideWasmKernel('Concat', (previous) => (args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo => {
    const inputs = args.inputs as unknown as tf.TensorInfo[];
    if (inputs.length < 2 || inputs[0].dtype === 'string' || inputs.some((t) => tf.util.sizeFromShape(t.shape) === 0)) return previous(args) as tf.TensorInfo;
    const axis = tf.util.parseAxisParam((args.attrs as unknown as { axis: number }).axis, inputs[0].shape)[0];
    const inner = inputs.map((t) => tf.util.sizeFromShape(t.shape.slice(axis)));
    if (inner.every((n) => n >= SHORT_RUN)) return previous(args) as tf.TensorInfo;
    tf.backend_util.assertParamsConsistent(inputs.map((t) => t.shape), axis);
    const outShape = tf.backend_util.computeOutShape(inputs.map((t) => t.shape), axis);
    const backend = args.backend as unknown as WasmHeapBackend;
    const result = backend.makeOutput(outShape, inputs[0].dtype);
    // Views after the allocation: growing the wasm memory would detach earlier ones.
    const out = backend.typedArrayFromHeap(result);
    const srcs = inputs.map((t) => backend.typedArrayFromHeap(t));
    const outer = tf.util.sizeFromShape(inputs[0].shape.slice(0, axis));
    let o = 0;
    for (let b = 0; b < outer; b++) {
      for (let i = 0; i < srcs.length; i++) {
        const n = inner[i];
        const src = srcs[i];
        const from = b * n;
        if (n >= SHORT_RUN) {
          out.set(src.subarray(from, from + n), o);
          o += n;
        } else {
          for (let e = 0; e < n; e++) out[o++] = src[from + e];
        }
      }
    }
    return result;
  });
}
