/**
 * Synthetic detection scenes: shapes of 8 classes on cluttered, textured backgrounds.
 *
 * Everything is computed in plain TypeScript from a seed: a seeded integer PRNG (`Rng`),
 * signed-distance shapes (`shapes.ts`) and float arithmetic limited to +, -, *, /, sqrt,
 * floor, min/max/abs. No Math.random, no trigonometric/exp/log/pow functions, no canvas,
 * no native code, so a seed gives the same bytes in Node and in the browser.
 *
 * Pixels: `Uint8ClampedArray` RGB, row-major, length width*height*3, (x, y) at index
 * (y*width + x)*3. Pixel (x, y) covers [x, x+1) x [y, y+1).
 *
 * Antialiasing: analytic coverage from the signed distance, alpha = clamp(0.5 - d, 0, 1).
 *
 * Annotations: objects are painted in order (later ones occlude earlier ones). The visible
 * coverage of object i at a pixel is alpha_i * prod_{j > i} (1 - alpha_j). Its mask is the set
 * of pixels with visible coverage >= 0.5; `bbox` is the tight integer box around that mask
 * (COCO xywh, pixel units: [x0, y0, x1 - x0 + 1, y1 - y0 + 1]), `area` the sum of visible
 * coverage (like a COCO segmentation area). Objects whose visible area is below
 * (1 - maxOcclusion) of their full area (occlusion or image border) are not annotated: they
 * are listed in `hidden` instead of `objects`.
 */
import { deriveSeed, hash3, Rng } from './rng';
import {
  DIR10_X, DIR10_Y, EllipticShape, HEX_X, HEX_Y, OutlineShape, PolygonShape, PolylineShape,
} from './shapes';
import type { Frame, Shape } from './shapes';

/** Class names; `classId` is the index here. COCO category id = classId + 1. */
export const CLASS_NAMES = ['circle', 'square', 'triangle', 'star', 'cross', 'ring', 'crescent', 'arrow'] as const;
export type ClassName = (typeof CLASS_NAMES)[number];
export const NUM_CLASSES = CLASS_NAMES.length;

/** Smallest nominal size (px) per class, so that thin parts stay at least ~1.5 px wide. */
const CLASS_MIN_SIZE = [8, 8, 9, 12, 10, 12, 12, 12];

export interface SceneOptions {
  /** Image width in pixels (default 128). */
  width?: number;
  /** Image height in pixels (default 128). */
  height?: number;
  /** Fewest objects painted (default 0). */
  minObjects?: number;
  /** Most objects painted (default 10). Fewer may be placed when the image is crowded. */
  maxObjects?: number;
  /** Smallest nominal object size (longer side before rotation), px (default 8). */
  minSize?: number;
  /** Largest nominal object size, px (default half the shorter image side). */
  maxSize?: number;
  /** Objects hidden by more than this fraction are not annotated (default 0.7). */
  maxOcclusion?: number;
  /** Background clutter: lines, blobs, outlines and low-contrast non-class shapes (default true). */
  distractors?: boolean;
  /** Per-pixel sensor noise (default true). */
  noise?: boolean;
  /** Also return each object's visible-coverage mask and geometry (debug / tests). */
  debugMasks?: boolean;
}

/** `[x, y, width, height]` in pixels (COCO xywh). */
export type BoxXYWH = [number, number, number, number];

export interface SceneObject {
  classId: number;
  bbox: BoxXYWH;
  /** Visible area in pixels (sum of visible coverage). */
  area: number;
  /** Visible area / full area of the shape (1 = fully visible). */
  visibleFraction: number;
}

export interface Scene {
  seed: number;
  width: number;
  height: number;
  /** RGB, length width * height * 3. */
  pixels: Uint8ClampedArray;
  /** Annotated objects, in paint order (back to front). */
  objects: SceneObject[];
  /** Painted but too occluded / truncated to annotate (bbox may be empty: [0, 0, 0, 0]). */
  hidden: SceneObject[];
  /** With `debugMasks`: visible coverage (0..1, width*height) of each entry of `objects`. */
  masks?: Float32Array[];
  /** With `debugMasks`: the same for `hidden`. */
  hiddenMasks?: Float32Array[];
  /** With `debugMasks`: the geometry of each entry of `objects` (signed distance, pixels). */
  shapes?: Shape[];
  /** With `debugMasks`: the same for `hidden`. */
  hiddenShapes?: Shape[];
}

type RGB = [number, number, number];

/** HSV (h in [0, 6), s, v in [0, 1]) to RGB 0..255. */
function hsv(h: number, s: number, v: number): RGB {
  const i = Math.floor(h) % 6;
  const f = h - Math.floor(h);
  const p = v * (1 - s);
  const q = v * (1 - s * f);
  const t = v * (1 - s * (1 - f));
  const rgb: RGB[] = [[v, t, p], [q, v, p], [p, v, t], [p, q, v], [t, p, v], [v, p, q]];
  const c = rgb[i];
  return [c[0] * 255, c[1] * 255, c[2] * 255];
}

function randomColor(rng: Rng): RGB {
  if (rng.chance(0.12)) {
    const g = rng.range(0.05, 0.95) * 255;
    return [g, g, g];
  }
  return hsv(rng.range(0, 6), rng.range(0.25, 1), rng.range(0.2, 1));
}

function dist(a: RGB, b: RGB): number {
  const dr = a[0] - b[0];
  const dg = a[1] - b[1];
  const db = a[2] - b[2];
  return Math.sqrt(dr * dr + dg * dg + db * db);
}

/** A colour at least `minDist` from `ref` (best of a few tries). */
function contrastingColor(rng: Rng, ref: RGB, minDist: number): RGB {
  let best = randomColor(rng);
  let bestD = dist(best, ref);
  for (let i = 0; i < 12 && bestD < minDist; i++) {
    const c = randomColor(rng);
    const d = dist(c, ref);
    if (d > bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

/** A colour near `c` (low contrast). */
function nearColor(rng: Rng, c: RGB, amount: number): RGB {
  return [
    c[0] + rng.range(-amount, amount),
    c[1] + rng.range(-amount, amount),
    c[2] + rng.range(-amount, amount),
  ];
}

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);
const smooth = (t: number) => t * t * (3 - 2 * t);

/** Antialiased square wave in [0, 1] of period `p` px at coordinate `u`. */
function squareWave(u: number, p: number): number {
  const f = u / p - Math.floor(u / p); // [0, 1)
  const tri = Math.abs(2 * f - 1); // 1 at edges of a period, 0 in the middle
  return clamp01((tri - 0.5) * p + 0.5);
}

// ---------------------------------------------------------------------------------------------
// Background and distractors

function paintBackground(rng: Rng, img: Float32Array, w: number, h: number): void {
  const c0 = randomColor(rng);
  const kind = rng.weighted([1, 2, 2, 1, 1]);
  const lowContrast = rng.range(15, 70);
  const c1 = kind === 1 || kind === 2 ? (rng.chance(0.5) ? randomColor(rng) : nearColor(rng, c0, 90)) : nearColor(rng, c0, lowContrast);
  const [rc, rs] = rng.rotation();
  const period = rng.range(4, 20);
  const gridN = rng.int(2, 7);
  const grid = new Float32Array((gridN + 2) * (gridN + 2));
  for (let i = 0; i < grid.length; i++) grid[i] = rng.next();
  const ext = Math.abs(rc) * w + Math.abs(rs) * h;
  const cell = Math.max(w, h) / gridN;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      let t: number;
      switch (kind) {
        case 0: // solid
          t = 0;
          break;
        case 1: // linear gradient
          t = clamp01(((px - w / 2) * rc + (py - h / 2) * rs) / ext + 0.5);
          break;
        case 2: { // smooth value noise ("clouds")
          const gx = px / cell;
          const gy = py / cell;
          const ix = Math.floor(gx);
          const iy = Math.floor(gy);
          const fx = smooth(gx - ix);
          const fy = smooth(gy - iy);
          const s = gridN + 2;
          const a = grid[iy * s + ix];
          const b = grid[iy * s + ix + 1];
          const c = grid[(iy + 1) * s + ix];
          const d = grid[(iy + 1) * s + ix + 1];
          t = a + (b - a) * fx + (c - a) * fy + (a - b - c + d) * fx * fy;
          break;
        }
        case 3: // stripes
          t = squareWave(px * rc + py * rs, period);
          break;
        default: // checker
          {
            const mx = squareWave(px * rc + py * rs, period);
            const my = squareWave(-px * rs + py * rc, period);
            t = mx + my - 2 * mx * my;
          }
      }
      const o = (y * w + x) * 3;
      img[o] = c0[0] + (c1[0] - c0[0]) * t;
      img[o + 1] = c0[1] + (c1[1] - c0[1]) * t;
      img[o + 2] = c0[2] + (c1[2] - c0[2]) * t;
    }
  }
  // fine texture (grain) on part of the backgrounds: one random value per scale x scale block
  if (rng.chance(0.5)) {
    const amp = rng.range(4, 22);
    const scale = rng.int(1, 3);
    const gw = Math.ceil(w / scale);
    const gh = Math.ceil(h / scale);
    const grain = new Float32Array(gw * gh);
    let st = rng.u32() | 1;
    for (let i = 0; i < grain.length; i++) {
      st ^= st << 13;
      st ^= st >>> 17;
      st ^= st << 5;
      grain[i] = ((st >>> 0) / 4294967296 - 0.5) * 2 * amp;
    }
    for (let y = 0; y < h; y++) {
      const gy = Math.floor(y / scale) * gw;
      for (let x = 0; x < w; x++) {
        const n = grain[gy + Math.floor(x / scale)];
        const o = (y * w + x) * 3;
        img[o] += n;
        img[o + 1] += n;
        img[o + 2] += n;
      }
    }
  }
}

function pixelRange(shape: Shape, w: number, h: number): [number, number, number, number] {
  const b = shape.bounds;
  return [
    Math.max(0, Math.floor(b[0]) - 1),
    Math.max(0, Math.floor(b[1]) - 1),
    Math.min(w - 1, Math.ceil(b[2]) + 1),
    Math.min(h - 1, Math.ceil(b[3]) + 1),
  ];
}

/** Composites a solid colour through the shape's antialiased coverage times `alpha`. */
function paintSolid(img: Float32Array, w: number, h: number, shape: Shape, col: RGB, alpha: number): void {
  const [x0, y0, x1, y1] = pixelRange(shape, w, h);
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const a = clamp01(0.5 - shape.sdf(x + 0.5, y + 0.5)) * alpha;
      if (a <= 0) continue;
      const o = (y * w + x) * 3;
      img[o] += (col[0] - img[o]) * a;
      img[o + 1] += (col[1] - img[o + 1]) * a;
      img[o + 2] += (col[2] - img[o + 2]) * a;
    }
  }
}

/** Soft elliptic blob without a sharp edge. */
function paintBlob(img: Float32Array, w: number, h: number, f: Frame, rx: number, ry: number, col: RGB, alpha: number): void {
  const r = Math.max(rx, ry);
  const xa = Math.max(0, Math.floor(f.cx - r));
  const xb = Math.min(w - 1, Math.ceil(f.cx + r));
  const ya = Math.max(0, Math.floor(f.cy - r));
  const yb = Math.min(h - 1, Math.ceil(f.cy + r));
  for (let y = ya; y <= yb; y++) {
    for (let x = xa; x <= xb; x++) {
      const dx = x + 0.5 - f.cx;
      const dy = y + 0.5 - f.cy;
      const lx = (f.cos * dx + f.sin * dy) / rx;
      const ly = (-f.sin * dx + f.cos * dy) / ry;
      const q = 1 - (lx * lx + ly * ly);
      if (q <= 0) continue;
      const a = q * q * alpha;
      const o = (y * w + x) * 3;
      img[o] += (col[0] - img[o]) * a;
      img[o + 1] += (col[1] - img[o + 1]) * a;
      img[o + 2] += (col[2] - img[o + 2]) * a;
    }
  }
}

function meanColor(img: Float32Array, w: number, h: number, x0: number, y0: number, x1: number, y1: number): RGB {
  const xa = Math.max(0, Math.floor(x0));
  const xb = Math.min(w - 1, Math.ceil(x1));
  const ya = Math.max(0, Math.floor(y0));
  const yb = Math.min(h - 1, Math.ceil(y1));
  let r = 0, g = 0, b = 0, n = 0;
  for (let y = ya; y <= yb; y += 2) {
    for (let x = xa; x <= xb; x += 2) {
      const o = (y * w + x) * 3;
      r += img[o];
      g += img[o + 1];
      b += img[o + 2];
      n++;
    }
  }
  return n ? [r / n, g / n, b / n] : [128, 128, 128];
}

// Non-class polygons for distractors: pentagon, hexagon, parallelogram, trapezoid.
const PENT_X = [DIR10_X[0], DIR10_X[2], DIR10_X[4], DIR10_X[6], DIR10_X[8]];
const PENT_Y = [DIR10_Y[0], DIR10_Y[2], DIR10_Y[4], DIR10_Y[6], DIR10_Y[8]];
const PARA_X = [-1, 0.35, 1, -0.35];
const PARA_Y = [-1, -1, 1, 1];
const TRAP_X = [-0.45, 0.45, 1, -1];
const TRAP_Y = [-0.8, -0.8, 0.8, 0.8];
const DISTRACTOR_POLYS: [number[], number[]][] = [[PENT_X, PENT_Y], [HEX_X, HEX_Y], [PARA_X, PARA_Y], [TRAP_X, TRAP_Y]];

function randomFrame(rng: Rng, w: number, h: number, margin = 0): Frame {
  const [c, s] = rng.rotation();
  return { cx: rng.range(-margin, w + margin), cy: rng.range(-margin, h + margin), cos: c, sin: s };
}

function paintDistractors(rng: Rng, img: Float32Array, w: number, h: number): void {
  const scale = Math.sqrt((w * h) / (128 * 128));
  const n = Math.round(rng.int(0, 8) * scale);
  const minSide = Math.min(w, h);
  for (let i = 0; i < n; i++) {
    const kind = rng.weighted([3, 2, 3, 1.5, 2, 1]);
    const f = randomFrame(rng, w, h, 10);
    const local = meanColor(img, w, h, f.cx - 4, f.cy - 4, f.cx + 4, f.cy + 4);
    switch (kind) {
      case 0: { // straight line, often long
        const len = rng.range(0.2, 1.2) * minSide;
        const xs = [f.cx - (f.cos * len) / 2, f.cx + (f.cos * len) / 2];
        const ys = [f.cy - (f.sin * len) / 2, f.cy + (f.sin * len) / 2];
        const shape = new PolylineShape(xs, ys, rng.range(0.35, 1.6));
        paintSolid(img, w, h, shape, randomColor(rng), rng.range(0.35, 1));
        break;
      }
      case 1: { // scribble: random walk polyline
        const xs = [f.cx];
        const ys = [f.cy];
        const steps = rng.int(3, 7);
        const stepLen = rng.range(0.04, 0.18) * minSide;
        for (let k = 0; k < steps; k++) {
          const [c, s] = rng.rotation();
          xs.push(xs[k] + c * stepLen);
          ys.push(ys[k] + s * stepLen);
        }
        paintSolid(img, w, h, new PolylineShape(xs, ys, rng.range(0.35, 1.3)), randomColor(rng), rng.range(0.35, 1));
        break;
      }
      case 2: { // soft blob
        const rx = rng.range(0.04, 0.3) * minSide;
        const ry = rx * rng.range(0.4, 1);
        const col = rng.chance(0.5) ? nearColor(rng, local, 70) : randomColor(rng);
        paintBlob(img, w, h, f, rx, ry, col, rng.range(0.3, 0.9));
        break;
      }
      case 3: { // thin outline of a polygon
        const [px, py] = DISTRACTOR_POLYS[rng.int(0, DISTRACTOR_POLYS.length - 1)];
        const r = rng.range(0.06, 0.25) * minSide;
        const poly = PolygonShape.fromLocal(px, py, f, r, r * rng.range(0.6, 1));
        paintSolid(img, w, h, new OutlineShape(poly, rng.range(0.35, 0.8)), randomColor(rng), rng.range(0.4, 0.9));
        break;
      }
      case 4: { // low-contrast filled non-class polygon
        const [px, py] = DISTRACTOR_POLYS[rng.int(0, DISTRACTOR_POLYS.length - 1)];
        const r = rng.range(0.06, 0.25) * minSide;
        const poly = PolygonShape.fromLocal(px, py, f, r, r * rng.range(0.6, 1));
        paintSolid(img, w, h, poly, nearColor(rng, local, 55), rng.range(0.3, 0.8));
        break;
      }
      default: { // speckles, below the smallest object size
        const m = rng.int(3, 12);
        const col = randomColor(rng);
        for (let k = 0; k < m; k++) {
          const cx = f.cx + rng.range(-0.15, 0.15) * minSide;
          const cy = f.cy + rng.range(-0.15, 0.15) * minSide;
          const shape = new EllipticShape({ cx, cy, cos: 1, sin: 0 }, rng.range(0.6, 1.6), rng.range(0.6, 1.6), 'ellipse');
          paintSolid(img, w, h, shape, col, rng.range(0.5, 1));
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Objects

interface ObjectPaint {
  /** 0 solid, 1 stripes, 2 checker, 3 linear gradient, 4 radial gradient, 5 noise */
  texture: number;
  c1: RGB;
  c2: RGB;
  period: number;
  /** texture direction in the object frame */
  tc: number;
  ts: number;
  /** half extent used to normalise gradients */
  r: number;
  noiseSeed: number;
  /** outline stroke width in px (0 = none) and colour */
  stroke: number;
  strokeColor: RGB;
}

function makeShape(rng: Rng, classId: number, f: Frame, rx: number, ry: number): Shape {
  const rmin = Math.min(rx, ry);
  switch (classId) {
    case 0:
      return new EllipticShape(f, rx, ry, 'ellipse');
    case 1:
      return PolygonShape.fromLocal([-1, 1, 1, -1], [-1, -1, 1, 1], f, rx, ry);
    case 2: {
      const ax = rng.range(-0.35, 0.35);
      return PolygonShape.fromLocal([ax, 1, -1], [-1, 0.8, 0.8], f, rx, ry);
    }
    case 3: {
      const rho = rng.range(0.38, 0.55);
      const xs: number[] = [];
      const ys: number[] = [];
      for (let k = 0; k < 10; k++) {
        const m = k % 2 === 0 ? 1 : rho;
        xs.push(DIR10_X[k] * m);
        ys.push(DIR10_Y[k] * m);
      }
      return PolygonShape.fromLocal(xs, ys, f, rx, ry);
    }
    case 4: {
      const wmin = Math.min(0.45, 1.1 / rmin);
      const a = Math.max(wmin, rng.range(0.2, 0.36));
      const xs = [-a, a, a, 1, 1, a, a, -a, -a, -1, -1, -a];
      const ys = [-1, -1, -a, -a, a, a, 1, 1, a, a, -a, -a];
      return PolygonShape.fromLocal(xs, ys, f, rx, ry);
    }
    case 5: {
      const fmax = Math.max(0.25, Math.min(0.72, 1 - 1.7 / rmin));
      return new EllipticShape(f, rx, ry, 'ring', rng.range(Math.min(0.42, fmax), fmax));
    }
    case 6:
      return new EllipticShape(f, rx, ry, 'crescent', 0, rng.range(0.35, 0.6), rng.range(0.8, 0.95));
    default: {
      const sw = Math.max(Math.min(0.45, 1.0 / ry), rng.range(0.2, 0.32));
      const hx = rng.range(-0.05, 0.35);
      const hh = rng.range(0.65, 1);
      const xs = [-1, hx, hx, 1, hx, hx, -1];
      const ys = [-sw, -sw, -hh, 0, hh, sw, sw];
      return PolygonShape.fromLocal(xs, ys, f, rx, ry);
    }
  }
}

function makePaint(rng: Rng, bg: RGB, r: number, rmin: number): ObjectPaint {
  const lowContrast = rng.chance(0.15);
  const c1 = contrastingColor(rng, bg, lowContrast ? 45 : 90);
  const texture = rng.weighted([4, 1.5, 1, 1.5, 1, 1]);
  let c2: RGB;
  if (texture === 1 || texture === 2) c2 = contrastingColor(rng, c1, 60);
  else c2 = rng.chance(0.5) ? nearColor(rng, c1, 80) : contrastingColor(rng, bg, 60);
  const [tc, ts] = rng.rotation();
  const hasStroke = rmin >= 5 && rng.chance(0.22);
  return {
    texture,
    c1,
    c2,
    period: rng.range(2.5, Math.max(3, Math.min(10, r / 1.5))),
    tc,
    ts,
    r,
    noiseSeed: rng.u32(),
    stroke: hasStroke ? rng.range(0.8, Math.min(2.5, rmin * 0.25)) : 0,
    strokeColor: rng.chance(0.5) ? [c1[0] * 0.35, c1[1] * 0.35, c1[2] * 0.35] : contrastingColor(rng, c1, 80),
  };
}

interface PlacedObject {
  classId: number;
  shape: Shape;
  /** clipped pixel region [x0, y0, x1, y1] (inclusive) of `alpha` */
  rx0: number;
  ry0: number;
  rw: number;
  rh: number;
  /** coverage in the clipped region */
  alpha: Float32Array;
  /** coverage summed over the unclipped shape */
  fullArea: number;
}

function paintObject(
  img: Float32Array, w: number, h: number, shape: Shape, f: Frame, p: ObjectPaint, classId: number,
): PlacedObject {
  const b = shape.bounds;
  const ux0 = Math.floor(b[0]) - 1;
  const uy0 = Math.floor(b[1]) - 1;
  const ux1 = Math.ceil(b[2]) + 1;
  const uy1 = Math.ceil(b[3]) + 1;
  const x0 = Math.max(0, ux0);
  const y0 = Math.max(0, uy0);
  const x1 = Math.min(w - 1, ux1);
  const y1 = Math.min(h - 1, uy1);
  const rw = Math.max(0, x1 - x0 + 1);
  const rh = Math.max(0, y1 - y0 + 1);
  const alpha = new Float32Array(rw * rh);
  let fullArea = 0;
  const col: RGB = [0, 0, 0];
  for (let y = uy0; y <= uy1; y++) {
    const inY = y >= 0 && y < h;
    for (let x = ux0; x <= ux1; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      const d = shape.sdf(px, py);
      const a = clamp01(0.5 - d);
      if (a <= 0) continue;
      fullArea += a;
      if (!inY || x < 0 || x >= w) continue;
      alpha[(y - y0) * rw + (x - x0)] = a;
      // texture colour in the object frame
      const dx = px - f.cx;
      const dy = py - f.cy;
      const lx = f.cos * dx + f.sin * dy;
      const ly = -f.sin * dx + f.cos * dy;
      let t: number;
      switch (p.texture) {
        case 1:
          t = squareWave(lx * p.tc + ly * p.ts, p.period);
          break;
        case 2: {
          const mx = squareWave(lx * p.tc + ly * p.ts, p.period);
          const my = squareWave(-lx * p.ts + ly * p.tc, p.period);
          t = mx + my - 2 * mx * my;
          break;
        }
        case 3:
          t = clamp01(0.5 + (lx * p.tc + ly * p.ts) / (2 * p.r));
          break;
        case 4:
          t = clamp01(Math.sqrt(lx * lx + ly * ly) / p.r);
          break;
        case 5:
          t = hash3(x, y, p.noiseSeed) * 0.8;
          break;
        default:
          t = 0;
      }
      col[0] = p.c1[0] + (p.c2[0] - p.c1[0]) * t;
      col[1] = p.c1[1] + (p.c2[1] - p.c1[1]) * t;
      col[2] = p.c1[2] + (p.c2[2] - p.c1[2]) * t;
      if (p.stroke > 0) {
        // inside band of width `stroke` along the edge
        const s = clamp01(p.stroke + 0.5 + d);
        col[0] += (p.strokeColor[0] - col[0]) * s;
        col[1] += (p.strokeColor[1] - col[1]) * s;
        col[2] += (p.strokeColor[2] - col[2]) * s;
      }
      const o = (y * w + x) * 3;
      img[o] += (col[0] - img[o]) * a;
      img[o + 1] += (col[1] - img[o + 1]) * a;
      img[o + 2] += (col[2] - img[o + 2]) * a;
    }
  }
  return { classId, shape, rx0: x0, ry0: y0, rw, rh, alpha, fullArea };
}

/** Pixel threshold on visible coverage for an object's mask (and so its bbox). */
export const MASK_THRESHOLD = 0.5;

/**
 * Renders the scene of `seed`. Deterministic: same seed and options give identical bytes
 * everywhere. Training can call it with any 32-bit seed; see `validationSet` for the held-out set.
 */
export function generateScene(seed: number, opts: SceneOptions = {}): Scene {
  const w = opts.width ?? 128;
  const h = opts.height ?? 128;
  if (!(Number.isInteger(w) && Number.isInteger(h) && w > 0 && h > 0)) throw new Error(`bad image size ${w}x${h}`);
  const minSide = Math.min(w, h);
  const minObjects = opts.minObjects ?? 0;
  const maxObjects = opts.maxObjects ?? 10;
  const minSize = opts.minSize ?? 8;
  const maxSize = Math.max(minSize, opts.maxSize ?? minSide / 2);
  const maxOcclusion = opts.maxOcclusion ?? 0.7;
  const rng = new Rng(seed);
  const img = new Float32Array(w * h * 3);

  paintBackground(rng, img, w, h);
  if (opts.distractors ?? true) paintDistractors(rng, img, w, h);

  const nObjects = rng.int(minObjects, maxObjects);
  const placed: PlacedObject[] = [];
  const boxes: [number, number, number, number][] = [];
  for (let i = 0; i < nObjects; i++) {
    const classId = rng.int(0, NUM_CLASSES - 1);
    const lo = Math.min(maxSize, Math.max(minSize, CLASS_MIN_SIZE[classId]));
    const u = rng.next();
    const size = lo + (maxSize - lo) * u * Math.sqrt(u); // skewed to small sizes
    const aspect = rng.range(0.6, 1);
    let rx = size / 2;
    let ry = (size / 2) * aspect;
    if (classId !== 7 && rng.chance(0.5)) [rx, ry] = [ry, rx];
    const [c, s] = rng.rotation();
    const hx = Math.abs(rx * c) + Math.abs(ry * s);
    const hy = Math.abs(rx * s) + Math.abs(ry * c);
    // place: mostly inside the image, avoiding near-total overlap with earlier objects
    let frame: Frame | null = null;
    const maxOverlap = rng.chance(0.4) ? 0.95 : 0.5;
    for (let attempt = 0; attempt < 10; attempt++) {
      const cx = hx * 1.0 < w / 2 ? rng.range(hx * 0.6, w - hx * 0.6) : w / 2;
      const cy = hy * 1.0 < h / 2 ? rng.range(hy * 0.6, h - hy * 0.6) : h / 2;
      const box: [number, number, number, number] = [cx - hx, cy - hy, cx + hx, cy + hy];
      const area = 4 * hx * hy;
      let ok = true;
      for (const o of boxes) {
        const iw = Math.min(box[2], o[2]) - Math.max(box[0], o[0]);
        const ih = Math.min(box[3], o[3]) - Math.max(box[1], o[1]);
        if (iw <= 0 || ih <= 0) continue;
        const oa = (o[2] - o[0]) * (o[3] - o[1]);
        if ((iw * ih) / Math.min(area, oa) > maxOverlap) {
          ok = false;
          break;
        }
      }
      if (ok) {
        frame = { cx, cy, cos: c, sin: s };
        boxes.push(box);
        break;
      }
    }
    if (frame === null) continue;
    const shape = makeShape(rng, classId, frame, rx, ry);
    const bg = meanColor(img, w, h, frame.cx - hx, frame.cy - hy, frame.cx + hx, frame.cy + hy);
    const paint = makePaint(rng, bg, Math.max(rx, ry), Math.min(rx, ry));
    placed.push(paintObject(img, w, h, shape, frame, paint, classId));
  }

  // sensor noise
  if (opts.noise ?? true) {
    const sigma = rng.chance(0.25) ? 0 : rng.range(1, 7);
    if (sigma > 0) {
      const amp = sigma * 3.4641016151377544; // uniform with std sigma: width sigma*sqrt(12)
      let st = rng.u32() | 1; // xorshift32 stream
      for (let i = 0; i < img.length; i++) {
        st ^= st << 13;
        st ^= st >>> 17;
        st ^= st << 5;
        img[i] += ((st >>> 0) / 4294967296 - 0.5) * amp;
      }
    }
  }

  const pixels = new Uint8ClampedArray(w * h * 3);
  pixels.set(img); // clamps, rounds half to even

  // visibility, front to back
  const trans = new Float32Array(w * h).fill(1);
  const debug = opts.debugMasks ?? false;
  const results: { obj: SceneObject; mask?: Float32Array; shape: Shape; keep: boolean }[] = [];
  for (let i = placed.length - 1; i >= 0; i--) {
    const p = placed[i];
    let visSum = 0;
    let bx0 = Infinity, by0 = Infinity, bx1 = -Infinity, by1 = -Infinity;
    const mask = debug ? new Float32Array(w * h) : undefined;
    for (let yy = 0; yy < p.rh; yy++) {
      const y = p.ry0 + yy;
      for (let xx = 0; xx < p.rw; xx++) {
        const a = p.alpha[yy * p.rw + xx];
        if (a <= 0) continue;
        const x = p.rx0 + xx;
        const k = y * w + x;
        const v = Math.fround(a * trans[k]);
        trans[k] = trans[k] * (1 - a);
        visSum += v;
        if (mask) mask[k] = v;
        if (v >= MASK_THRESHOLD) {
          if (x < bx0) bx0 = x;
          if (x > bx1) bx1 = x;
          if (y < by0) by0 = y;
          if (y > by1) by1 = y;
        }
      }
    }
    const visibleFraction = p.fullArea > 0 ? visSum / p.fullArea : 0;
    const hasMask = bx1 >= bx0;
    const bbox: BoxXYWH = hasMask ? [bx0, by0, bx1 - bx0 + 1, by1 - by0 + 1] : [0, 0, 0, 0];
    const keep = hasMask && visibleFraction >= 1 - maxOcclusion && bbox[2] >= 2 && bbox[3] >= 2;
    results.push({ obj: { classId: p.classId, bbox, area: visSum, visibleFraction }, mask, shape: p.shape, keep });
  }
  results.reverse();

  const scene: Scene = {
    seed,
    width: w,
    height: h,
    pixels,
    objects: results.filter((r) => r.keep).map((r) => r.obj),
    hidden: results.filter((r) => !r.keep).map((r) => r.obj),
  };
  if (debug) {
    scene.masks = results.filter((r) => r.keep).map((r) => r.mask!);
    scene.hiddenMasks = results.filter((r) => !r.keep).map((r) => r.mask!);
    scene.shapes = results.filter((r) => r.keep).map((r) => r.shape);
    scene.hiddenShapes = results.filter((r) => !r.keep).map((r) => r.shape);
  }
  return scene;
}

/** Default seed of the held-out validation set. */
export const VALIDATION_SEED = 0x7a11d;

/** Seed of validation scene `index` (scenes are `generateScene(validationSeed(i, seed))`). */
export function validationSeed(index: number, seed: number = VALIDATION_SEED): number {
  return deriveSeed(seed, index);
}

/**
 * The synthetic validation set: `n` scenes with seeds `validationSeed(i, seed)`.
 * Training should draw its seeds elsewhere (e.g. `deriveSeed(trainSeed, step)` with another base).
 */
export function validationSet(n = 500, seed: number = VALIDATION_SEED, opts: SceneOptions = {}): Scene[] {
  const out: Scene[] = [];
  for (let i = 0; i < n; i++) out.push(generateScene(validationSeed(i, seed), opts));
  return out;
}
