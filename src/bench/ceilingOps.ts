/**
 * The dense operations of the arithmetic-ceiling benchmark (`npm run bench -- ceiling`): the
 * official-size model's heaviest products at 800x1066, one list for both sides (the Chromium
 * worker, src/bench/ceiling.worker.ts, and PyTorch, tools/ceiling_bench.py, which gets it as JSON),
 * so that both time exactly the same shapes.
 */

export type CeilingOp =
  | {
      name: string;
      kind: 'matmul';
      /** [m,k] x [k,n]; with transposeB the right operand is stored [n,k] (as the model's call has it). */
      m: number;
      k: number;
      n: number;
      transposeB?: boolean;
      /**
       * A new right operand (same values, a new tensor) before each timed run, made outside the
       * timing: in the model this operand is an activation, and tfjs-wasm caches XNNPACK's packed
       * copy of a right operand per tensor, so a reused one would hide the packing the model pays.
       */
      freshB?: boolean;
      what: string;
    }
  | {
      name: string;
      kind: 'conv';
      /** Input [1,h,w,cin] (NHWC, tfjs) / [1,cin,h,w] (NCHW, PyTorch); stride 1, 'same' padding, output [.., h, w, cout]. */
      h: number;
      w: number;
      cin: number;
      cout: number;
      /** Square kernel size (odd). */
      ksize: number;
      what: string;
    };

/**
 * 50x67 is ResNet-50's layer3 grid at 800x1066 (stride 16), where its 3x3 convolutions are
 * 256->256 and each block starts with a 1x1 1024->256; 850 = 25x34 is the encoder's token
 * count (stride 32), 2400 = 300 queries x 8 heads.
 */
export const CEILING_OPS: CeilingOp[] = [
  { name: 'ffn1', kind: 'matmul', m: 850, k: 256, n: 2048, what: 'encoder FFN linear1 [850,256]x[256,2048]' },
  { name: 'ffn2', kind: 'matmul', m: 850, k: 2048, n: 256, what: 'encoder FFN linear2 [850,2048]x[2048,256]' },
  { name: 'xattn', kind: 'matmul', m: 2400, k: 256, n: 850, freshB: true, what: 'decoder cross-attention logits [2400,256]x[256,850] (B already transposed)' },
  {
    name: 'xattn_tb', kind: 'matmul', m: 2400, k: 256, n: 850, transposeB: true, freshB: true,
    what: 'the same as the model calls it: [2400,256]x[850,256]^T (tfjs: the project BatchMatMul transposes B first)',
  },
  { name: 'conv3x3', kind: 'conv', h: 50, w: 67, cin: 256, cout: 256, ksize: 3, what: 'ResNet-50 layer3 conv 3x3 256->256 on 50x67' },
  { name: 'conv1x1', kind: 'conv', h: 50, w: 67, cin: 1024, cout: 256, ksize: 1, what: 'ResNet-50 layer3 conv 1x1 1024->256 on 50x67' },
];

/**
 * Floating-point operations of one run: 2 per multiply-add. A 'same' convolution counts every
 * kernel tap at every output position, the padded border included (both libraries compute those
 * taps on zeros), so the count does not depend on the implementation.
 */
export function ceilingFlops(op: CeilingOp): number {
  if (op.kind === 'matmul') return 2 * op.m * op.k * op.n;
  return 2 * op.h * op.w * op.cout * op.cin * op.ksize * op.ksize;
}

/** GFLOP/s of a run of `ms` milliseconds. */
export function gflops(op: CeilingOp, ms: number): number {
  return ceilingFlops(op) / (ms * 1e6);
}
