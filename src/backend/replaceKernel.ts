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
