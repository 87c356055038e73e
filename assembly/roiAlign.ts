// AssemblyScript (compiled to WebAssembly with SIMD by scripts/build-kernels.ts; the module it
// makes is src/backend/kernels/roiAlignWasm.ts). RoIAlign's application of its interpolation
// weights, for the tfjs-wasm kernel of src/backend/wasmRoiAlign.ts:
//
//   out[r, py, px, :] = sum_i sum_j ay[r, py, i] * ax[r, px, j] * feat[img(r), i, j, :]
//
// feat [B, H, W, C] (NHWC, C a multiple of 4), ay [R, 7, H], ax [R, 7, W] (src/model/roiAlign.ts
// makes them: torchvision's averaged bilinear weights per axis), out [R, 7, 7, C]; RoI r reads
// image r / nq. Rows first, like the separable form: for each output row py, the weighted sum of
// the feature rows i with a non-zero weight, over the RoI's columns only (j0..j1, the columns any
// ax row of the RoI weights; a contiguous run of NHWC memory), then each output column px as the
// weighted sum of its columns. Zero weights are skipped (they add exact zeros in the dense form).
// All pointers are byte offsets into this module's memory, which the caller lays out and grows.

const P: i32 = 7;

@inline function axpy(dst: usize, src: usize, w: v128, n: i32): void {
  // dst[0..n) += w * src[0..n), n a multiple of 4
  for (let e: i32 = 0; e < n; e += 4) {
    const o = <usize>e << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), f32x4.mul(v128.load(src + o), w)));
  }
}

export function roiAlignApply(feat: usize, h: i32, w: i32, c: i32, ay: usize, ax: usize, r: i32, nq: i32, out: usize, tmp: usize): void {
  const rowBytes = <usize>(P * c) << 2;
  for (let ri: i32 = 0; ri < r; ri++) {
    const image = feat + ((<usize>(ri / nq) * <usize>(h * w * c)) << 2);
    const ayr = ay + (<usize>(ri * P * h) << 2);
    const axr = ax + (<usize>(ri * P * w) << 2);
    // Columns this RoI reads.
    let j0: i32 = w;
    let j1: i32 = -1;
    for (let px: i32 = 0; px < P; px++) {
      for (let j: i32 = 0; j < w; j++) {
        if (load<f32>(axr + (<usize>(px * w + j) << 2)) != 0) {
          if (j < j0) j0 = j;
          if (j > j1) j1 = j;
        }
      }
    }
    const outR = out + ((<usize>ri * rowBytes * <usize>P));
    if (j1 < j0) {
      memory.fill(outR, 0, rowBytes * <usize>P);
      continue;
    }
    const span = (j1 - j0 + 1) * c; // floats in one feature row's run of columns
    for (let py: i32 = 0; py < P; py++) {
      // tmp[j - j0, :] = sum_i ay[py, i] * feat[i, j, :]
      memory.fill(tmp, 0, <usize>span << 2);
      for (let i: i32 = 0; i < h; i++) {
        const wy = load<f32>(ayr + (<usize>(py * h + i) << 2));
        if (wy == 0) continue;
        axpy(tmp, image + (<usize>((i * w + j0) * c) << 2), f32x4.splat(wy), span);
      }
      // out[py, px, :] = sum_j ax[px, j] * tmp[j - j0, :]
      const outRow = outR + <usize>py * rowBytes;
      memory.fill(outRow, 0, rowBytes);
      for (let px: i32 = 0; px < P; px++) {
        const o = outRow + (<usize>(px * c) << 2);
        for (let j: i32 = j0; j <= j1; j++) {
          const wx = load<f32>(axr + (<usize>(px * w + j) << 2));
          if (wx == 0) continue;
          axpy(o, tmp + (<usize>((j - j0) * c) << 2), f32x4.splat(wx), c);
        }
      }
    }
  }
}
