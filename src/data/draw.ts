/**
 * Drawing helpers on RGB byte images (boxes, tiny bitmap labels) and a gallery grid of scenes.
 * Plain TypeScript, usable in Node and the browser.
 */
import { CLASS_NAMES } from './scene';
import type { Scene, SceneObject } from './scene';

export interface RgbImage {
  width: number;
  height: number;
  /** RGB, length width * height * 3. */
  pixels: Uint8ClampedArray;
}

/** One distinct colour per class index. */
export const CLASS_COLORS: [number, number, number][] = [
  [255, 64, 64], [64, 160, 255], [80, 230, 80], [255, 220, 40],
  [255, 80, 255], [40, 240, 240], [255, 150, 40], [170, 120, 255],
];

function setPx(img: RgbImage, x: number, y: number, c: readonly number[]): void {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
  const o = (y * img.width + x) * 3;
  img.pixels[o] = c[0];
  img.pixels[o + 1] = c[1];
  img.pixels[o + 2] = c[2];
}

export function fillRect(img: RgbImage, x0: number, y0: number, w: number, h: number, c: readonly number[]): void {
  for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) setPx(img, x, y, c);
}

/** Outline of the pixel rectangle [x0, x0 + w) x [y0, y0 + h), `t` px thick, optionally dashed. */
export function strokeRect(img: RgbImage, x0: number, y0: number, w: number, h: number, c: readonly number[], t = 1, dash = 0): void {
  const on = (i: number) => dash === 0 || Math.floor(i / dash) % 2 === 0;
  for (let k = 0; k < t; k++) {
    for (let x = x0; x < x0 + w; x++) {
      if (!on(x - x0)) continue;
      setPx(img, x, y0 + k, c);
      setPx(img, x, y0 + h - 1 - k, c);
    }
    for (let y = y0; y < y0 + h; y++) {
      if (!on(y - y0)) continue;
      setPx(img, x0 + k, y, c);
      setPx(img, x0 + w - 1 - k, y, c);
    }
  }
}

// 3x5 bitmap font: upper-case letters of the class names, digits, "-" and " " (rows joined by "/").
const FONT: Record<string, string> = {
  'A': '.#./#.#/###/#.#/#.#', 'C': '.##/#../#../#../.##', 'D': '##./#.#/#.#/#.#/##.', 'E': '###/#../##./#../###',
  'G': '.##/#../#.#/#.#/.##', 'H': '#.#/#.#/###/#.#/#.#', 'I': '###/.#./.#./.#./###', 'L': '#../#../#../#../###',
  'N': '##./#.#/#.#/#.#/#.#', 'O': '.#./#.#/#.#/#.#/.#.', 'Q': '.#./#.#/#.#/##./.##', 'R': '##./#.#/##./#.#/#.#',
  'S': '.##/#../.#./..#/##.', 'T': '###/.#./.#./.#./.#.', 'U': '#.#/#.#/#.#/#.#/###', 'W': '#.#/#.#/###/###/#.#',
  '0': '###/#.#/#.#/#.#/###', '1': '.#./##./.#./.#./###', '2': '##./..#/.#./#../###', '3': '##./..#/.#./..#/##.',
  '4': '#.#/#.#/###/..#/..#', '5': '###/#../##./..#/##.', '6': '.##/#../###/#.#/###', '7': '###/..#/.#./.#./.#.',
  '8': '###/#.#/###/#.#/###', '9': '###/#.#/###/..#/##.', '-': '.../.../###/.../...', ' ': '.../.../.../.../...',
};

/** Draws `text` with the 3x5 font scaled by `s`; returns the width in pixels. */
export function drawText(img: RgbImage, x0: number, y0: number, text: string, c: readonly number[], s = 1): number {
  let x = x0;
  for (const ch of text.toUpperCase()) {
    const g = FONT[ch] ?? FONT[' '];
    for (let r = 0; r < 5; r++) {
      for (let col = 0; col < 3; col++) {
        if (g[r * 4 + col] === '#') fillRect(img, x + col * s, y0 + r * s, s, s, c);
      }
    }
    x += 4 * s;
  }
  return x - x0 - s;
}

export function textWidth(text: string, s = 1): number {
  return text.length * 4 * s - s;
}

/** Nearest-neighbour upscaling by an integer factor. */
export function upscale(src: RgbImage, f: number): RgbImage {
  const w = src.width * f;
  const h = src.height * f;
  const out = new Uint8ClampedArray(w * h * 3);
  for (let y = 0; y < h; y++) {
    const sy = Math.floor(y / f);
    for (let x = 0; x < w; x++) {
      const si = (sy * src.width + Math.floor(x / f)) * 3;
      const di = (y * w + x) * 3;
      out[di] = src.pixels[si];
      out[di + 1] = src.pixels[si + 1];
      out[di + 2] = src.pixels[si + 2];
    }
  }
  return { width: w, height: h, pixels: out };
}

/** Draws the annotation boxes (scaled by `scale`) with class labels; hidden objects dashed grey. */
export function drawAnnotations(img: RgbImage, objects: SceneObject[], scale = 1, hidden: SceneObject[] = [], labels = true): void {
  for (const o of hidden) {
    const [x, y, w, h] = o.bbox;
    if (w > 0 && h > 0) strokeRect(img, x * scale, y * scale, w * scale, h * scale, [160, 160, 160], 1, 3);
  }
  for (const o of objects) {
    const [x, y, w, h] = o.bbox;
    const c = CLASS_COLORS[o.classId % CLASS_COLORS.length];
    strokeRect(img, x * scale, y * scale, w * scale, h * scale, c, 1);
    if (!labels) continue;
    const name = CLASS_NAMES[o.classId] ?? String(o.classId);
    const tw = textWidth(name);
    let ty = y * scale - 7;
    if (ty < 0) ty = y * scale + 1;
    const tx = Math.min(Math.max(0, x * scale), img.width - tw - 2);
    fillRect(img, tx, ty, tw + 2, 7, [0, 0, 0]);
    drawText(img, tx + 1, ty + 1, name, c);
  }
}

/** A grid of scenes (upscaled by `scale`) with their boxes drawn in. */
export function makeGallery(scenes: Scene[], opts: { cols?: number; scale?: number; pad?: number } = {}): RgbImage {
  const cols = opts.cols ?? 4;
  const scale = opts.scale ?? 2;
  const pad = opts.pad ?? 6;
  const rows = Math.ceil(scenes.length / cols);
  const cw = Math.max(...scenes.map((s) => s.width)) * scale;
  const ch = Math.max(...scenes.map((s) => s.height)) * scale;
  const width = cols * cw + (cols + 1) * pad;
  const height = rows * ch + (rows + 1) * pad;
  const out: RgbImage = { width, height, pixels: new Uint8ClampedArray(width * height * 3).fill(24) };
  scenes.forEach((s, i) => {
    const tile = upscale(s, scale);
    drawAnnotations(tile, s.objects, scale, s.hidden);
    const ox = pad + (i % cols) * (cw + pad);
    const oy = pad + Math.floor(i / cols) * (ch + pad);
    for (let y = 0; y < tile.height; y++) {
      const d = ((oy + y) * width + ox) * 3;
      out.pixels.set(tile.pixels.subarray(y * tile.width * 3, (y + 1) * tile.width * 3), d);
    }
  });
  return out;
}
