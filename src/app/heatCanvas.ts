import { headsCanvas, mapCanvas, meanMaps } from './heatmap';
import { HEAD_COLORS, hexToRgb } from './palette';
import type { HeadMaps } from './viewModel';
import type { Box } from './geometry';
import type { Contrast } from './colorScale';

export interface Heat {
  canvas: HTMLCanvasElement;
  rect: Box;
  key: string;
}

const HEAD_RGB = HEAD_COLORS.map(hexToRgb);
const cache = new Map<string, HTMLCanvasElement>();
let builds = 0;

/** How many heatmap canvases were built so far (the e2e suite checks that hovering builds none). */
export const heatCanvasBuilds = () => builds;
/** Enough for both views, a few layers and both overlays; oldest dropped first. */
const CACHE_SIZE = 48;

/**
 * The heatmap canvas of a view, built once per key and reused: hovering or re-rendering draws
 * the same canvas again instead of rebuilding it. The key names the run (`runTag`: maps of a
 * new run are new maps even for the same query and layer), the maps, the visible heads, how
 * they are combined and the size.
 */
export function heatCanvas(spec: HeadMaps, runTag: string, heads: number[], mask: number, asHeads: boolean, featW: number, featH: number, rect: Box, contrast: Contrast): Heat | null {
  if (!spec.maps || !heads.length) return null;
  const colored = asHeads && spec.kind === 'seq';
  const key = `${runTag}|${spec.key}|${mask}|${colored ? 'heads' : 'mean'}|${featW}x${featH}|${contrast}`;
  let canvas = cache.get(key);
  if (!canvas) {
    builds++;
    const maps = spec.maps;
    if (colored) canvas = headsCanvas(maps, heads, HEAD_RGB, featW, featH, contrast);
    else {
      const m = meanMaps(maps, heads);
      if (!m) return null;
      canvas = mapCanvas(m, featW, featH, spec.kind, undefined, contrast);
    }
    cache.set(key, canvas);
    if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  } else {
    // Most recently used last.
    cache.delete(key);
    cache.set(key, canvas);
  }
  return { canvas, rect, key };
}
