/**
 * Pure selectors for multi-scale SAM-DETR (SAM-DETR-R50-MS): which feature level (stride) each
 * decoder layer reads, the grid its maps lie on, and the encoder's deformable sampling points of
 * a clicked location as marks to draw. No React, no DOM (unit-tested in test/app/multiScale.test.ts).
 *
 * Single-scale models have one feature map for every layer; every function here falls back to it,
 * so the views call them whatever the model.
 */
import { scaleLinear } from 'd3';
import type { EncoderPointsSlice, LayerGrid } from '../worker/messages';
import { imageToCell, normToImage, type Frame, type Pt } from './geometry';

/** A feature grid; `stride` only where the model has several levels (multi-scale). */
export interface Grid {
  featW: number;
  featH: number;
  stride?: number;
}

/** What carries grids: a query slice or a run (both have the finest grid and, for multi-scale, one per decoder layer). */
export type HasGrids = { featW: number; featH: number; layerGrids?: LayerGrid[] };

/** The grid decoder layer `layer` (0-based) attends over: its level for multi-scale, else the one feature map. */
export function layerGrid(x: HasGrids, layer: number): Grid {
  const gs = x.layerGrids;
  if (gs?.length) return gs[Math.max(0, Math.min(layer, gs.length - 1))];
  return { featW: x.featW, featH: x.featH };
}

/**
 * The grid of what a view's heatmap shows: in the decoder tab the selected query's layer (its
 * level); in the encoder tab (dense attention, single-scale only) the run's feature map.
 */
export function mapGrid(mode: string, slice: HasGrids | undefined, layer: number, run: HasGrids): Grid {
  return mode === 'decoder' && slice ? layerGrid(slice, layer) : { featW: run.featW, featH: run.featH };
}

/** "stride 16, 50×38": a level as the captions name it; '' for a single-scale grid. */
export function levelText(g: Grid): string {
  return g.stride ? `stride ${g.stride}, ${g.featW}×${g.featH}` : '';
}

/** The layer slider's note: which level a multi-scale decoder layer reads; null for single-scale. */
export function layerLevelNote(run: HasGrids | undefined, layer: number): string | null {
  if (!run?.layerGrids?.length) return null;
  const g = layerGrid(run, layer);
  return `reads stride ${g.stride} (${g.featW}×${g.featH})`;
}

/** The levels of a run, finest first (each once). */
export function runLevels(run: HasGrids): Grid[] {
  const seen = new Map<number, Grid>();
  for (const g of run.layerGrids ?? []) if (g.stride && !seen.has(g.stride)) seen.set(g.stride, g);
  return [...seen.values()].sort((a, b) => a.stride! - b.stride!);
}

/** The image line's "features …": the one map, or every level of a multi-scale model with its stride. */
export function featuresNote(run: HasGrids): string {
  const levels = runLevels(run);
  if (!levels.length) return `features ${run.featW}×${run.featH}`;
  return `features ${levels.map((g) => `${g.featW}×${g.featH} (stride ${g.stride})`).join(', ')}`;
}

// --- the deformable encoder's sampling points -------------------------------------------------

/** The marker of each level (finest first): shape tells the level, colour the head, area the weight (diamond: Deformable DETR's stride-64 level). */
export const LEVEL_SHAPES = ['circle', 'square', 'triangle', 'diamond'] as const;
export type LevelShape = (typeof LEVEL_SHAPES)[number];

/** Marker areas in screen px²: a weight of 0 still shows (MIN), the largest weight shown gets MAX. */
export const MARK_AREA = { min: 10, max: 320 };

export interface SamplingMark {
  head: number;
  level: number;
  point: number;
  /** Image px. */
  x: number;
  y: number;
  weight: number;
  /** Screen px² (the marker keeps its size under zoom). */
  area: number;
  shape: LevelShape;
  /** False when the point lies outside its level's map: the sample reads zeros there. */
  inside: boolean;
}

/** Sampling points per head, level and point ([x, y, weight]): the encoder's of a location, or (Deformable DETR) a decoder layer's of a query. */
export type PointsOf = Pick<EncoderPointsSlice, 'heads' | 'points'>;

/** The largest attention weight among the given heads' points (the size scale's top). */
export function maxWeight(p: PointsOf, heads: number[]): number {
  let m = 0;
  for (const h of heads) for (const lv of p.points[h] ?? []) for (const q of lv) m = Math.max(m, q[2]);
  return m;
}

/**
 * Marker area for a weight: proportional to it (area, not radius, so the eye reads weight
 * ratios right), from MARK_AREA.min at 0 to MARK_AREA.max at the largest weight shown.
 */
export function weightArea(top: number) {
  return scaleLinear().domain([0, Math.max(top, 1e-9)]).range([MARK_AREA.min, MARK_AREA.max]).clamp(true);
}

/**
 * Every sampling point of the visible heads as a mark: image position, weight, area, level shape.
 * The points are relative to their level's map; they are drawn in the frame the app draws every
 * feature map in (the map stretched over the padded input, as the model's normalised coordinates
 * put cell j's centre at (j + 0.5) / featW), so they line up with the clicked cell and the heatmaps.
 */
export function samplingMarks(p: PointsOf | null, frame: Frame | null, heads: number[]): SamplingMark[] {
  if (!p || !frame) return [];
  const shown = heads.filter((h) => h >= 0 && h < p.heads);
  const area = weightArea(maxWeight(p, shown));
  const out: SamplingMark[] = [];
  for (const head of shown) {
    p.points[head].forEach((lv, level) =>
      lv.forEach(([nx, ny, weight], point) => {
        const [x, y] = normToImage([nx, ny], frame);
        const inside = nx >= 0 && nx <= 1 && ny >= 0 && ny <= 1;
        out.push({ head, level, point, x, y, weight, area: area(weight), shape: LEVEL_SHAPES[level % LEVEL_SHAPES.length], inside });
      }),
    );
  }
  // Heaviest last: drawn on top where markers overlap.
  return out.sort((a, b) => a.weight - b.weight);
}

/** Per head, the share of its attention weight on each level (they sum to 1 over the levels). */
export function levelShares(p: PointsOf, head: number): number[] {
  const sums = (p.points[head] ?? []).map((lv) => lv.reduce((a, q) => a + q[2], 0));
  const total = sums.reduce((a, v) => a + v, 0);
  return sums.map((v) => (total > 0 ? v / total : 0));
}

/** Weights for the size legend: a few round values up to the largest shown. */
export function legendWeights(top: number): number[] {
  if (!(top > 0)) return [];
  const ticks = weightArea(top).ticks(3).filter((t) => t > 0 && t <= top);
  return ticks.length ? ticks.slice(-3) : [top];
}

/**
 * The centre (image px) of the feature cell `dx`, `dy` cells away from the one under `p` (the
 * grid's middle cell when there is no point yet), kept inside the grid: the encoder location
 * moved by keyboard.
 */
export function stepCell(p: Pt | null, dx: number, dy: number, featW: number, featH: number, frame: Frame): Pt {
  const cell = p ? imageToCell(p, featW, featH, frame) : null;
  const col = Math.max(0, Math.min(featW - 1, (cell?.col ?? Math.floor(featW / 2) - dx) + dx));
  const row = Math.max(0, Math.min(featH - 1, (cell?.row ?? Math.floor(featH / 2) - dy) + dy));
  return normToImage([(col + 0.5) / featW, (row + 0.5) / featH], frame);
}
