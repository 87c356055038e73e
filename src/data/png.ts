/**
 * Minimal PNG encoder (8-bit greyscale, RGB or RGBA), no dependencies and no Node modules.
 *
 * The zlib stream is produced by the `deflate` function passed in (e.g. Node's
 * `zlib.deflateSync`); without one, an uncompressed ("stored") zlib stream is written, which
 * every PNG reader accepts. Rows use the Paeth filter when compressing, none otherwise.
 */

/** Must return a zlib-wrapped (RFC 1950) deflate stream of `data`. */
export type DeflateFn = (data: Uint8Array) => Uint8Array;

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < bytes.length; ) {
    const end = Math.min(bytes.length, i + 5552);
    for (; i < end; i++) {
      a += bytes[i];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** zlib stream with uncompressed (stored) deflate blocks. */
export function storedDeflate(data: Uint8Array): Uint8Array {
  const nBlocks = Math.max(1, Math.ceil(data.length / 65535));
  const out = new Uint8Array(2 + data.length + nBlocks * 5 + 4);
  out[0] = 0x78;
  out[1] = 0x01;
  let o = 2;
  for (let b = 0; b < nBlocks; b++) {
    const start = b * 65535;
    const len = Math.min(65535, data.length - start);
    out[o++] = b === nBlocks - 1 ? 1 : 0;
    out[o++] = len & 0xff;
    out[o++] = len >>> 8;
    out[o++] = ~len & 0xff;
    out[o++] = (~len >>> 8) & 0xff;
    out.set(data.subarray(start, start + len), o);
    o += len;
  }
  const ad = adler32(data);
  out[o++] = ad >>> 24;
  out[o++] = (ad >>> 16) & 0xff;
  out[o++] = (ad >>> 8) & 0xff;
  out[o] = ad & 0xff;
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  if (pb <= pc) return b;
  return c;
}

/**
 * Encodes `pixels` (row-major, `channels` bytes per pixel: 1 grey, 3 RGB, 4 RGBA) as a PNG file.
 */
export function encodePng(
  width: number,
  height: number,
  pixels: ArrayLike<number>,
  channels: 1 | 3 | 4 = 3,
  deflate?: DeflateFn,
): Uint8Array {
  if (pixels.length !== width * height * channels) {
    throw new Error(`encodePng: expected ${width * height * channels} values, got ${pixels.length}`);
  }
  const stride = width * channels;
  const raw = new Uint8Array((stride + 1) * height);
  const usePaeth = deflate !== undefined;
  for (let y = 0; y < height; y++) {
    const o = y * (stride + 1);
    const row = y * stride;
    raw[o] = usePaeth ? 4 : 0;
    for (let i = 0; i < stride; i++) {
      const v = pixels[row + i] & 0xff;
      if (!usePaeth) {
        raw[o + 1 + i] = v;
        continue;
      }
      const a = i >= channels ? pixels[row + i - channels] & 0xff : 0;
      const b = y > 0 ? pixels[row - stride + i] & 0xff : 0;
      const c = i >= channels && y > 0 ? pixels[row - stride + i - channels] & 0xff : 0;
      raw[o + 1 + i] = (v - paeth(a, b, c)) & 0xff;
    }
  }
  const idat = (deflate ?? storedDeflate)(raw);
  const colorType = channels === 1 ? 0 : channels === 3 ? 2 : 6;
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = colorType;
  ihdr[10] = 0; // compression
  ihdr[11] = 0; // filter
  ihdr[12] = 0; // interlace
  const chunks: [string, Uint8Array][] = [['IHDR', ihdr], ['IDAT', idat], ['IEND', new Uint8Array(0)]];
  let total = 8;
  for (const [, d] of chunks) total += 12 + d.length;
  const out = new Uint8Array(total);
  out.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 0);
  const odv = new DataView(out.buffer);
  let o = 8;
  for (const [type, d] of chunks) {
    odv.setUint32(o, d.length);
    for (let i = 0; i < 4; i++) out[o + 4 + i] = type.charCodeAt(i);
    out.set(d, o + 8);
    odv.setUint32(o + 8 + d.length, crc32(out, o + 4, o + 8 + d.length));
    o += 12 + d.length;
  }
  return out;
}
