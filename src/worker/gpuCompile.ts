/**
 * WebGPU's parallel shader compilation (tfjs-backend-webgpu 4.22). A model's first run at a new
 * input shape makes one compute pipeline per program (shader key), and the backend makes each
 * with createComputePipeline, synchronously, as its kernel is first dispatched: one at a time,
 * each a stall. With the flag WEBGPU_ENGINE_COMPILE_ONLY set, a kernel call only starts
 * createComputePipelineAsync and records nothing; the backend's checkCompileCompletionAsync()
 * then awaits every pipeline, after which the same programs dispatch from its cache.
 *
 * What the flag does to the pass (read in the backend's source, 4.22): outputs get buffers that
 * are never written, so every value made in it is garbage; a read (data(), dataSync()) warns,
 * returns nothing and caches that empty array on the tensor for good. So the pass must read
 * nothing and keep nothing: compileInParallel runs it in tidy, makes the backend's reads throw
 * while it runs, and the model's parameter cache must not keep conversions made in it
 * (Params.uncached). Tensors made from CPU arrays (inputs, weights as stored) hold real values.
 */
import * as tf from '@tensorflow/tfjs';

export const COMPILE_ONLY_FLAG = 'WEBGPU_ENGINE_COMPILE_ONLY';

/**
 * The backend's part this uses: the pipelines' wait, its reads (blocked during the pass for data
 * that lives only on the GPU) and its table of tensor data (`values`: a copy on the CPU).
 */
export interface ParallelCompiler {
  checkCompileCompletionAsync(): Promise<void>;
  read?: (dataId: unknown) => unknown;
  readSync?: (dataId: unknown) => unknown;
  tensorMap?: { get(dataId: unknown): { values?: unknown } | undefined };
}

/** The current backend when it compiles a pass's programs in parallel (WebGPU with the flag), else null. */
export function parallelCompiler(): ParallelCompiler | null {
  if (tf.getBackend() !== 'webgpu') return null;
  const b = tf.backend() as unknown as Partial<ParallelCompiler>;
  if (typeof b.checkCompileCompletionAsync !== 'function') return null;
  try {
    tf.env().get(COMPILE_ONLY_FLAG);
  } catch {
    return null; // not registered: another version of the backend
  }
  return b as ParallelCompiler;
}

/**
 * Runs `pass` (synchronous tensor code that reads nothing) with the compile-only flag, disposes
 * every tensor it made, then waits until each pipeline it started is made. The flag is cleared
 * and the wait done even when the pass throws: a pipeline left pending would make the next
 * dispatch of its program throw.
 */
export async function compileInParallel(compiler: ParallelCompiler, pass: () => void): Promise<void> {
  const env = tf.env();
  const own = { read: Object.prototype.hasOwnProperty.call(compiler, 'read'), readSync: Object.prototype.hasOwnProperty.call(compiler, 'readSync') };
  const saved = { read: compiler.read, readSync: compiler.readSync };
  // Data with a copy on the CPU (made from an array: kernels forwarded to the CPU read such
  // inputs) is read as ever; data only on the GPU was never computed in this pass.
  const guard = (name: string, orig: ((dataId: unknown) => unknown) | undefined) => (dataId: unknown) => {
    if (orig && compiler.tensorMap?.get(dataId)?.values != null) return orig.call(compiler, dataId);
    throw new Error(`${name} of a GPU tensor inside the compile-only pass: its values are never computed`);
  };
  compiler.read = guard('a read (data())', saved.read);
  compiler.readSync = guard('a synchronous read (dataSync())', saved.readSync);
  env.set(COMPILE_ONLY_FLAG, true);
  try {
    tf.tidy(() => {
      pass();
    });
  } finally {
    env.set(COMPILE_ONLY_FLAG, false);
    // Back to the prototype's methods where they came from there.
    if (own.read) compiler.read = saved.read;
    else delete compiler.read;
    if (own.readSync) compiler.readSync = saved.readSync;
    else delete compiler.readSync;
    await compiler.checkCompileCompletionAsync();
  }
}
