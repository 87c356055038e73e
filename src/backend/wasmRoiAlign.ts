import * as tf from '@tensorflow/tfjs';
import type { WasmHeapBackend } from './replaceKernel';
import { roiAlignWasmBase64 } from './kernels/roiAlignWasm';
import { ROI_ALIGN_KERNEL } from './kernelNames';

export { ROI_ALIGN_KERNEL };

/**
 * RoIAlign's weight application as one tfjs-wasm kernel, running the project's own WebAssembly
 * SIMD code (assembly/roiAlign.ts, built by scripts/build-kernels.ts). Inputs: features
 * [B, H, W, C] (C a multiple of 4), ay [R, 7, H], ax [R, 7, W] (src/model/roiAlign.ts's axis
 * weights, R = B * nq); attribute nq; output [R, 7, 7, C], the same values as the separable
 * tf-op form (`roiAlign(..., 'separable')`) up to float rounding. At official size that form
 * was a [2100, 25] x [25, 8704] product (every row and column of the map, most weights zero),
 * a 67 MB intermediate, and 7 rounds of gathers, products and sums (~100 ms per decoder
 * layer on wasm in Node); this reads only the RoI's own rows and columns.
 *
 * The kernel module has its own memory: inputs are copied in and the output out (a few ms at
 * official size; its memory only grows, to ~30 MB there). Forward only: src/model/roiAlign.ts
 * uses it when no gradient is being recorded.
 */
interface Exports {
  memory: WebAssembly.Memory;
  roiAlignApply(feat: number, h: number, w: number, c: number, ay: number, ax: number, r: number, nq: number, out: number, tmp: number): void;
}

let exportsPromise: Promise<Exports> | undefined;

function wasmBytes(): Uint8Array {
  const bin = atob(roiAlignWasmBase64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/** Instantiates the kernel module (once). */
export function loadRoiAlignModule(): Promise<Exports> {
  exportsPromise ??= WebAssembly.instantiate(wasmBytes()).then((r) => (r as unknown as WebAssembly.WebAssemblyInstantiatedSource).instance.exports as unknown as Exports);
  return exportsPromise;
}

const POOL = 7;
const BASE = 64; // first byte used (keeps offset 0 unused)

/** Grows the module's memory to at least `bytes`. */
function ensureMemory(mem: WebAssembly.Memory, bytes: number): void {
  const have = mem.buffer.byteLength;
  if (bytes > have) mem.grow(Math.ceil((bytes - have) / 65536));
}

/** Runs the kernel on plain arrays (the tfjs kernel below and the tests call it). */
export function roiAlignApply(ex: Exports, feat: Float32Array, shape: [number, number, number, number], ay: Float32Array, ax: Float32Array, nq: number, out: Float32Array): void {
  const [b, h, w, c] = shape;
  const r = ay.length / (POOL * h);
  if (c % 4 !== 0) throw new Error(`${ROI_ALIGN_KERNEL}: channels (${c}) must be a multiple of 4`);
  if (!Number.isInteger(r) || r !== b * nq || ax.length !== r * POOL * w || out.length !== r * POOL * POOL * c || feat.length !== b * h * w * c) {
    throw new Error(`${ROI_ALIGN_KERNEL}: inconsistent shapes (features ${shape}, ay ${ay.length}, ax ${ax.length}, nq ${nq})`);
  }
  const fOff = BASE;
  const ayOff = fOff + feat.length * 4;
  const axOff = ayOff + ay.length * 4;
  const outOff = axOff + ax.length * 4;
  const tmpOff = outOff + out.length * 4;
  ensureMemory(ex.memory, tmpOff + w * c * 4);
  const heap = new Float32Array(ex.memory.buffer); // after growing: growth detaches older views
  heap.set(feat, fOff / 4);
  heap.set(ay, ayOff / 4);
  heap.set(ax, axOff / 4);
  ex.roiAlignApply(fOff, h, w, c, ayOff, axOff, r, nq, outOff, tmpOff);
  out.set(heap.subarray(outOff / 4, outOff / 4 + out.length));
}

/** Registers the kernel for the wasm backend once the module is loaded; safe to call twice. */
export async function installWasmRoiAlign(): Promise<boolean> {
  if (tf.getKernel(ROI_ALIGN_KERNEL, 'wasm')) return false;
  const ex = await loadRoiAlignModule();
  if (tf.getKernel(ROI_ALIGN_KERNEL, 'wasm')) return false;
  const kernelFunc = (args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo => {
    const { features, ay, ax } = args.inputs as { features: tf.TensorInfo; ay: tf.TensorInfo; ax: tf.TensorInfo };
    const { nq } = args.attrs as unknown as { nq: number };
    const backend = args.backend as unknown as WasmHeapBackend;
    const [, , , c] = features.shape;
    const r = ay.shape[0];
    const result = backend.makeOutput([r, POOL, POOL, c], 'float32');
    // Views after the allocation: growing the wasm memory would detach earlier ones.
    const view = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
    roiAlignApply(ex, view(features), features.shape as [number, number, number, number], view(ay), view(ax), nq, view(result));
    return result;
  };
  tf.registerKernel({ kernelName: ROI_ALIGN_KERNEL, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
  return true;
}
