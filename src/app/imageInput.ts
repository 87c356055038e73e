/**
 * Recognising and decoding what the user drops, picks or pastes. The sniffing is pure (unit-tested);
 * decoding uses the browser's decoders with a size cap.
 */
import { fitWithin } from './geometry';

export type FileKind = 'image' | 'checkpoint' | 'safetensors' | 'text' | 'unknown';

export interface Sniffed {
  kind: FileKind;
  format?: 'png' | 'jpeg' | 'gif' | 'webp' | 'bmp' | 'avif';
  /** Set when the file is recognisably broken (e.g. a truncated PNG). */
  problem?: string;
  /** Pixel size from the header, when the format gives it cheaply. */
  size?: [number, number];
}

/** Largest side of the image as displayed and analysed; larger images are downscaled on decode. */
export const MAX_IMAGE_SIDE = 2048;
/** Beyond this many pixels the file is refused outright (decoding would exhaust memory). */
export const MAX_PIXELS = 100e6;

const startsWith = (b: Uint8Array, sig: number[], at = 0) => sig.every((x, i) => b[at + i] === x);

function looksText(b: Uint8Array): boolean {
  const n = Math.min(b.length, 4096);
  if (n === 0) return false;
  let printable = 0;
  for (let i = 0; i < n; i++) {
    const c = b[i];
    if (c === 0) return false;
    if (c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127) || c >= 128) printable++;
  }
  return printable / n > 0.95;
}

/** Walks the PNG chunks; reports truncation (file ends before IEND) or a bad structure. */
export function checkPng(b: Uint8Array): { problem?: string; size?: [number, number] } {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let off = 8;
  let size: [number, number] | undefined;
  while (true) {
    if (off + 8 > b.length) return { problem: `truncated PNG: the file ends at byte ${b.length} before its IEND chunk`, size };
    const len = dv.getUint32(off);
    const type = String.fromCharCode(b[off + 4], b[off + 5], b[off + 6], b[off + 7]);
    if (!/^[A-Za-z]{4}$/.test(type)) return { problem: `corrupt PNG: invalid chunk type at byte ${off}`, size };
    if (type === 'IHDR' && off + 16 <= b.length) size = [dv.getUint32(off + 8), dv.getUint32(off + 12)];
    const end = off + 12 + len;
    if (end > b.length) return { problem: `truncated PNG: chunk ${type} at byte ${off} needs ${end} bytes, the file has ${b.length}`, size };
    if (type === 'IEND') return { size };
    off = end;
  }
}

/** Images thinner than this (long side : short side) cannot be run: the short side would vanish in the backbone. */
export const MAX_ASPECT = 20;

/** The EXIF orientation (1-8) of a JPEG's APP1 segment, or 1. 5-8 mean the stored image is shown rotated by 90°. */
export function jpegOrientation(b: Uint8Array): number {
  let off = 2;
  while (off + 4 < b.length && b[off] === 0xff) {
    const m = b[off + 1];
    const len = (b[off + 2] << 8) | b[off + 3];
    if (m === 0xe1 && off + 10 < b.length && String.fromCharCode(...b.subarray(off + 4, off + 8)) === 'Exif') {
      const t = off + 10; // TIFF header
      if (t + 8 > b.length) return 1;
      const le = b[t] === 0x49;
      const u16 = (p: number) => (p + 2 <= b.length ? (le ? b[p] | (b[p + 1] << 8) : (b[p] << 8) | b[p + 1]) : 0);
      const u32 = (p: number) => (p + 4 <= b.length ? (le ? (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16)) + b[p + 3] * 2 ** 24 : b[p] * 2 ** 24 + ((b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3])) : 0);
      const ifd = t + u32(t + 4);
      const n = u16(ifd);
      for (let i = 0; i < n; i++) {
        const e = ifd + 2 + i * 12;
        if (e + 12 > b.length) break;
        if (u16(e) === 0x0112) {
          const v = u16(e + 8);
          return v >= 1 && v <= 8 ? v : 1;
        }
      }
      return 1;
    }
    if (m === 0xda) return 1; // image data starts: no EXIF before it
    off += 2 + len;
  }
  return 1;
}

/** BMP: width and |height| from the DIB header. */
function bmpSize(b: Uint8Array): [number, number] | undefined {
  if (b.length < 26) return undefined;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return [Math.abs(dv.getInt32(18, true)), Math.abs(dv.getInt32(22, true))];
}

/** WebP: the canvas size of a VP8X, VP8L or VP8 first chunk. */
function webpSize(b: Uint8Array): [number, number] | undefined {
  if (b.length < 30) return undefined;
  const tag = String.fromCharCode(...b.subarray(12, 16));
  if (tag === 'VP8X') return [1 + (b[24] | (b[25] << 8) | (b[26] << 16)), 1 + (b[27] | (b[28] << 8) | (b[29] << 16))];
  if (tag === 'VP8L') {
    const v = b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24);
    return [1 + (v & 0x3fff), 1 + ((v >>> 14) & 0x3fff)];
  }
  if (tag === 'VP8 ') return [(b[26] | (b[27] << 8)) & 0x3fff, (b[28] | (b[29] << 8)) & 0x3fff];
  return undefined;
}

/** AVIF: the first 'ispe' (image spatial extent) property in the header. */
function avifSize(b: Uint8Array): [number, number] | undefined {
  for (let i = 4; i + 16 <= b.length; i++) {
    if (b[i] === 0x69 && b[i + 1] === 0x73 && b[i + 2] === 0x70 && b[i + 3] === 0x65) {
      const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
      return [dv.getUint32(i + 8), dv.getUint32(i + 12)];
    }
  }
  return undefined;
}

function jpegSize(b: Uint8Array): [number, number] | undefined {
  let off = 2;
  while (off + 9 < b.length) {
    if (b[off] !== 0xff) return undefined;
    const m = b[off + 1];
    const len = (b[off + 2] << 8) | b[off + 3];
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) return [(b[off + 7] << 8) | b[off + 8], (b[off + 5] << 8) | b[off + 6]];
    off += 2 + len;
  }
  return undefined;
}

export function sniff(b: Uint8Array, name = ''): Sniffed {
  const lower = name.toLowerCase();
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { kind: 'image', format: 'png', ...checkPng(b) };
  if (startsWith(b, [0xff, 0xd8, 0xff])) {
    const stored = jpegSize(b);
    // The size as shown: EXIF orientations 5-8 turn the stored image by 90 degrees.
    const size = stored && jpegOrientation(b) >= 5 ? ([stored[1], stored[0]] as [number, number]) : stored;
    let end = false;
    for (let i = b.length - 1; i >= Math.max(1, b.length - 4096); i--) if (b[i - 1] === 0xff && b[i] === 0xd9) { end = true; break; }
    return { kind: 'image', format: 'jpeg', size, problem: end ? undefined : 'truncated JPEG: the file has no end-of-image marker' };
  }
  if (startsWith(b, [0x47, 0x49, 0x46, 0x38])) return { kind: 'image', format: 'gif', size: b.length >= 10 ? [b[6] | (b[7] << 8), b[8] | (b[9] << 8)] : undefined };
  if (startsWith(b, [0x52, 0x49, 0x46, 0x46]) && startsWith(b, [0x57, 0x45, 0x42, 0x50], 8)) return { kind: 'image', format: 'webp', size: webpSize(b) };
  if (startsWith(b, [0x42, 0x4d])) return { kind: 'image', format: 'bmp', size: bmpSize(b) };
  if (startsWith(b, [0x66, 0x74, 0x79, 0x70], 4) && startsWith(b, [0x61, 0x76, 0x69, 0x66], 8)) return { kind: 'image', format: 'avif', size: avifSize(b) };
  if (startsWith(b, [0x50, 0x4b, 0x03, 0x04]) || (b[0] === 0x80 && b[1] >= 2 && b[1] <= 5)) return { kind: 'checkpoint' };
  if (/\.(pth|pt|ckpt|bin)$/.test(lower)) return { kind: 'checkpoint' };
  if (lower.endsWith('.safetensors')) return { kind: 'safetensors' };
  if (looksText(b)) return { kind: 'text' };
  return { kind: 'unknown' };
}

export class InputError extends Error {}

export interface DecodedImage {
  canvas: HTMLCanvasElement;
  width: number;
  height: number;
  /** Size of the file's image before any downscaling. */
  origWidth: number;
  origHeight: number;
  rgb: Uint8ClampedArray;
  name: string;
}

export function describeUnsupported(s: Sniffed, name: string): string {
  if (s.kind === 'text') return `"${name}" is a text file, not an image. Drop a PNG, JPEG, GIF, WebP or BMP image, or an official DETR-family .pth checkpoint.`;
  return `"${name}" is not a supported image or checkpoint (unrecognised file header). Drop a PNG, JPEG, GIF, WebP or BMP image, or an official DETR-family .pth checkpoint.`;
}

/** RGBA canvas -> packed RGB. */
export function canvasRgb(c: HTMLCanvasElement): Uint8ClampedArray {
  const { data } = c.getContext('2d', { willReadFrequently: true })!.getImageData(0, 0, c.width, c.height);
  const rgb = new Uint8ClampedArray(c.width * c.height * 3);
  for (let i = 0, j = 0; i < data.length; i += 4, j += 3) {
    rgb[j] = data[i];
    rgb[j + 1] = data[i + 1];
    rgb[j + 2] = data[i + 2];
  }
  return rgb;
}

export function rgbToCanvas(rgb: ArrayLike<number>, w: number, h: number): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = w;
  c.height = h;
  const img = new ImageData(w, h);
  for (let i = 0, j = 0; j < rgb.length; i += 4, j += 3) {
    img.data[i] = rgb[j];
    img.data[i + 1] = rgb[j + 1];
    img.data[i + 2] = rgb[j + 2];
    img.data[i + 3] = 255;
  }
  c.getContext('2d')!.putImageData(img, 0, 0);
  return c;
}

/** Decodes an image file, downscaling it to at most MAX_IMAGE_SIDE on its longer side. */
export async function decodeImage(blob: Blob, name: string, sniffed: Sniffed): Promise<DecodedImage> {
  if (sniffed.problem) throw new InputError(`"${name}": ${sniffed.problem}. The current image is kept.`);
  if (sniffed.size && sniffed.size[0] * sniffed.size[1] > MAX_PIXELS)
    throw new InputError(`"${name}" is ${sniffed.size[0]}×${sniffed.size[1]} pixels, more than ${MAX_PIXELS / 1e6} megapixels; please downscale it first.`);
  const thin = (w: number, h: number) => Math.max(w, h) > MAX_ASPECT * Math.max(1, Math.min(w, h));
  const tooThin = (w: number, h: number) =>
    new InputError(`"${name}" is ${w}×${h} pixels, more than ${MAX_ASPECT}:1; its short side would vanish in the model's backbone. Crop it first. The current image is kept.`);
  if (sniffed.size && thin(sniffed.size[0], sniffed.size[1])) throw tooThin(sniffed.size[0], sniffed.size[1]);
  let bmp: ImageBitmap;
  try {
    if (sniffed.size) {
      const [w, h] = fitWithin(sniffed.size[0], sniffed.size[1], MAX_IMAGE_SIDE);
      bmp = await createImageBitmap(blob, w !== sniffed.size[0] ? { resizeWidth: w, resizeHeight: h, resizeQuality: 'high' } : {});
    } else bmp = await createImageBitmap(blob);
  } catch (e) {
    throw new InputError(`"${name}" could not be decoded as ${sniffed.format?.toUpperCase() ?? 'an image'} (${(e as Error).message}); the file may be corrupt or truncated. The current image is kept.`);
  }
  if (thin(bmp.width, bmp.height)) {
    const [w, h] = [bmp.width, bmp.height];
    bmp.close();
    throw tooThin(w, h);
  }
  const origWidth = sniffed.size?.[0] ?? bmp.width;
  const origHeight = sniffed.size?.[1] ?? bmp.height;
  const [w, h] = fitWithin(bmp.width, bmp.height, MAX_IMAGE_SIDE);
  const c = document.createElement('canvas');
  c.width = w;
  c.height = h;
  c.getContext('2d')!.drawImage(bmp, 0, 0, w, h);
  bmp.close();
  return { canvas: c, width: w, height: h, origWidth: sniffed.size ? origWidth : bmp.width || w, origHeight: sniffed.size ? origHeight : bmp.height || h, rgb: canvasRgb(c), name };
}
