import * as tf from '@tensorflow/tfjs';
import { overrideWasmKernel } from './replaceKernel';

/**
 * A faster BatchMatMul for tfjs-backend-wasm 4.22.
 *
 * The stock wasm kernel sends a batch-1 product to XNNPACK but runs batched products (and
 * transposed operands) through a plain loop: measured here, 64 x [144,8]@[8,144] (10 M
 * multiply-adds) took ~40 ms, while one 512^3 product (134 M) took ~17 ms. Attention, RoIAlign
 * and the aligner's point sampling are all batched products. This kernel:
 * - folds the batch into the rows when the right operand is shared ([B, M, K] @ [K, N]);
 * - otherwise transposes operands once, then runs one untransposed batch-1 product per
 *   batch entry (each on the fast path) and concatenates the results.
 * The per-entry loop pays a fixed cost per kernel call, so it is used only when each
 * entry's product is large enough (>= 1M multiply-adds) for that to be worth it.
 * It falls back to the stock kernel for batch 1 and for mixed broadcast batch shapes.
 */
const MIN_LOOP_MACS = 1_000_000;

type TensorInfo = tf.TensorInfo;
interface Backend {
  disposeData(dataId: object, force?: boolean): boolean;
}
interface Attrs {
  transposeA: boolean;
  transposeB: boolean;
}


export function installWasmBatchMatMul(): boolean {
  return overrideWasmKernel('BatchMatMul', (stock) => {
    const kernel = (name: string) => tf.getKernel(name, 'wasm')!.kernelFunc;
    return (args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo => {
      const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
      const { transposeA, transposeB } = args.attrs as unknown as Attrs;
      const backend = args.backend as unknown as Backend;
      const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
      const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
      const sameBatch = a.shape.length === b.shape.length && a.shape.slice(0, -2).every((d, i) => d === b.shape[i]);
      const single = batchA === 1 && batchB === 1;
      if ((single && !transposeA && !transposeB) || a.dtype !== 'float32' || b.dtype !== 'float32' || !(sameBatch || batchB === 1)) return stock(args) as TensorInfo;

      const rows = (t: TensorInfo, tr: boolean) => t.shape[t.shape.length - (tr ? 1 : 2)];
      const cols = (t: TensorInfo, tr: boolean) => t.shape[t.shape.length - (tr ? 2 : 1)];
      const m = rows(a, transposeA);
      const k = cols(a, transposeA);
      const n = cols(b, transposeB);
      if (!single && batchB !== 1 && m * k * n < MIN_LOOP_MACS) return stock(args) as TensorInfo;

      const temps: TensorInfo[] = [];
      const call = (f: tf.KernelFunc, inputs: Record<string, TensorInfo> | TensorInfo[], attrs: object = {}): TensorInfo => {
        const out = f({ inputs, backend: args.backend, attrs } as Parameters<tf.KernelFunc>[0]) as TensorInfo;
        temps.push(out);
        return out;
      };
      const run = (name: string, inputs: Record<string, TensorInfo> | TensorInfo[], attrs: object = {}) => call(kernel(name), inputs, attrs);
      const plain = { transposeA: false, transposeB: false };
      // Operands in untransposed [batch, rows, cols] form.
      const as3 = (t: TensorInfo, batch: number, tr: boolean) => {
        const r = t.shape[t.shape.length - 2];
        const c = t.shape[t.shape.length - 1];
        const x = run('Reshape', { x: t }, { shape: [batch, r, c] });
        return tr ? run('Transpose', { x }, { perm: [0, 2, 1] }) : x;
      };
      try {
        const a3 = as3(a, batchA, transposeA);
        const b3 = as3(b, batchB, transposeB);
        let out: TensorInfo;
        if (batchB === 1) {
          // Shared right operand (or a single product with a transposed operand, now transposed
          // once so the product takes the fast path): one [B*M, K] @ [K, N] product.
          out = call(stock, { a: run('Reshape', { x: a3 }, { shape: [1, batchA * m, k] }), b: b3 }, plain);
        } else {
          const parts: TensorInfo[] = [];
          for (let i = 0; i < batchA; i++) {
            const ai = run('Slice', { x: a3 }, { begin: [i, 0, 0], size: [1, m, k] });
            const bi = run('Slice', { x: b3 }, { begin: [i, 0, 0], size: [1, k, n] });
            parts.push(call(stock, { a: ai, b: bi }, plain));
          }
          // Concat takes its inputs as an array (as tf.concat passes them).
          out = parts.length === 1 ? parts[0] : run('Concat', parts, { axis: 0 });
        }
        // Both cases keep a's batch shape (same batch, or b shared).
        return kernel('Reshape')({ inputs: { x: out }, backend: args.backend, attrs: { shape: [...a.shape.slice(0, -2), m, n] } } as Parameters<tf.KernelFunc>[0]) as TensorInfo;
      } finally {
        for (const t of temps) backend.disposeData(t.dataId);
      }
    };
  });
}
