/**
 * Training support for tfjs-backend-wasm 4.22.
 *
 * The wasm backend has forward kernels for everything a ResNet + transformer needs, but some
 * kernels that only gradients call are missing there, and a few gradient functions in
 * tfjs-core itself are missing or wrong on every backend. `registerWasmTrainingKernels()`
 * fills the gaps:
 *
 * wasm kernels (registered for backendName 'wasm', built from kernels wasm has):
 * - `Conv2DBackpropFilter` (weight gradient of conv2d): dW is a conv2d of the transposed
 *   input ([Ci, H, W, B]) with the transposed output gradient ([oh, ow, B, Co]) as filter,
 *   with dilation = forward stride (and stride = forward dilation). 1x1 filters use a
 *   single matMul (x^T dy) instead.
 * - `UnsortedSegmentSum` (used by the gradient of `gather`): a scatter-add in JS on the
 *   values read from the wasm heap; exact, O(size of x).
 *
 * wasm kernel fix (`registerWasmKernelFixes`, also used for inference):
 * - `GatherV2` with batchDims > 0: the wasm kernel of 4.22 returns wrong values (reads past
 *   the first batch). The wrapper turns it into a batchDims = 0 gather on a flattened input
 *   with per-batch index offsets; batchDims = 0 goes to the stock kernel unchanged.
 *
 * wasm speed-up (`registerWasmFastKernels`):
 * - `Conv2DBackpropInput` (input gradient of conv2d, also conv2dTranspose): the stock wasm
 *   kernel is a plain loop; the replacement is XNNPACK's forward conv on the zero-inserted
 *   dy with the rotated filter (1x1: a matMul).
 * - `BatchMatMul` / `_FusedMatMul` with transposeA or transposeB and batch 1 (what the
 *   gradients of dense layers run): 10-50x slower than untransposed in wasm 4.22, so the
 *   operands are transposed explicitly first.
 * - `MaxPoolGrad`: one JS pass over the pooling windows (first maximum gets dy, as cpu).
 *
 * gradients (global, all backends):
 * - `Conv2D` with dilation > 1 (DC5 backbones): tfjs-core asserts dilation 1 in the
 *   gradient. The override keeps the stock gradient for dilation 1 and, for dilation d
 *   (stride 1), computes dx as a dilated conv2d of the padded dy with the flipped filter
 *   and dW as a conv2d of transposed tensors with stride d.
 * - `Cumsum`: the stock gradient transposes its result a second time when the axis is
 *   not the last one (wrong shape); the override returns the reverse cumsum directly.
 * - Comparison / logical ops (`Greater`, `Less`, `LessEqual`, `Equal`, `NotEqual`,
 *   `LogicalAnd`, `LogicalOr`, `LogicalNot`): zero gradients, so that `tf.where(x.greater(0), ...)`
 *   can be differentiated with respect to x (tfjs throws "gradient function not found").
 */
import * as tf from '@tensorflow/tfjs';
// Registers the wasm backend and its kernels first, so that the fixes below find them.
import '@tensorflow/tfjs-backend-wasm';

type TensorInfo = tf.TensorInfo;
type NamedTensorInfoMap = Record<string, TensorInfo>;
type NamedAttrMap = tf.NamedAttrMap;
type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

/** The parts of the wasm backend object used here (it is not exported as a type). */
interface WasmBackendLike {
  incRef(dataId: object): void;
  disposeData(dataId: object, force?: boolean): boolean;
  readSync(dataId: object): tf.backend_util.BackendValues;
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: tf.backend_util.BackendValues): TensorInfo;
}

const BACKEND = 'wasm';

/** Runs registered wasm kernels directly (as backend kernels compose each other) and frees the intermediates. */
class KernelScope {
  private temps: TensorInfo[] = [];
  constructor(readonly backend: WasmBackendLike) {}

  run(name: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}, func?: tf.KernelFunc): TensorInfo {
    let f = func;
    if (!f) {
      const cfg = tf.getKernel(name, BACKEND);
      if (!cfg) throw new Error(`wasmGradients: kernel '${name}' is not registered for wasm`);
      f = cfg.kernelFunc;
    }
    const out = f({ inputs, backend: this.backend, attrs } as Parameters<tf.KernelFunc>[0]) as TensorInfo;
    this.temps.push(out);
    return out;
  }

  /** Frees `t` with the other temporaries. */
  adopt(t: TensorInfo): TensorInfo {
    this.temps.push(t);
    return t;
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  /** Removes `t` from the temporaries so that `dispose` leaves it alive. */
  keep(t: TensorInfo): TensorInfo {
    const i = this.temps.indexOf(t);
    if (i >= 0) this.temps.splice(i, 1);
    return t;
  }

  dispose(): void {
    for (const t of this.temps) this.backend.disposeData(t.dataId);
    this.temps = [];
  }
}

interface FilterGradGeometry {
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padTop: number;
  padLeft: number;
  outHeight: number;
  outWidth: number;
}

function filterGradGeometry(info: tf.backend_util.Conv2DInfo): FilterGradGeometry {
  return {
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    dilationHeight: info.dilationHeight,
    dilationWidth: info.dilationWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
  };
}

/**
 * Padding (top, bottom) / (left, right) of the input so that rows
 * [0, (k-1)*dil + (o-1)*stride + 1) of the padded input exist; extra input rows beyond
 * that are harmless (they give extra output rows, sliced off afterwards).
 */
function neededPad(size: number, k: number, dil: number, o: number, stride: number, before: number): [number, number] {
  const need = (k - 1) * dil + (o - 1) * stride + 1;
  return [before, Math.max(0, need - size - before)];
}

/** dW [kh, kw, Ci, Co] of a conv2d (NHWC) from x [B, H, W, Ci] and dy [B, oh, ow, Co], with wasm kernels. */
function conv2dFilterGradKernels(s: KernelScope, x: TensorInfo, dy: TensorInfo, g: FilterGradGeometry): TensorInfo {
  const [b, h, w, ci] = x.shape;
  const co = dy.shape[3];
  const { filterHeight: kh, filterWidth: kw } = g;
  if (kh === 1 && kw === 1 && g.padTop === 0 && g.padLeft === 0) {
    // 1x1: dW = x_strided^T @ dy. Subsampling by a 1x1 average pool (wasm's StridedSlice is slow)
    // and an explicit transpose (wasm's BatchMatMul with transposeA is slow).
    let xs = x;
    if (g.strideHeight > 1 || g.strideWidth > 1) {
      xs = s.run('AvgPool', { x }, { filterSize: [1, 1], strides: [g.strideHeight, g.strideWidth], pad: 'valid', dimRoundingMode: null } as unknown as NamedAttrMap);
    }
    if (xs.shape[1] !== g.outHeight || xs.shape[2] !== g.outWidth) {
      xs = s.run('Slice', { x: xs }, { begin: [0, 0, 0, 0], size: [b, g.outHeight, g.outWidth, ci] });
    }
    const n = b * g.outHeight * g.outWidth;
    const xT = s.transpose(s.reshape(xs, [n, ci]), [1, 0]);
    const prod = s.run('BatchMatMul', { a: s.reshape(xT, [1, ci, n]), b: s.reshape(dy, [1, n, co]) }, { transposeA: false, transposeB: false });
    return s.reshape(prod, [1, 1, ci, co]);
  }
  const xT = s.transpose(x, [3, 1, 2, 0]); // [Ci, H, W, B]
  const dyT = s.transpose(dy, [1, 2, 0, 3]); // [oh, ow, B, Co]
  const padH = neededPad(h, kh, g.dilationHeight, g.outHeight, g.strideHeight, g.padTop);
  const padW = neededPad(w, kw, g.dilationWidth, g.outWidth, g.strideWidth, g.padLeft);
  let r = s.run('Conv2D', { x: xT, filter: dyT }, {
    strides: [g.dilationHeight, g.dilationWidth],
    dilations: [g.strideHeight, g.strideWidth],
    pad: [[0, 0], padH, padW, [0, 0]],
    dataFormat: 'NHWC',
    dimRoundingMode: null,
  } as unknown as NamedAttrMap); // [Ci, kh', kw', Co]
  if (r.shape[1] !== kh || r.shape[2] !== kw) {
    r = s.run('Slice', { x: r }, { begin: [0, 0, 0, 0], size: [ci, kh, kw, co] });
  }
  return s.transpose(r, [1, 2, 0, 3]);
}

function conv2dBackpropFilterWasm(args: Parameters<tf.KernelFunc>[0]): TensorInfo {
  const { inputs, attrs } = args;
  const backend = args.backend as unknown as WasmBackendLike;
  const x = inputs.x as TensorInfo;
  const dy = inputs.dy as TensorInfo;
  const a = attrs as unknown as {
    strides: number | [number, number];
    pad: Pad;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    filterShape: [number, number, number, number];
  };
  if (a.dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter (wasm): only NHWC is supported');
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], a.filterShape, a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
  const s = new KernelScope(backend);
  try {
    return s.keep(conv2dFilterGradKernels(s, x, dy, filterGradGeometry(info)));
  } finally {
    s.dispose();
  }
}

function unsortedSegmentSumWasm(args: Parameters<tf.KernelFunc>[0]): TensorInfo {
  const backend = args.backend as unknown as WasmBackendLike;
  const x = args.inputs.x as TensorInfo;
  const ids = args.inputs.segmentIds as TensorInfo;
  const numSegments = (args.attrs as unknown as { numSegments: number }).numSegments;
  const idRank = ids.shape.length;
  for (let i = 0; i < idRank; i++) {
    if (ids.shape[i] !== x.shape[i]) {
      throw new Error(`UnsortedSegmentSum (wasm): segmentIds shape ${ids.shape} must be a prefix of x shape ${x.shape}`);
    }
  }
  const innerShape = x.shape.slice(idRank);
  const inner = tf.util.sizeFromShape(innerShape);
  const n = tf.util.sizeFromShape(ids.shape);
  const xv = backend.readSync(x.dataId) as Float32Array | Int32Array;
  const iv = backend.readSync(ids.dataId) as Int32Array | Float32Array;
  const out = x.dtype === 'int32' ? new Int32Array(numSegments * inner) : new Float32Array(numSegments * inner);
  for (let i = 0; i < n; i++) {
    const seg = iv[i];
    if (seg < 0 || seg >= numSegments) continue; // dropped, as in TensorFlow
    const o = seg * inner;
    const src = i * inner;
    for (let j = 0; j < inner; j++) out[o + j] += xv[src + j];
  }
  return backend.makeOutput([numSegments, ...innerShape], x.dtype, undefined, out);
}

const FIXED = Symbol('samDetrLensFixed');

function makeGatherV2Fix(stock: tf.KernelFunc): tf.KernelFunc {
  const fixed = (args: Parameters<tf.KernelFunc>[0]): TensorInfo => {
    const { attrs } = args;
    const backend = args.backend as unknown as WasmBackendLike;
    const x = args.inputs.x as TensorInfo;
    const indices = args.inputs.indices as TensorInfo;
    const a = attrs as unknown as { axis: number; batchDims: number };
    if (!a.batchDims) return stock(args) as TensorInfo;
    const axis = tf.util.parseAxisParam(a.axis, x.shape)[0];
    const info = tf.backend_util.segment_util.collectGatherOpShapeInfo(
      x as unknown as tf.Tensor, indices as unknown as tf.Tensor, axis, a.batchDims);
    const { batchSize, outerSize, dimSize, sliceSize, outputShape } = info;
    if (batchSize === 1) return stock({ ...args, attrs: { axis, batchDims: 0 } }) as TensorInfo;
    const k = tf.util.sizeFromShape(indices.shape) / batchSize;
    const idx = backend.readSync(indices.dataId) as Int32Array;
    const flatIdx = new Int32Array(idx.length);
    for (let bi = 0; bi < batchSize; bi++) {
      for (let j = 0; j < k; j++) {
        const v = idx[bi * k + j];
        if (v < 0 || v >= dimSize) throw new Error(`GatherV2: the index value ${v} is not in [0, ${dimSize - 1}]`);
        flatIdx[bi * k + j] = v + bi * dimSize;
      }
    }
    const s = new KernelScope(backend);
    try {
      const idxT = backend.makeOutput([batchSize * k], 'int32', undefined, flatIdx);
      s.adopt(idxT);
      let xs = s.reshape(x, [batchSize, outerSize, dimSize, sliceSize]);
      if (outerSize > 1) xs = s.transpose(xs, [0, 2, 1, 3]);
      const x2 = s.reshape(xs, [batchSize * dimSize, outerSize * sliceSize]);
      const g = s.run('GatherV2', { x: x2, indices: idxT }, { axis: 0, batchDims: 0 }, stock);
      let r = s.reshape(g, [batchSize, k, outerSize, sliceSize]);
      if (outerSize > 1) r = s.transpose(r, [0, 2, 1, 3]);
      return s.keep(s.reshape(r, outputShape));
    } finally {
      s.dispose();
    }
  };
  (fixed as unknown as Record<symbol, boolean>)[FIXED] = true;
  return fixed as unknown as tf.KernelFunc;
}

/** [B, h, w, C] -> [B, h*sh, w*sw, C] with the values at multiples of the strides, zeros elsewhere. */
function zeroInsert(s: KernelScope, t: TensorInfo, sh: number, sw: number): TensorInfo {
  if (sh === 1 && sw === 1) return t;
  const [b, h, w, c] = t.shape;
  const r6 = s.reshape(t, [b, h, 1, w, 1, c]);
  const p6 = s.run('PadV2', { x: r6 }, { paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]], constantValue: 0 });
  return s.reshape(p6, [b, h * sh, w * sw, c]);
}

/**
 * Conv2DBackpropInput through XNNPACK's forward conv: dx = conv2d(zero-inserted dy, filter
 * rotated 180 degrees with in/out swapped), padded so the output has the input's size. The
 * stock wasm kernel of 4.22 is a plain loop, several times slower than the forward conv.
 * Falls back to the stock kernel for NCHW or unusual paddings.
 */
function makeConv2DBackpropInputFast(stock: tf.KernelFunc): tf.KernelFunc {
  const fast = (args: Parameters<tf.KernelFunc>[0]): TensorInfo => {
    const backend = args.backend as unknown as WasmBackendLike;
    const dy = args.inputs.dy as TensorInfo;
    const filter = args.inputs.filter as TensorInfo;
    const a = args.attrs as unknown as {
      strides: number | [number, number]; pad: Pad; dataFormat: 'NHWC' | 'NCHW';
      dimRoundingMode?: 'floor' | 'round' | 'ceil'; inputShape: [number, number, number, number];
    };
    if (a.dataFormat === 'NCHW') return stock(args) as TensorInfo;
    const info = tf.backend_util.computeConv2DInfo(a.inputShape, filter.shape as [number, number, number, number],
      a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
    const [b, h, w, ci] = a.inputShape;
    const co = filter.shape[3];
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow } = info;
    const pt = kh - 1 - info.padInfo.top;
    const pl = kw - 1 - info.padInfo.left;
    // Rows of the zero-inserted dy: oh*sh (its last sh-1 rows are zeros, i.e. padding).
    const pb = h - oh * sh - pt + kh - 1;
    const pr = w - ow * sw - pl + kw - 1;
    if (pt < 0 || pl < 0) return stock(args) as TensorInfo;
    const s = new KernelScope(backend);
    try {
      let out: TensorInfo;
      if (kh === 1 && kw === 1) {
        // 1x1: dx = zero-insert(dy @ W^T), then pad / crop to the input size.
        const n = b * oh * ow;
        const wT = s.transpose(s.reshape(filter, [ci, co]), [1, 0]);
        const m = s.run('BatchMatMul', { a: s.reshape(dy, [1, n, co]), b: s.reshape(wT, [1, co, ci]) },
          { transposeA: false, transposeB: false });
        out = zeroInsert(s, s.reshape(m, [b, oh, ow, ci]), sh, sw);
        if (pb > 0 || pr > 0 || pt > 0 || pl > 0) {
          out = s.run('PadV2', { x: out }, { paddings: [[0, 0], [pt, Math.max(0, pb)], [pl, Math.max(0, pr)], [0, 0]], constantValue: 0 });
        }
      } else {
        const d = zeroInsert(s, dy, sh, sw);
        const wFlip = s.transpose(s.run('Reverse', { x: filter }, { dims: [0, 1] }), [0, 1, 3, 2]); // [kh, kw, Co, Ci]
        out = s.run('Conv2D', { x: d, filter: wFlip }, {
          strides: [1, 1], dilations: [1, 1], pad: [[0, 0], [pt, Math.max(0, pb)], [pl, Math.max(0, pr)], [0, 0]],
          dataFormat: 'NHWC', dimRoundingMode: null,
        } as unknown as NamedAttrMap);
      }
      if (out.shape[1] !== h || out.shape[2] !== w) {
        out = s.run('Slice', { x: out }, { begin: [0, 0, 0, 0], size: [b, h, w, ci] });
      }
      return s.keep(out);
    } finally {
      s.dispose();
    }
  };
  (fast as unknown as Record<symbol, boolean>)[FIXED] = true;
  return fast as unknown as tf.KernelFunc;
}

/** Moves the last two axes' transposition out of a (batch-1) matMul: wasm's transposeA/B path is slow. */
function makeMatMulFast(stock: tf.KernelFunc): tf.KernelFunc {
  const fast = (args: Parameters<tf.KernelFunc>[0]): TensorInfo => {
    const a = args.inputs.a as TensorInfo;
    const b = args.inputs.b as TensorInfo;
    const attrs = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
    const batch = (t: TensorInfo) => tf.util.sizeFromShape(t.shape.slice(0, -2));
    if ((!attrs.transposeA && !attrs.transposeB) || batch(a) !== 1 || batch(b) !== 1 || a.dtype !== 'float32' || b.dtype !== 'float32') {
      return stock(args) as TensorInfo;
    }
    const s = new KernelScope(args.backend as unknown as WasmBackendLike);
    const swapLast = (t: TensorInfo) => {
      const r = t.shape.length;
      return s.transpose(t, [...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2]);
    };
    try {
      const inputs = {
        ...args.inputs,
        a: attrs.transposeA ? swapLast(a) : a,
        b: attrs.transposeB ? swapLast(b) : b,
      };
      const out = stock({ ...args, inputs, attrs: { ...args.attrs, transposeA: false, transposeB: false } }) as TensorInfo;
      return out;
    } finally {
      s.dispose();
    }
  };
  (fast as unknown as Record<symbol, boolean>)[FIXED] = true;
  return fast as unknown as tf.KernelFunc;
}

/**
 * MaxPoolGrad as one JS pass over the windows (NHWC, channels innermost): the first maximum
 * of each window (row-major, as the cpu backend) receives dy. The stock wasm kernel is a
 * per-input-pixel loop that is several times slower.
 */
function maxPoolGradJs(args: Parameters<tf.KernelFunc>[0]): TensorInfo {
  const backend = args.backend as unknown as WasmBackendLike;
  const dy = args.inputs.dy as TensorInfo;
  const x = args.inputs.input as TensorInfo;
  const a = args.attrs as unknown as {
    filterSize: number | [number, number]; strides: number | [number, number]; pad: Pad;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  const info = tf.backend_util.computePool2DInfo(x.shape as [number, number, number, number], a.filterSize, a.strides, 1,
    a.pad as 'valid' | 'same' | number, a.dimRoundingMode);
  const [b, h, w, c] = x.shape;
  const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const top = info.padInfo.top, left = info.padInfo.left;
  const xv = backend.readSync(x.dataId) as Float32Array;
  const dv = backend.readSync(dy.dataId) as Float32Array;
  const dx = new Float32Array(b * h * w * c);
  const maxVal = new Float32Array(c);
  const maxIdx = new Int32Array(c);
  for (let n = 0; n < b; n++) {
    for (let yr = 0; yr < oh; yr++) {
      const r0 = Math.max(0, yr * sh - top), r1 = Math.min(h, yr * sh - top + fh);
      for (let yc = 0; yc < ow; yc++) {
        const c0 = Math.max(0, yc * sw - left), c1 = Math.min(w, yc * sw - left + fw);
        maxVal.fill(-Infinity);
        maxIdx.fill(-1);
        for (let xr = r0; xr < r1; xr++) {
          for (let xc = c0; xc < c1; xc++) {
            const base = ((n * h + xr) * w + xc) * c;
            for (let d = 0; d < c; d++) {
              const v = xv[base + d];
              if (v > maxVal[d]) { maxVal[d] = v; maxIdx[d] = base + d; }
            }
          }
        }
        const o = ((n * oh + yr) * ow + yc) * c;
        for (let d = 0; d < c; d++) if (maxIdx[d] >= 0) dx[maxIdx[d]] += dv[o + d];
      }
    }
  }
  return backend.makeOutput(x.shape, 'float32', undefined, dx);
}

/**
 * Replaces slow wasm kernels by faster equivalents built from XNNPACK-backed kernels:
 * `Conv2DBackpropInput`, `BatchMatMul` / `_FusedMatMul` with transposeA/transposeB on
 * batch-1 operands (explicit Transpose, then the fast untransposed path; matMul gradients
 * always use transposed operands), and `MaxPoolGrad` (one JS pass). Idempotent; returns the
 * names replaced by this call.
 */
export function registerWasmFastKernels(): string[] {
  const done: string[] = [];
  const wrap: [string, (stock: tf.KernelFunc) => tf.KernelFunc][] = [
    ['Conv2DBackpropInput', makeConv2DBackpropInputFast],
    ['BatchMatMul', makeMatMulFast],
    ['_FusedMatMul', makeMatMulFast],
  ];
  for (const [name, make] of wrap) {
    const k = tf.getKernel(name, BACKEND);
    if (!k || (k.kernelFunc as unknown as Record<symbol, boolean>)[FIXED]) continue;
    tf.unregisterKernel(name, BACKEND);
    tf.registerKernel({ ...k, kernelFunc: make(k.kernelFunc) });
    done.push(name);
  }
  const mpg = tf.getKernel('MaxPoolGrad', BACKEND);
  if (mpg && !(mpg.kernelFunc as unknown as Record<symbol, boolean>)[FIXED]) {
    const f = maxPoolGradJs as unknown as tf.KernelFunc;
    (f as unknown as Record<symbol, boolean>)[FIXED] = true;
    tf.unregisterKernel('MaxPoolGrad', BACKEND);
    tf.registerKernel({ ...mpg, kernelFunc: f });
    done.push('MaxPoolGrad');
  }
  return done;
}

/**
 * Replaces wasm kernels of tfjs 4.22 that give wrong results (see the top of this file) by
 * fixed wrappers. Idempotent; returns the kernel names replaced by this call. Useful for
 * inference too.
 */
export function registerWasmKernelFixes(): string[] {
  const done: string[] = [];
  const gather = tf.getKernel('GatherV2', BACKEND);
  if (gather && !(gather.kernelFunc as unknown as Record<symbol, boolean>)[FIXED]) {
    tf.unregisterKernel('GatherV2', BACKEND);
    tf.registerKernel({ ...gather, kernelFunc: makeGatherV2Fix(gather.kernelFunc) });
    done.push('GatherV2');
  }
  return done;
}

// ---------------------------------------------------------------------------------------
// Gradient overrides (ops level, any backend)

type Tuple2 = [number, number];
function pair(v: number | number[] | undefined, dflt = 1): Tuple2 {
  if (v === undefined || v === null) return [dflt, dflt];
  if (typeof v === 'number') return [v, v];
  return v.length === 1 ? [v[0], v[0]] : [v[0], v[1]];
}

/** Pads (or crops, for negative amounts) a 4D NHWC tensor on H and W. */
function padOrCrop(t: tf.Tensor4D, top: number, bottom: number, left: number, right: number): tf.Tensor4D {
  let r = t;
  const cropT = Math.max(0, -top), cropB = Math.max(0, -bottom), cropL = Math.max(0, -left), cropR = Math.max(0, -right);
  if (cropT || cropB || cropL || cropR) {
    r = tf.slice(r, [0, cropT, cropL, 0], [r.shape[0], r.shape[1] - cropT - cropB, r.shape[2] - cropL - cropR, r.shape[3]]);
  }
  const pt = Math.max(0, top), pb = Math.max(0, bottom), pl = Math.max(0, left), pr = Math.max(0, right);
  if (pt || pb || pl || pr) r = tf.pad(r, [[0, 0], [pt, pb], [pl, pr], [0, 0]]);
  return r;
}

/** dx of a stride-1 dilated conv2d (NHWC): full correlation of dy with the flipped filter. Ops only (any backend). */
export function dilatedConv2dInputGrad(
  xShape: [number, number, number, number], filter: tf.Tensor4D, dy: tf.Tensor4D,
  dilations: number | [number, number], pad: Pad, dimRoundingMode?: 'floor' | 'round' | 'ceil',
): tf.Tensor4D {
  return tf.tidy(() => {
    const info = tf.backend_util.computeConv2DInfo(xShape, filter.shape, 1, dilations, pad, dimRoundingMode, false, 'channelsLast');
    const [kh, kw] = [info.filterHeight, info.filterWidth];
    const [dh, dw] = [info.dilationHeight, info.dilationWidth];
    const { top, bottom, left, right } = info.padInfo;
    const wFlip = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D; // [kh, kw, Co, Ci]
    // dx[y] = sum_i dy[y + top - i*dh] W[i]  ==  valid dilated conv of dy padded by (kh-1)*dh - top.
    const dyPad = padOrCrop(dy, (kh - 1) * dh - top, (kh - 1) * dh - bottom, (kw - 1) * dw - left, (kw - 1) * dw - right);
    let dx = tf.conv2d(dyPad, wFlip, 1, 'valid', 'NHWC', [dh, dw]);
    if (dx.shape[1] !== xShape[1] || dx.shape[2] !== xShape[2]) {
      // Input rows/cols that no output reads (possible with 'valid'): zero gradient.
      dx = padOrCrop(dx, 0, xShape[1] - dx.shape[1], 0, xShape[2] - dx.shape[2]);
    }
    return dx;
  });
}

/** dW of a stride-1 dilated conv2d (NHWC): conv of x^T [Ci, H, W, B] with dy^T [oh, ow, B, Co], stride = dilation. Ops only. */
export function dilatedConv2dFilterGrad(
  x: tf.Tensor4D, filterShape: [number, number, number, number], dy: tf.Tensor4D,
  dilations: number | [number, number], pad: Pad, dimRoundingMode?: 'floor' | 'round' | 'ceil',
): tf.Tensor4D {
  return tf.tidy(() => {
    const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, 1, dilations, pad, dimRoundingMode, false, 'channelsLast');
    const [kh, kw] = [info.filterHeight, info.filterWidth];
    const [dh, dw] = [info.dilationHeight, info.dilationWidth];
    const { top, left } = info.padInfo;
    const [, h, w] = x.shape;
    const needH = (kh - 1) * dh + info.outHeight;
    const needW = (kw - 1) * dw + info.outWidth;
    const xPad = padOrCrop(x, top, needH - h - top, left, needW - w - left);
    const xT = tf.transpose(xPad, [3, 1, 2, 0]) as tf.Tensor4D;
    const dyT = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D;
    const r = tf.conv2d(xT, dyT, [dh, dw], 'valid'); // [Ci, kh, kw, Co]
    return tf.transpose(r, [1, 2, 0, 3]) as tf.Tensor4D;
  });
}

let stockConv2DGrad: tf.GradConfig | undefined;

function conv2dGradConfig(): tf.GradConfig {
  return {
    kernelName: 'Conv2D',
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: NamedAttrMap) => {
      const a = attrs as unknown as {
        dilations: number | [number, number]; strides: number | [number, number]; pad: Pad;
        dataFormat: 'NHWC' | 'NCHW'; dimRoundingMode?: 'floor' | 'round' | 'ceil';
      };
      const [dH, dW] = pair(a.dilations as number | number[]);
      if (dH === 1 && dW === 1) {
        if (!stockConv2DGrad) throw new Error('stock Conv2D gradient missing');
        return stockConv2DGrad.gradFunc(dy, saved, attrs);
      }
      const [sH, sW] = pair(a.strides as number | number[]);
      if (sH !== 1 || sW !== 1) throw new Error('conv2d gradient: strides and dilations cannot both be > 1');
      if (a.dataFormat === 'NCHW') throw new Error('conv2d gradient with dilation: only NHWC is supported');
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const d = dy as tf.Tensor4D;
      return {
        x: () => dilatedConv2dInputGrad(x.shape, filter, d, [dH, dW], a.pad, a.dimRoundingMode),
        filter: () => dilatedConv2dFilterGrad(x, filter.shape, d, [dH, dW], a.pad, a.dimRoundingMode),
      };
    },
  };
}

const cumsumGradConfig: tf.GradConfig = {
  kernelName: 'Cumsum',
  inputsToSave: [],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], _saved: tf.Tensor[], attrs: NamedAttrMap) => {
    const { axis, exclusive, reverse } = attrs as unknown as { axis: number; exclusive: boolean; reverse: boolean };
    return { x: () => tf.cumsum(dy as tf.Tensor, axis, exclusive, !reverse) };
  },
};

const ZERO_GRAD_BINARY = ['Greater', 'Less', 'LessEqual', 'Equal', 'NotEqual', 'LogicalAnd', 'LogicalOr'];
const ZERO_GRAD_UNARY = ['LogicalNot'];

function zeroGradConfig(kernelName: string, names: string[]): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: names,
    gradFunc: (_dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const out: Record<string, () => tf.Tensor> = {};
      names.forEach((n, i) => { out[n] = () => tf.zerosLike(saved[i]); });
      return out;
    },
  };
}

// ---------------------------------------------------------------------------------------

let gradientsRegistered = false;

/**
 * Registers the gradient fixes listed at the top of this file (global, for every backend).
 * Idempotent. Called by `registerWasmTrainingKernels`.
 */
export function registerTrainingGradients(): void {
  if (gradientsRegistered) return;
  gradientsRegistered = true;
  const silence = <T>(f: () => T): T => {
    // registerGradient warns when it overrides one; these overrides are deliberate.
    const warn = console.warn;
    console.warn = () => {};
    try { return f(); } finally { console.warn = warn; }
  };
  stockConv2DGrad = tf.getGradient('Conv2D');
  silence(() => {
    tf.registerGradient(conv2dGradConfig());
    tf.registerGradient(cumsumGradConfig);
    for (const k of ZERO_GRAD_BINARY) if (!tf.getGradient(k)) tf.registerGradient(zeroGradConfig(k, ['a', 'b']));
    for (const k of ZERO_GRAD_UNARY) if (!tf.getGradient(k)) tf.registerGradient(zeroGradConfig(k, ['x']));
  });
}

/** Names of the wasm kernels this module registers (when wasm lacks them). */
export const WASM_TRAINING_KERNELS = ['Conv2DBackpropFilter', 'UnsortedSegmentSum'] as const;

/**
 * Registers, for the 'wasm' backend, the kernels that gradients need and wasm 4.22 lacks
 * (see `WASM_TRAINING_KERNELS`), the kernel fixes of `registerWasmKernelFixes` and the
 * gradient fixes of `registerTrainingGradients`, and (unless `fast: false`) the faster
 * kernels of `registerWasmFastKernels`.
 * Call once, before training (importing '@tensorflow/tfjs-backend-wasm' first is not
 * required: kernels are looked up when they run). Idempotent; returns the kernel names
 * registered by this call.
 */
export function registerWasmTrainingKernels(options: { fast?: boolean } = {}): string[] {
  registerTrainingGradients();
  const added: string[] = registerWasmKernelFixes();
  if (options.fast ?? true) added.push(...registerWasmFastKernels());
  const impls: Record<(typeof WASM_TRAINING_KERNELS)[number], tf.KernelFunc> = {
    Conv2DBackpropFilter: conv2dBackpropFilterWasm as unknown as tf.KernelFunc,
    UnsortedSegmentSum: unsortedSegmentSumWasm as unknown as tf.KernelFunc,
  };
  for (const name of WASM_TRAINING_KERNELS) {
    if (tf.getKernel(name, BACKEND)) continue;
    tf.registerKernel({ kernelName: name, backendName: BACKEND, kernelFunc: impls[name] });
    added.push(name);
  }
  return added;
}
