/**
 * Pure selectors: from the view state and the session's data to what the views draw. No React,
 * no DOM (heatmap canvases are made by heatCanvas.ts from the specs computed here).
 */
import type { Detection } from '../worker/messages';
import type { ModelInfo, QuerySlice, RunResult, Variant } from '../worker/messages';
import { cxcywhToImageBox, makeFrame, normToImage, roiToImageBox, type Box, type Frame, type Pt } from './geometry';
import { classColor } from './palette';
import { diffMaps, gaussianWeight, type MapKind } from './heatmap';
import type { Overlay, ViewState } from './state';
import { sliceKey, type SessionState } from './session/LensSession';
import type { ShownDetection, ViewOverlay } from './components/ImageView';
import type { StoredCheckpoint } from './storage/checkpointStore';
import type { HeadPanel } from './components/SmallMultiples';
import type { IndexEntry } from './hooks/useModelIndex';
import { headVisible } from './state';
import { layerGrid, levelText, type Grid } from './multiScale';
import { deformableGeometry } from './deformable';
import { boxIou } from '../geometry/boxes';

export const EMPTY_OVERLAY: ViewOverlay = {
  detections: [], selected: null, hovered: null, refBox: null, roiBox: null, showGrid: false, points: [], heat: null, encPoint: null, samples: [], animKey: '',
};

/** One detection per query (its best label), best first. */
export function dedupe(dets: Detection[]): Detection[] {
  const best = new Map<number, Detection>();
  for (const d of dets) {
    const b = best.get(d.query);
    if (!b || d.score > b.score) best.set(d.query, d);
  }
  return [...best.values()].sort((a, b) => b.score - a.score);
}

export function className(info: ModelInfo | null | undefined, label: number): string {
  return info?.classNames[label] ?? `class ${label}`;
}

export function frameOf(run: RunResult | undefined, img: { width: number; height: number } | null): Frame | null {
  if (!run || !img) return null;
  return makeFrame(img.width, img.height, run.resized[1], run.resized[0], run.padded[1], run.padded[0]);
}

/** IoU above which two shown boxes count as one object when merging for display. */
export const MERGE_IOU = 0.7;

/** Greedy, class-agnostic: a box overlapping a better one by IoU >= MERGE_IOU is dropped (input best first). */
export function mergeDuplicates<T extends { box: number[] }>(dets: T[]): T[] {
  const kept: T[] = [];
  for (const d of dets) if (!kept.some((k) => boxIou(k.box as Box, d.box as Box) >= MERGE_IOU)) kept.push(d);
  return kept;
}

export function shownDetections(run: RunResult | undefined, info: ModelInfo | null | undefined, threshold: number, merge = false): ShownDetection[] {
  if (!run) return [];
  const above = dedupe(run.detections).filter((d) => d.score >= threshold);
  return (merge ? mergeDuplicates(above) : above)
    .map((d) => ({ query: d.query, label: d.label, score: d.score, box: d.box as Box, name: className(info, d.label), color: classColor(d.label) }));
}

/**
 * The detection of `to` that best matches query `q` of `from` (IoU, a different label counting
 * half when `sameLabel` is preferred); null when none overlaps.
 */
export function matchQuery(from: RunResult | undefined, to: RunResult | undefined, q: number | null, preferSameLabel: boolean): number | null {
  if (q === null || !from || !to) return null;
  const mine = dedupe(from.detections).find((d) => d.query === q);
  if (!mine) return null;
  let best: Detection | null = null;
  let bestIou = 0;
  for (const d of dedupe(to.detections)) {
    const v = boxIou(mine.box as Box, d.box as Box) * (preferSameLabel && d.label !== mine.label ? 0.5 : 1);
    if (v > bestIou) {
      bestIou = v;
      best = d;
    }
  }
  return best?.query ?? null;
}

export interface SmcaChange {
  query: number;
  on?: Detection;
  off?: Detection;
  what: string;
  delta: number;
}

/** Detections that change when the SMCA prior is switched off (above the threshold in either run). */
export function smcaChanges(on: RunResult | undefined, off: RunResult | undefined, threshold: number): SmcaChange[] {
  if (!on || !off) return [];
  const a0 = new Map(dedupe(on.detections).map((d) => [d.query, d]));
  const b0 = new Map(dedupe(off.detections).map((d) => [d.query, d]));
  const out: SmcaChange[] = [];
  for (const q of new Set([...a0.keys(), ...b0.keys()])) {
    const a = a0.get(q);
    const b = b0.get(q);
    const sa = a?.score ?? 0;
    const sb = b?.score ?? 0;
    const above = (x: number) => x >= threshold;
    if (!above(sa) && !above(sb)) continue;
    let what = '';
    if (above(sa) && !above(sb)) what = 'lost without prior';
    else if (!above(sa) && above(sb)) what = 'only without prior';
    else if (a && b && a.label !== b.label) what = 'class changes';
    else if (a && b && boxIou(a.box as Box, b.box as Box) < 0.7) what = 'box moves';
    else if (Math.abs(sa - sb) >= 0.05) what = 'score changes';
    if (what) out.push({ query: q, on: a, off: b, what, delta: sb - sa });
  }
  return out.sort((x, y) => Math.abs(y.delta) - Math.abs(x.delta));
}

/** Per-head maps an overlay shows, a key that names them (for canvas caching), or why there are none. */
export interface HeadMaps {
  maps: Float32Array[] | null;
  kind: MapKind;
  key: string;
  note?: string;
}

/** What the attention heatmap of one view shows for a slice at a layer (0-based). */
export function headMaps(
  s: Pick<ViewState, 'mode'>, sl: QuerySlice | undefined, which: Overlay, layer: number, isSmca: boolean,
  pair: { on?: QuerySlice; off?: QuerySlice }, encSlice: SessionState['encSlice'], view: 0 | 1,
): HeadMaps {
  if (s.mode === 'encoder') return { maps: view === 0 && encSlice ? encSlice.attention : null, kind: 'seq', key: `enc|${encSlice?.index}|${encSlice?.layer}` };
  if (!sl) return { maps: null, kind: 'seq', key: '' };
  const l = Math.min(layer, sl.layers - 1);
  const key = `${sl.slot}|${sl.variant}|${sl.query}|${l}|${which}`;
  if (which === 'gaussian') {
    if (!sl.gaussian) return { maps: null, kind: 'seq', key, note: isSmca ? 'The SMCA prior is off in this view.' : 'This model has no SMCA prior.' };
    return { maps: sl.gaussian[l].map(gaussianWeight), kind: 'weight', key };
  }
  if (which === 'diff') {
    if (!isSmca) return { maps: null, kind: 'div', key, note: 'The difference view needs an SMCA model (prior on − prior off).' };
    if (!pair.on || !pair.off) return { maps: null, kind: 'div', key, note: 'Computing the prior-off attention…' };
    const off = pair.off;
    return { maps: pair.on.attention[l].map((m, h) => diffMaps(m, off.attention[l][h])), kind: 'div', key: key + '|diff' };
  }
  if (which === 'spatial' || which === 'content') {
    // Conditional DETR's two parts, probabilities over the same cells: the attention's scale.
    const part = which === 'spatial' ? sl.spatialAttention : sl.contentAttention;
    if (!part) return { maps: null, kind: 'seq', key, note: 'Only Conditional DETR splits its cross-attention into a spatial and a content part.' };
    return { maps: part[l], kind: 'seq', key };
  }
  if (sl.sampling) return { maps: null, kind: 'seq', key, note: 'Deformable DETR has no attention map: each head samples 4 points on each level, drawn as markers sized by their weight.' };
  return { maps: sl.attention[l], kind: 'seq', key };
}

/** The geometry drawn for the selected query in one view, in image pixels. */
export interface QueryGeometry {
  refBox: Box | null;
  roiBox: Box | null;
  points: { head: number; p: Pt }[];
}

export function queryGeometry(slice: QuerySlice | undefined, frame: Frame | null, layer: number, heads: number[]): QueryGeometry {
  if (!slice || !frame) return { refBox: null, roiBox: null, points: [] };
  const l = Math.min(layer, slice.layers - 1);
  // Deformable DETR: the dashed box is its reference box where the layer reads one (none for a point).
  if (slice.sampling) return { refBox: deformableGeometry(slice.sampling, frame, l).refBox, roiBox: null, points: [] };
  return {
    // Official DETR has no reference boxes: its dashed box is the layer's own predicted box.
    refBox: cxcywhToImageBox(slice.referenceBoxes?.[l] ?? slice.predictions[l].box, frame),
    // RoI boxes are in cells of the map the layer reads (a multi-scale layer's own level).
    roiBox: slice.roiBoxes ? roiToImageBox(slice.roiBoxes[l], layerGrid(slice, l).featW, layerGrid(slice, l).featH, frame) : null,
    points: slice.salientPoints ? heads.filter((h) => h < slice.heads).map((h) => ({ head: h, p: normToImage(slice.salientPoints![l][h] as Pt, frame) })) : [],
  };
}

/** The per-head small multiples of one view: each head's map and, for SAM-DETR in the decoder tab, its salient point at the layer. */
export function headPanels(s: Pick<ViewState, 'heads' | 'mode'>, nHeads: number, layer: number, hm: HeadMaps, slice: QuerySlice | undefined, frame: Frame | null): HeadPanel[] {
  return Array.from({ length: nHeads }, (_, h) => ({
    head: h,
    visible: headVisible(s.heads, h),
    map: hm.maps?.[h] ?? null,
    point: slice?.salientPoints && frame && s.mode === 'decoder' ? normToImage(slice.salientPoints[Math.min(layer, slice.layers - 1)][h] as Pt, frame) : null,
  }));
}

export const sliceOf = (slices: SessionState['slices'], slot: number, variant: Variant, q: number | null) => (q === null ? undefined : slices[sliceKey(slot, variant, q)]);

export function modelTitle(info: ModelInfo): string {
  const c = info.config;
  if (c.decoder === 'conditional') return 'Conditional DETR';
  if (c.decoder === 'deformable') return `Deformable DETR${c.twoStage ? ' (two-stage)' : c.withBoxRefine ? ' (box refinement)' : ''}`;
  if (c.decoder === 'dab') return c.numPatterns ? `DAB-DETR (${c.numPatterns} patterns)` : 'DAB-DETR';
  const sam = c.multiscale ? 'Multi-scale SAM-DETR' : 'SAM-DETR';
  const kind = c.decoder === 'detr' ? (c.detrStyle === 'official' ? 'DETR' : 'DETR-style baseline') : c.smca ? `${sam} + SMCA` : sam;
  return `${kind}${info.placeholder ? ' (untrained placeholder)' : ''}`;
}

/**
 * The models a picker offers: the bundled ones, then the checkpoints read in this page or stored
 * in this browser (`upload:<file name>`), and the one the URL names if it is neither, so the
 * picker shows what the link asks for.
 */
export function modelChoices(index: { name: string; label: string }[] | null, uploads: ModelInfo[], stored: StoredCheckpoint[], current: string): { value: string; label: string }[] {
  const out: { value: string; label: string }[] = [];
  const add = (value: string, label: string) => out.some((o) => o.value === value) || out.push({ value, label });
  for (const m of index ?? []) add(m.name, m.label);
  for (const u of uploads) add(u.name, `${u.name.slice(7)} (checkpoint)`);
  for (const c of stored) add(`upload:${c.name}`, `${c.name} (stored checkpoint)`);
  if (current.startsWith('upload:')) add(current, `${current.slice(7)} (not stored here)`);
  return out;
}

/**
 * The second model of a side-by-side comparison when none is chosen: a bundled model's pair;
 * for a stored checkpoint, a stored one of the other family (DETR against SAM-DETR, the
 * paper's comparison); else a bundled model that differs in SMCA.
 */
export function pairFor(model: string, model2: string | null, index: IndexEntry[] | null, stored: StoredCheckpoint[]): string | null {
  if (model2) return model2;
  const entry = index?.find((m) => m.name === model);
  if (entry?.pair) return entry.pair;
  const isDetr = (c: StoredCheckpoint) => c.kind.startsWith('DETR');
  const mine = stored.find((c) => `upload:${c.name}` === model);
  const other = mine && stored.find((c) => c !== mine && isDetr(c) !== isDetr(mine));
  if (other) return `upload:${other.name}`;
  return index?.find((m) => m.name !== model && !!m.smca !== !!entry?.smca)?.name ?? null;
}

/** The caption of the per-head small multiples; a multi-scale decoder layer's grid names its level. */
export function panelCaption(s: Pick<ViewState, 'mode' | 'overlay'>, layer: number, grid?: Grid): string {
  if (s.mode === 'encoder') return `Encoder self-attention per head, layer ${layer}`;
  const level = grid?.stride ? ` (${levelText(grid)} cells)` : '';
  if (s.overlay === 'gaussian') return `SMCA prior (Gaussian weight) per head, layer ${layer}${level}`;
  if (s.overlay === 'diff') return `Attention difference per head (prior on − off), layer ${layer}${level}`;
  if (s.overlay === 'spatial') return `Spatial part alone (q_spatial·k_pos) per head, decoder layer ${layer}${level}`;
  if (s.overlay === 'content') return `Content part alone (q_content·k_content) per head, decoder layer ${layer}${level}`;
  return `Cross-attention per head, decoder layer ${layer}${level}`;
}

/** The titles of the two views (none without a comparison). */
export function viewTitles(s: Pick<ViewState, 'compare'>, info0: ModelInfo | null, info1: ModelInfo | null, name0: string, name1: string | null): [string | undefined, string | undefined] {
  if (s.compare === 'side-by-side') return [info0 ? modelTitle(info0) : name0, info1 ? modelTitle(info1) : (name1 ?? '')];
  // Its main view is always the prior-on run (state/viewState.ts priorShown).
  if (s.compare === 'prior-off') return [`${info0 ? modelTitle(info0) : ''}: SMCA prior on`, 'same model, SMCA prior off (decoder re-run)'];
  return [undefined, undefined];
}


/** What a screen reader hears when the selection or layer changes. */
export function describeSelection(d: ShownDetection | undefined, query: number, layer: number, maxLayer: number, mode: ViewState['mode']): string {
  const what = d ? `${d.name}, ${(d.score * 100).toFixed(0)}%` : 'below the threshold';
  return `Query ${query}: ${what}. ${mode === 'encoder' ? 'Encoder' : 'Decoder'} layer ${layer} of ${maxLayer}.`;
}
