import { describe, expect, it } from 'vitest';
import { jpegOrientation, sniff } from '../../src/app/imageInput';

/** A minimal JPEG header: SOI, optional EXIF APP1 with an orientation, SOF0 with the stored size, EOI. */
function jpeg(w: number, h: number, orientation?: number, littleEndian = false): Uint8Array {
  const u16 = (v: number) => (littleEndian ? [v & 0xff, v >> 8] : [v >> 8, v & 0xff]);
  const u32 = (v: number) => (littleEndian ? [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >>> 24] : [v >>> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff]);
  const parts: number[] = [0xff, 0xd8];
  if (orientation !== undefined) {
    const tiff = [...(littleEndian ? [0x49, 0x49] : [0x4d, 0x4d]), ...u16(42), ...u32(8), ...u16(1), ...u16(0x0112), ...u16(3), ...u32(1), ...u16(orientation), 0, 0, ...u32(0)];
    const body = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff];
    parts.push(0xff, 0xe1, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body);
  }
  parts.push(0xff, 0xc0, 0, 17, 8, h >> 8, h & 0xff, w >> 8, w & 0xff, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1);
  parts.push(0xff, 0xd9);
  return Uint8Array.from(parts);
}

describe('image headers', () => {
  it('a JPEG turned by EXIF (orientation 5-8) reports the size it is shown at', () => {
    expect(jpegOrientation(jpeg(3000, 1000, 6))).toBe(6);
    expect(jpegOrientation(jpeg(3000, 1000, 6, true))).toBe(6);
    expect(sniff(jpeg(3000, 1000, 6), 'p.jpg').size).toEqual([1000, 3000]);
    expect(sniff(jpeg(3000, 1000, 3), 'p.jpg').size).toEqual([3000, 1000]);
    expect(sniff(jpeg(3000, 1000), 'p.jpg').size).toEqual([3000, 1000]);
  });

  it('reads the size of BMP, WebP (VP8X, VP8L) and AVIF headers, for the same size checks as PNG', () => {
    const bmp = new Uint8Array(54);
    const dv = new DataView(bmp.buffer);
    bmp.set([0x42, 0x4d]);
    dv.setInt32(18, 640, true);
    dv.setInt32(22, -480, true); // top-down
    expect(sniff(bmp, 'a.bmp').size).toEqual([640, 480]);

    const riff = (tag: string, payload: number[]) => Uint8Array.from([...'RIFF'].map((c) => c.charCodeAt(0)).concat([0, 0, 0, 0], [...'WEBP'].map((c) => c.charCodeAt(0)), [...tag].map((c) => c.charCodeAt(0)), [0, 0, 0, 0], payload, new Array(16).fill(0)));
    // VP8X: 24-bit width-1 and height-1 at bytes 24 and 27.
    expect(sniff(riff('VP8X', [0, 0, 0, 0, 0x7f, 0x0c, 0, 0xdf, 0x01, 0]), 'a.webp').size).toEqual([3200, 480]);
    // VP8L: 14-bit width-1, 14-bit height-1 after the 0x2f signature.
    const v = (100 - 1) | ((50 - 1) << 14);
    expect(sniff(riff('VP8L', [0x2f, v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff]), 'a.webp').size).toEqual([100, 50]);

    const avif = Uint8Array.from([0, 0, 0, 24, ...[...'ftypavif'].map((c) => c.charCodeAt(0)), 0, 0, 0, 0, 0, 0, 0, 20, ...[...'ispe'].map((c) => c.charCodeAt(0)), 0, 0, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0x05, 0]);
    expect(sniff(avif, 'a.avif').size).toEqual([2560, 1280]);
  });
});
