/** Heatmap values -> RGBA pixels (one pixel per feature cell), drawn scaled onto the image. */
import { interpolateInferno, interpolatePuOr, rgb } from 'd3';

export type MapKind = 'seq' | 'div';

/** Mean of the given heads' maps (null when no head is given). */
export function meanMaps(maps: Float32Array[], heads: number[]): Float32Array | null {
  if (!heads.length || !maps.length) return null;
  const out = new Float32Array(maps[0].length);
  for (const h of heads) {
    const m = maps[h];
    if (!m) continue;
    for (let i = 0; i < out.length; i++) out[i] += m[i];
  }
  for (let i = 0; i < out.length; i++) out[i] /= heads.length;
  return out;
}

/** SMCA log-weight map -> the multiplicative weight exp(g) it puts on the attention, normalised to max 1. */
export function gaussianWeight(g: Float32Array): Float32Array {
  let mx = -Infinity;
  for (const v of g) mx = Math.max(mx, v);
  const out = new Float32Array(g.length);
  for (let i = 0; i < g.length; i++) out[i] = Math.exp(g[i] - mx);
  return out;
}

export function diffMaps(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] - (b[i] ?? 0);
  return out;
}

const LUT_N = 256;
const lut = (f: (t: number) => string) => {
  const a = new Uint8ClampedArray(LUT_N * 3);
  for (let i = 0; i < LUT_N; i++) {
    const c = rgb(f(i / (LUT_N - 1)));
    a[i * 3] = c.r;
    a[i * 3 + 1] = c.g;
    a[i * 3 + 2] = c.b;
  }
  return a;
};
let seqLut: Uint8ClampedArray | null = null;
let divLut: Uint8ClampedArray | null = null;

/**
 * RGBA pixels of a map. 'seq': min-max normalised (inferno, alpha grows with the value);
 * 'div': normalised by max |v| (purple-orange, white at 0, alpha grows with |v|). Colour-blind safe.
 */
export function mapToRGBA(map: Float32Array, kind: MapKind, maxAlpha = 0.8): { rgba: Uint8ClampedArray<ArrayBuffer>; scale: number } {
  const n = map.length;
  const rgba = new Uint8ClampedArray(n * 4);
  let scale = 0;
  let lo = Infinity;
  for (const v of map) {
    scale = Math.max(scale, kind === 'seq' ? v : Math.abs(v));
    lo = Math.min(lo, v);
  }
  if (!(scale > 0)) return { rgba, scale: 0 };
  if (kind === 'seq') {
    seqLut ??= lut(interpolateInferno);
    // Min-max normalisation: the structure of the map, whatever its entropy.
    const range = scale - lo > 1e-12 ? scale - lo : 1;
    for (let i = 0; i < n; i++) {
      const t = Math.max(0, (map[i] - lo) / range);
      const k = Math.round(t * (LUT_N - 1)) * 3;
      const o = i * 4;
      rgba[o] = seqLut[k];
      rgba[o + 1] = seqLut[k + 1];
      rgba[o + 2] = seqLut[k + 2];
      rgba[o + 3] = Math.round(255 * maxAlpha * Math.sqrt(t));
    }
  } else {
    divLut ??= lut(interpolatePuOr);
    for (let i = 0; i < n; i++) {
      const t = map[i] / scale; // -1..1; PuOr: 0 = orange (negative), 1 = purple (positive)
      const k = Math.round(((t + 1) / 2) * (LUT_N - 1)) * 3;
      const o = i * 4;
      rgba[o] = divLut[k];
      rgba[o + 1] = divLut[k + 1];
      rgba[o + 2] = divLut[k + 2];
      rgba[o + 3] = Math.round(255 * maxAlpha * Math.min(1, Math.abs(t) * 1.5));
    }
  }
  return { rgba, scale };
}

/** Draws the map at feature resolution (w x h) into `ctx`'s canvas, sized to it. */
function paintMap(ctx: CanvasRenderingContext2D, map: Float32Array, w: number, h: number, kind: MapKind, maxAlpha?: number): HTMLCanvasElement {
  const c = ctx.canvas;
  if (c.width !== w || c.height !== h) {
    c.width = w;
    c.height = h;
  }
  ctx.putImageData(new ImageData(mapToRGBA(map, kind, maxAlpha).rgba, w, h), 0, 0);
  return c;
}

let scratch: CanvasRenderingContext2D | null = null;

/**
 * The map at feature resolution (w x h) in one canvas the page reuses, to be drawn scaled at once
 * (a thumbnail): valid until the next call. Each thumbnail used to get a canvas and 2D context of
 * its own: 11 or more per selected query, the costliest part of drawing a selection.
 */
export function scratchMapCanvas(map: Float32Array, w: number, h: number, kind: MapKind, maxAlpha?: number): HTMLCanvasElement {
  scratch ??= document.createElement('canvas').getContext('2d')!;
  return paintMap(scratch, map, w, h, kind, maxAlpha);
}

/** A small canvas of its own holding the map at feature resolution (w x h), to be drawn scaled. */
export function mapCanvas(map: Float32Array, w: number, h: number, kind: MapKind, maxAlpha?: number): HTMLCanvasElement {
  return paintMap(document.createElement('canvas').getContext('2d')!, map, w, h, kind, maxAlpha);
}

/**
 * All visible heads at once, each in its own colour: per cell, the colour is the heads' colours
 * weighted by their (min-max normalised) attention there, the opacity the strongest head's value.
 */
export function blendHeadsRGBA(maps: Float32Array[], heads: number[], colors: [number, number, number][], maxAlpha = 0.85): Uint8ClampedArray<ArrayBuffer> {
  const n = maps[0]?.length ?? 0;
  const rgba = new Uint8ClampedArray(n * 4);
  const norm = heads.map((h) => {
    const m = maps[h];
    let lo = Infinity, hi = -Infinity;
    for (const v of m) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const r = hi - lo > 1e-12 ? hi - lo : 1;
    return { h, m, lo, r };
  });
  for (let i = 0; i < n; i++) {
    let r = 0, g = 0, b = 0, sw = 0, mx = 0;
    for (const { h, m, lo, r: range } of norm) {
      const t = (m[i] - lo) / range;
      const w = t * t;
      const c = colors[h];
      r += w * c[0];
      g += w * c[1];
      b += w * c[2];
      sw += w;
      mx = Math.max(mx, t);
    }
    if (sw > 0) {
      const o = i * 4;
      rgba[o] = r / sw;
      rgba[o + 1] = g / sw;
      rgba[o + 2] = b / sw;
      rgba[o + 3] = Math.round(255 * maxAlpha * mx);
    }
  }
  return rgba;
}

export function headsCanvas(maps: Float32Array[], heads: number[], colors: [number, number, number][], w: number, h: number): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = w;
  c.height = h;
  c.getContext('2d')!.putImageData(new ImageData(blendHeadsRGBA(maps, heads, colors), w, h), 0, 0);
  return c;
}
