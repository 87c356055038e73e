import { installWasmBatchMatMul } from './wasmBatchMatMul';
import { installWasmGather } from './wasmGather';

/** Installs this project's faster tfjs-wasm kernels (BatchMatMul, GatherV2); safe to call twice. */
export function installWasmKernels(): void {
  installWasmBatchMatMul();
  installWasmGather();
}
