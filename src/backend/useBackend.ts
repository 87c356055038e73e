import * as tf from '@tensorflow/tfjs';
import { installWasmKernels } from './wasmKernels';

/** Selects a TF.js backend by name, loading its package on demand (works in Node and browsers). */
export async function useBackend(name: 'cpu' | 'wasm' | 'webgl' | 'webgpu'): Promise<void> {
  if (name === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
    await installWasmKernels();
  }
  if (name === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`TF.js backend "${name}" could not be initialised here`);
  await tf.ready();
}
