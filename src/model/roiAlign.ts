import * as tf from '@tensorflow/tfjs';
import { ROI_ALIGN_KERNEL } from '../backend/kernelNames';
import { withoutGradient } from './layers';

/**
 * torchvision roi_align(output 7x7, spatial_scale 1, sampling_ratio -1, aligned=True),
 * written with interpolation weights built from the boxes.
 *
 * RoIAlign is separable: each bin averages ny x nx bilinear samples, and a sample's
 * bilinear weight (and its validity test) factorizes into a row part and a column part.
 * So output[r, py, px, c] = sum_ij Ay[r, py, i] * Ax[r, px, j] * F[i, j, c], where
 * Ay (Ax) holds the averaged row (column) weights. Small maps apply both as one dense matrix
 * product; large ones apply Ay as a product and Ax by gathering each output column's short
 * window of columns. Only matMul, gather and elementwise kernels (on wasm, the gather's
 * gradient needs the UnsortedSegmentSum that src/train/wasmGradients.ts registers); the
 * boxes are never read back to the CPU.
 */
export const POOL = 7;


/** Whether roiAlign's 'auto' form uses the backend's kernel: one is registered, C % 4 = 0, no gradient recorded. */
export function roiAlignKernelApplies(channels: number): boolean {
  return channels % 4 === 0 && tf.engine().state.gradientDepth === 0 && tf.getKernel(ROI_ALIGN_KERNEL, tf.getBackend()) !== undefined;
}

/** Largest dense interpolation matrix (elements per image) used instead of the separable form. */
const DENSE_LIMIT = 4_000_000;

/**
 * Floats of the separable form's row product ([RoIs*7, W*C]) made at once (64 MiB); more RoIs
 * go in chunks. At multi-scale SAM-DETR's stride 8 (800x1066: W = 134, C = 256) all 300 RoIs
 * at once were 275 MB, the largest tensor of the decoder.
 */
export const ROW_PRODUCT_CHUNK_FLOATS = 1 << 24;

/**
 * Averaged sampling weights along one axis. start, length: [R] (RoI start after the
 * aligned -0.5 shift, and its extent, not clamped to 1); size: the feature map's extent
 * on this axis. Returns [R, 7, size].
 */
export function axisWeights(start: tf.Tensor1D, length: tf.Tensor1D, size: number): tf.Tensor3D {
  return tf.tidy(() => {
    const r = start.shape[0];
    const bin = tf.div(length, POOL); // bin_size = roi_extent / pooled
    const n = tf.ceil(bin); // adaptive sampling_ratio: ceil(roi_extent / pooled)
    // A RoI never exceeds the map (boxes are sigmoid outputs times the valid ratio), so
    // ceil(size / 7) + 1 samples per bin is a safe upper bound for the sample axis.
    const nMax = Math.ceil(size / POOL) + 1;
    const p = tf.range(0, POOL).reshape([1, POOL, 1]);
    const i = tf.range(0, nMax).reshape([1, 1, nMax]);
    const binR = bin.reshape([r, 1, 1]);
    const nR = n.reshape([r, 1, 1]);
    // y = start + p * bin + (i + 0.5) * bin / n, in torchvision's order of operations.
    const y = tf.add(tf.add(start.reshape([r, 1, 1]), tf.mul(p, binR)), tf.div(tf.mul(tf.add(i, 0.5), binR), nR));
    // 0/1 products instead of logicalAnd, whose broadcasting path is slow on wasm.
    const inRange = tf.mul(tf.greaterEqual(y, -1).toFloat(), tf.lessEqual(y, size).toFloat());
    const valid = tf.mul(tf.less(i, nR).toFloat(), inRange); // [R, 7, nMax]
    const yc = tf.clipByValue(y, 0, size - 1); // below 0 -> 0; at or past size-1 -> size-1
    const grid = tf.range(0, size).reshape([1, 1, 1, size]);
    const w = tf.relu(tf.sub(1, tf.abs(tf.sub(yc.expandDims(3), grid)))); // bilinear tent weights
    const summed = tf.sum(tf.mul(w, valid.expandDims(3)), 2); // [R, 7, size]
    return tf.div(summed, tf.maximum(n, 1).reshape([r, 1, 1])) as tf.Tensor3D;
  });
}

/** Axis weights of x1y1x2y2 boxes [R, 4] along x (axis 0) or y (axis 1). */
function boxAxisWeights(flat: tf.Tensor2D, axis: 0 | 1, size: number): tf.Tensor3D {
  const r = flat.shape[0];
  const col = (k: number) => flat.slice([0, k], [r, 1]).reshape([r]) as tf.Tensor1D;
  const lo = tf.sub(col(axis), 0.5) as tf.Tensor1D; // aligned=True
  const hi = tf.sub(col(axis + 2), 0.5);
  return axisWeights(lo, tf.sub(hi, lo) as tf.Tensor1D, size);
}

/**
 * features: [B, H, W, C]; boxes: [B, nq, 4] x1y1x2y2 in feature cells (before the -0.5 shift).
 * Returns [B*nq, 7, 7, C]. No gradient flows to the boxes (as in torchvision).
 */
export function roiAlign(features: tf.Tensor4D, boxes: tf.Tensor3D, form: 'auto' | 'dense' | 'separable' | 'kernel' = 'auto', rowChunkFloats = ROW_PRODUCT_CHUNK_FLOATS): tf.Tensor4D {
  const [b, h, w, c] = features.shape;
  const nq = boxes.shape[1];
  const flat = boxes.reshape([b * nq, 4]) as tf.Tensor2D;
  // The sampling weights depend on the boxes only through floors, comparisons and sample
  // counts, and torchvision's roi_align passes no gradient to the boxes either.
  const ay = withoutGradient(flat, (f) => boxAxisWeights(f as tf.Tensor2D, 1, h)); // [R, 7, H]
  const ax = withoutGradient(flat, (f) => boxAxisWeights(f as tf.Tensor2D, 0, w)); // [R, 7, W]
  if (form === 'kernel' || (form === 'auto' && roiAlignKernelApplies(c))) {
    // The backend's own kernel (tfjs-wasm: src/backend/wasmRoiAlign.ts, WebAssembly SIMD);
    // forward only, so not while a gradient is recorded.
    return tf.engine().runKernel(ROI_ALIGN_KERNEL, { features, ay, ax } as unknown as tf.NamedTensorMap, { nq } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
  }
  if (form === 'dense' || (form === 'auto' && nq * POOL * POOL * h * w <= DENSE_LIMIT)) {
    // Small maps: one [nq*49, H*W] @ [H*W, C] product per image, with the full bilinear
    // weight matrix as the outer product of the two axes (one large product beats many small ones).
    const dense = tf.mul(ay.reshape([b, nq, POOL, 1, h, 1]), ax.reshape([b, nq, 1, POOL, 1, w])).reshape([b, nq * POOL * POOL, h * w]);
    return tf.matMul(dense, features.reshape([b, h * w, c])).reshape([b * nq, POOL, POOL, c]) as tf.Tensor4D;
  }
  const step = Math.max(1, Math.floor(rowChunkFloats / (POOL * w * c)));
  if (b * nq <= step) {
    // Rows first: [B, nq*7, H] @ [B, H, W*C] -> [B, nq*7, W*C]
    const t = tf.matMul(ay.reshape([b, nq * POOL, h]), features.reshape([b, h, w * c])).reshape([b * nq * POOL * w, c]);
    return columnsInWindows(t, ax, b * nq, w, c);
  }
  // Large maps: the same per chunk of an image's RoIs, each chunk's row product freed before the next.
  const parts: tf.Tensor4D[] = [];
  for (let i = 0; i < b; i++) {
    const image = b === 1 ? features.reshape([1, h, w * c]) : features.slice([i, 0, 0, 0], [1, h, w, c]).reshape([1, h, w * c]);
    for (let q = 0; q < nq; q += step) {
      const m = Math.min(step, nq - q);
      const r0 = i * nq + q;
      parts.push(tf.tidy(() => {
        const t = tf.matMul(ay.slice([r0, 0, 0], [m, POOL, h]).reshape([1, m * POOL, h]), image).reshape([m * POOL * w, c]);
        return columnsInWindows(t, ax.slice([r0, 0, 0], [m, POOL, w]) as tf.Tensor3D, m, w, c);
      }));
    }
    if (image !== features) image.dispose();
  }
  const out = tf.concat(parts, 0) as tf.Tensor4D;
  tf.dispose(parts);
  return out;
}

/**
 * The column step of the separable RoIAlign: out[r, y, x] = sum_j ax[r, x, j] * t[r, y, j].
 * Each output column x has non-zero weights only on a short run of input columns (its bin's
 * samples and their right neighbours: at most ceil(W / 7) + 2 of them), so it gathers that
 * window, starting at the first non-zero weight, instead of multiplying by all W columns.
 * (As 300 per-RoI [7, W] @ [W, 7C] products this ran through wasm's plain batched loop.)
 * t: [R*7*W, C] rows (r, y, j); ax: [R, 7, W]. Returns [R, 7, 7, C].
 */
function columnsInWindows(t: tf.Tensor, ax: tf.Tensor3D, r: number, w: number, c: number): tf.Tensor4D {
  const span = Math.min(w, Math.ceil(w / POOL) + 2);
  const s = tf.range(0, span).reshape([1, 1, span]);
  // First column with a non-zero weight ([R, 7, 1]); rows without any weight start at 0.
  const first = withoutGradient(ax, (a) => tf.argMax(tf.greater(a, 0).toFloat(), 2).toFloat().reshape([r, POOL, 1]));
  const col = tf.add(first, s); // [R, 7, span]
  const inMap = withoutGradient(col, (k) => tf.less(k, w).toFloat());
  const colClamped = withoutGradient(col, (k) => tf.minimum(k, w - 1));
  // Window weights: ax[r, x, col], zero past the map's edge.
  // First row of each (r, i) block of W: ax's rows are (r, x), t's row blocks are (r, y).
  const base = tf.mul(tf.range(0, r * POOL), w).reshape([r, POOL, 1]);
  const axIndex = withoutGradient(colClamped, (k) => tf.add(k, base));
  const wWin = tf.mul(gatherRows(ax.reshape([r * POOL * w, 1]) as tf.Tensor2D, axIndex.reshape([-1]) as tf.Tensor1D).reshape([r, POOL, span]), inMap);
  // One window position at a time: rows (r, y, col) of t for every output (y, x), weighted and
  // accumulated (a [R, 7, 7, span, C] intermediate would be ~100 MB at official size, and its
  // reduction over a middle axis is slow on wasm).
  let out: tf.Tensor | null = null;
  for (let q = 0; q < span; q++) {
    // One tidy per window position, the running sum kept: without it each position's gathered
    // rows ([R*49, C], ~15 MB at official size) stay allocated until the decoder layer ends.
    const previous: tf.Tensor | null = out;
    out = tf.tidy(() => {
      const colQ = colClamped.slice([0, 0, q], [r, POOL, 1]).reshape([r, 1, POOL]); // per (r, x)
      const index = withoutGradient(colQ, (k) => tf.add(base, k)); // [R, 7y, 7x]
      const rows = gatherRows(t as tf.Tensor2D, index.reshape([-1]) as tf.Tensor1D).reshape([r, POOL, POOL, c]);
      const term = tf.mul(rows, wWin.slice([0, 0, q], [r, POOL, 1]).reshape([r, 1, POOL, 1]));
      return previous ? tf.add(previous, term) : term;
    });
    // The previous sum is not needed any more, except by a gradient tape (which keeps its own copy).
    previous?.dispose();
  }
  return out as tf.Tensor4D; // [R, y, x, C]
}

/**
 * table[index] for a float tensor of whole-number row indices, with the gradient going to the
 * table only. (tf.gather's own gradient would also ask for one with respect to the indices, which
 * here come from the points through floor and fail on the int32 dtype.)
 */
function gatherRows(table: tf.Tensor2D, index: tf.Tensor1D): tf.Tensor2D {
  const rows = table.shape[0];
  const op = tf.customGrad(((t: tf.Tensor2D, i: tf.Tensor1D, save: (ts: tf.Tensor[]) => void) => {
    save([i]);
    return {
      value: tf.gather(t, i.toInt()),
      gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => [tf.unsortedSegmentSum(dy, saved.toInt() as tf.Tensor1D, rows), tf.zerosLike(saved)],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(table, index) as tf.Tensor2D;
}

/**
 * F.grid_sample(input [R, C, 7, 7], grid [R, 1, K, 2], bilinear, zeros padding,
 * align_corners=False) for K points per RoI. roi: [R, 7, 7, C]; offsets: [R, K, 2]
 * (x, y) in [-1, 1]. Returns [R, K, C]. Differentiable in both the features and the points.
 *
 * Each point reads its four neighbouring cells with one gather and blends them with the
 * bilinear weights; a neighbour outside the grid gets weight 0 (zero padding). The earlier
 * form, a [K, 49] weight matrix per RoI times the RoI's features, ran as 300 small batched
 * products on wasm's plain loop (0.34 s per official-size layer against a few ms here).
 */
export function gridSamplePoints(roi: tf.Tensor4D, offsets: tf.Tensor3D): tf.Tensor3D {
  const [r, gh, gw, c] = roi.shape;
  const k = offsets.shape[1];
  const gx = offsets.slice([0, 0, 0], [r, k, 1]);
  const gy = offsets.slice([0, 0, 1], [r, k, 1]);
  const px = tf.div(tf.sub(tf.mul(tf.add(gx, 1), gw), 1), 2); // [R, K, 1], in cells
  const py = tf.div(tf.sub(tf.mul(tf.add(gy, 1), gh), 1), 2);
  // Neighbour cells (x0, x0 + 1) x (y0, y0 + 1); indices carry no gradient.
  const x0 = withoutGradient(px, (t) => tf.floor(t));
  const y0 = withoutGradient(py, (t) => tf.floor(t));
  const corner = (dx: number, dy: number) => {
    const xc = tf.add(x0, dx);
    const yc = tf.add(y0, dy);
    // Tent weights, exactly bilinear; zero when the neighbour lies outside the grid.
    const inside = withoutGradient(xc, () =>
      tf.mul(
        tf.mul(tf.greaterEqual(xc, 0).toFloat(), tf.lessEqual(xc, gw - 1).toFloat()),
        tf.mul(tf.greaterEqual(yc, 0).toFloat(), tf.lessEqual(yc, gh - 1).toFloat()),
      ),
    );
    const wgt = tf.mul(tf.mul(tf.relu(tf.sub(1, tf.abs(tf.sub(px, xc)))), tf.relu(tf.sub(1, tf.abs(tf.sub(py, yc))))), inside); // [R, K, 1]
    const cell = withoutGradient(xc, () => tf.add(tf.mul(tf.clipByValue(yc, 0, gh - 1), gw), tf.clipByValue(xc, 0, gw - 1)));
    return { wgt, cell };
  };
  const corners = [corner(0, 0), corner(1, 0), corner(0, 1), corner(1, 1)];
  const base = tf.mul(tf.range(0, r), gh * gw).reshape([r, 1, 1]);
  const index = tf.concat(corners.map((q) => tf.add(q.cell, base)), 2).reshape([r * k * 4]); // [R*K*4], whole numbers
  const values = gatherRows(roi.reshape([r * gh * gw, c]) as tf.Tensor2D, index as tf.Tensor1D).reshape([r, k, 4, c]);
  const weights = tf.concat(corners.map((q) => q.wgt), 2).reshape([r, k, 4, 1]);
  return tf.sum(tf.mul(values, weights), 2) as tf.Tensor3D;
}
