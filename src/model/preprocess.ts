import * as tf from '@tensorflow/tfjs';
import type { ImageBatch } from './types';

export const IMAGENET_MEAN = [0.485, 0.456, 0.406];
export const IMAGENET_STD = [0.229, 0.224, 0.225];

/**
 * The official evaluation size rule (DETR's get_size_with_aspect_ratio): the shorter side
 * becomes `shortSide` unless the longer side would then exceed `maxSize`, in which case the
 * target short side is round(maxSize * short / long); the other side is truncated with int().
 * Returns [h, w].
 */
export function officialResizeShape(h: number, w: number, shortSide = 800, maxSize = 1333): [number, number] {
  let size = shortSide;
  const minO = Math.min(w, h);
  const maxO = Math.max(w, h);
  if ((maxO / minO) * size > maxSize) size = roundHalfEven((maxSize * minO) / maxO);
  if ((w <= h && w === size) || (h <= w && h === size)) return [h, w];
  if (w < h) return [Math.trunc((size * h) / w), size];
  return [size, Math.trunc((size * w) / h)];
}

/** Python 3's round(): ties to even. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** Separable triangle-filter weights as PIL's BILINEAR resize uses (antialiased when shrinking). */
function filterWeights(inSize: number, outSize: number): { start: Int32Array; count: Int32Array; w: Float32Array; maxTaps: number } {
  const scale = inSize / outSize;
  const support = Math.max(scale, 1);
  const maxTaps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const w = new Float32Array(outSize * maxTaps);
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    const lo = Math.max(0, Math.floor(center - support + 0.5));
    const hi = Math.min(inSize, Math.floor(center + support + 0.5));
    let total = 0;
    for (let i = lo; i < hi; i++) {
      const t = 1 - Math.abs((i - center + 0.5) / support);
      const v = t > 0 ? t : 0;
      w[o * maxTaps + (i - lo)] = v;
      total += v;
    }
    for (let i = lo; i < hi; i++) w[o * maxTaps + (i - lo)] /= total || 1;
    start[o] = lo;
    count[o] = hi - lo;
  }
  return { start, count, w, maxTaps };
}

/** Resizes an RGB (h*w*3) image to [oh, ow] with PIL-style antialiased bilinear filtering. Returns float 0..255. */
export function resizeRgb(rgb: ArrayLike<number>, h: number, w: number, oh: number, ow: number): Float32Array {
  const fx = filterWeights(w, ow);
  const fy = filterWeights(h, oh);
  const tmp = new Float32Array(h * ow * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < ow; x++) {
      let r = 0, g = 0, b = 0;
      const s = fx.start[x];
      for (let k = 0; k < fx.count[x]; k++) {
        const wt = fx.w[x * fx.maxTaps + k];
        const i = (y * w + s + k) * 3;
        r += rgb[i] * wt; g += rgb[i + 1] * wt; b += rgb[i + 2] * wt;
      }
      const o = (y * ow + x) * 3;
      tmp[o] = r; tmp[o + 1] = g; tmp[o + 2] = b;
    }
  }
  const out = new Float32Array(oh * ow * 3);
  for (let y = 0; y < oh; y++) {
    const s = fy.start[y];
    for (let x = 0; x < ow; x++) {
      let r = 0, g = 0, b = 0;
      for (let k = 0; k < fy.count[y]; k++) {
        const wt = fy.w[y * fy.maxTaps + k];
        const i = ((s + k) * ow + x) * 3;
        r += tmp[i] * wt; g += tmp[i + 1] * wt; b += tmp[i + 2] * wt;
      }
      const o = (y * ow + x) * 3;
      out[o] = r; out[o + 1] = g; out[o + 2] = b;
    }
  }
  return out;
}

export interface PreprocessOptions {
  shortSide?: number;
  maxSize?: number;
}

export interface PreprocessedImage {
  /** Normalized HWC float data of the resized image. */
  data: Float32Array;
  h: number;
  w: number;
  /** resized / original */
  scale: number;
}

/** Resize by the official rule and normalize with ImageNet mean/std. */
export function prepareImage(rgb: ArrayLike<number>, h: number, w: number, opts: PreprocessOptions = {}): PreprocessedImage {
  const [oh, ow] = officialResizeShape(h, w, opts.shortSide ?? 800, opts.maxSize ?? 1333);
  const resized = oh === h && ow === w ? Float32Array.from(rgb) : resizeRgb(rgb, h, w, oh, ow);
  const data = new Float32Array(resized.length);
  for (let i = 0; i < resized.length; i++) {
    const ch = i % 3;
    data[i] = (resized[i] / 255 - IMAGENET_MEAN[ch]) / IMAGENET_STD[ch];
  }
  return { data, h: oh, w: ow, scale: oh / h };
}

/** Pads images to a common size (zeros) and builds the padding mask, as nested_tensor_from_tensor_list. */
export function batchImages(images: { data: Float32Array; h: number; w: number }[]): ImageBatch {
  const H = Math.max(...images.map((i) => i.h));
  const W = Math.max(...images.map((i) => i.w));
  const B = images.length;
  const px = new Float32Array(B * H * W * 3);
  const mask = new Float32Array(B * H * W).fill(1);
  images.forEach((img, b) => {
    for (let y = 0; y < img.h; y++) {
      px.set(img.data.subarray(y * img.w * 3, (y + 1) * img.w * 3), ((b * H + y) * W) * 3);
      mask.fill(0, (b * H + y) * W, (b * H + y) * W + img.w);
    }
  });
  return {
    images: tf.tensor4d(px, [B, H, W, 3]),
    mask: tf.tensor3d(mask, [B, H, W]),
    sizes: images.map((i) => [i.h, i.w] as [number, number]),
  };
}

/** One RGB image -> a batch of one, resized and normalized the official way. */
export function preprocess(rgb: ArrayLike<number>, h: number, w: number, opts: PreprocessOptions = {}): { batch: ImageBatch; scale: number; resized: [number, number] } {
  const img = prepareImage(rgb, h, w, opts);
  return { batch: batchImages([img]), scale: img.scale, resized: [img.h, img.w] };
}
