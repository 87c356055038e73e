import { installWasmBatchMatMul } from './wasmBatchMatMul';
import { installWasmGather } from './wasmGather';
import { installWasmSlice } from './wasmSlice';
import { installWasmConcat } from './wasmConcat';
import { installWasmRoiAlign } from './wasmRoiAlign';

/**
 * Installs this project's faster tfjs-wasm kernels (BatchMatMul, GatherV2, Slice, Concat, and the
 * WebAssembly SIMD RoIAlign, whose module is instantiated here); safe to call twice.
 */
export async function installWasmKernels(): Promise<void> {
  installWasmBatchMatMul();
  installWasmGather();
  installWasmSlice();
  installWasmConcat();
  await installWasmRoiAlign();
}
