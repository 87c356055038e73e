/** Heatmap values -> RGBA pixels (one pixel per feature cell), drawn scaled onto the image. */
import { interpolateInferno, interpolatePuOr, rgb } from 'd3';
import { mapPositions, type Contrast, type MapKind } from './colorScale';

export type { MapKind } from './colorScale';

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
 * RGBA pixels of a map on the scale `contrast` gives it (./colorScale): 'seq' and 'weight' in
 * inferno, the opacity growing with the value; 'div' purple-orange (purple: positive, the prior
 * adds attention; orange: negative; white at 0), the opacity growing with |v|. Colour-blind safe.
 */
export function mapToRGBA(map: Float32Array, kind: MapKind, maxAlpha = 0.8, contrast: Contrast = 'absolute'): { rgba: Uint8ClampedArray<ArrayBuffer> } {
  const n = map.length;
  const rgba = new Uint8ClampedArray(n * 4);
  const pos = mapPositions(map, kind, contrast);
  // Opacity: linear in the position on the absolute scale (a cell at 10x the uniform share is half
  // opaque); per-map contrast keeps the square root that brings out a map's structure.
  const opacity = contrast === 'absolute' ? (t: number) => t : Math.sqrt;
  if (kind !== 'div') {
    seqLut ??= lut(interpolateInferno);
    for (let i = 0; i < n; i++) {
      const t = pos[i];
      const k = Math.round(t * (LUT_N - 1)) * 3;
      const o = i * 4;
      rgba[o] = seqLut[k];
      rgba[o + 1] = seqLut[k + 1];
      rgba[o + 2] = seqLut[k + 2];
      rgba[o + 3] = Math.round(255 * maxAlpha * opacity(t));
    }
  } else {
    divLut ??= lut(interpolatePuOr);
    for (let i = 0; i < n; i++) {
      const t = pos[i]; // -1..1; interpolatePuOr(0) is purple, (1) orange: positive (the prior adds) at 0
      const k = Math.round(((1 - t) / 2) * (LUT_N - 1)) * 3;
      const o = i * 4;
      rgba[o] = divLut[k];
      rgba[o + 1] = divLut[k + 1];
      rgba[o + 2] = divLut[k + 2];
      rgba[o + 3] = Math.round(255 * maxAlpha * Math.min(1, Math.abs(t) * 1.5));
    }
  }
  return { rgba };
}

/** The colour (CSS) of a position on a kind's scale: t in [0, 1] ('seq', 'weight') or [-1, 1] ('div'). Used by the legend. */
export function scaleColor(kind: MapKind, t: number): string {
  return kind === 'div' ? interpolatePuOr((1 - t) / 2) : interpolateInferno(t);
}

/** Draws the map at feature resolution (w x h) into `ctx`'s canvas, sized to it. */
function paintMap(ctx: CanvasRenderingContext2D, map: Float32Array, w: number, h: number, kind: MapKind, maxAlpha: number | undefined, contrast: Contrast): HTMLCanvasElement {
  const c = ctx.canvas;
  if (c.width !== w || c.height !== h) {
    c.width = w;
    c.height = h;
  }
  ctx.putImageData(new ImageData(mapToRGBA(map, kind, maxAlpha, contrast).rgba, w, h), 0, 0);
  return c;
}

let scratch: CanvasRenderingContext2D | null = null;

/**
 * The map at feature resolution (w x h) in one canvas the page reuses, to be drawn scaled at once
 * (a thumbnail): valid until the next call. A canvas and 2D context per thumbnail would make 11 or
 * more per selected query, the costliest part of drawing a selection.
 */
export function scratchMapCanvas(map: Float32Array, w: number, h: number, kind: MapKind, maxAlpha: number | undefined, contrast: Contrast): HTMLCanvasElement {
  scratch ??= document.createElement('canvas').getContext('2d')!;
  return paintMap(scratch, map, w, h, kind, maxAlpha, contrast);
}

/** A small canvas of its own holding the map at feature resolution (w x h), to be drawn scaled. */
export function mapCanvas(map: Float32Array, w: number, h: number, kind: MapKind, maxAlpha: number | undefined, contrast: Contrast): HTMLCanvasElement {
  return paintMap(document.createElement('canvas').getContext('2d')!, map, w, h, kind, maxAlpha, contrast);
}

/**
 * All visible heads at once, each in its own colour: per cell, the colour is the heads' colours
 * weighted by their attention there (each head's position on the scale `contrast` gives), the
 * opacity the strongest head's position.
 */
export function blendHeadsRGBA(maps: Float32Array[], heads: number[], colors: [number, number, number][], maxAlpha = 0.85, contrast: Contrast = 'absolute'): Uint8ClampedArray<ArrayBuffer> {
  const n = maps[0]?.length ?? 0;
  const rgba = new Uint8ClampedArray(n * 4);
  const norm = heads.map((h) => ({ h, pos: mapPositions(maps[h], 'seq', contrast) }));
  for (let i = 0; i < n; i++) {
    let r = 0, g = 0, b = 0, sw = 0, mx = 0;
    for (const { h, pos } of norm) {
      const t = pos[i];
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

export function headsCanvas(maps: Float32Array[], heads: number[], colors: [number, number, number][], w: number, h: number, contrast: Contrast): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = w;
  c.height = h;
  c.getContext('2d')!.putImageData(new ImageData(blendHeadsRGBA(maps, heads, colors, 0.85, contrast), w, h), 0, 0);
  return c;
}
