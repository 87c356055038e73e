import * as tf from '@tensorflow/tfjs';

/**
 * Registers `kernelFunc` in place of the wasm kernel `name`, keeping the previous
 * registration's setup and dispose functions. tfjs warns when a kernel is registered again;
 * these overrides are deliberate, so the warning is silenced for the swap.
 */
export function replaceWasmKernel(name: string, previous: tf.KernelConfig, kernelFunc: tf.KernelFunc): void {
  const warn = console.warn;
  console.warn = () => {};
  try {
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc, setupFunc: previous.setupFunc, disposeFunc: previous.disposeFunc });
  } finally {
    console.warn = warn;
  }
}

/** Marks a kernel function this project put in place (see overrideWasmKernel). */
const OVERRIDDEN = Symbol.for('samdetr.wasmOverride');

/**
 * Puts `make(previous)` in place of the wasm kernel `name`, where `previous` is the kernel
 * registered before (the override hands it the cases it does not take). Once only: false when
 * the kernel is missing or already overridden, so installing twice (a second backend start, a
 * second test file) changes nothing.
 */
export function overrideWasmKernel(name: string, make: (previous: tf.KernelFunc) => (args: Parameters<tf.KernelFunc>[0]) => tf.TensorInfo): boolean {
  const prev = tf.getKernel(name, 'wasm');
  if (!prev || (prev.kernelFunc as unknown as Record<symbol, boolean>)[OVERRIDDEN]) return false;
  const fast = make(prev.kernelFunc);
  (fast as unknown as Record<symbol, boolean>)[OVERRIDDEN] = true;
  replaceWasmKernel(name, prev, fast as unknown as tf.KernelFunc);
  return true;
}

/** What the project's wasm kernels use of tfjs-backend-wasm's backend (not exported by the package). */
export interface WasmHeapBackend {
  typedArrayFromHeap(t: tf.TensorInfo): tf.backend_util.TypedArray;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}
