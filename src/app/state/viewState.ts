/**
 * The whole view state in one URL-serializable shape. Everything the user chooses lives here;
 * derived data (detections, slices) lives in the store next to it but never in the URL.
 */

import type { Contrast } from '../colorScale';

export type { Contrast } from '../colorScale';
export type Mode = 'decoder' | 'encoder' | 'convergence';
/** How SMCA is compared: single view, the same SMCA model with its prior off, or two models side by side. */
export type Compare = 'none' | 'prior-off' | 'side-by-side';
export type Overlay = 'attention' | 'heads' | 'gaussian' | 'diff' | 'spatial' | 'content' | 'none';
/** The overlays in cycling order (key O), with the labels the overlay menu shows. */
export const OVERLAY_LABELS: [Overlay, string][] = [
  ['attention', 'attention (mean of visible heads)'],
  ['heads', 'attention, each head in its colour'],
  ['gaussian', 'SMCA prior (Gaussian map)'],
  ['diff', 'difference: prior on − off'],
  // Conditional DETR's cross-attention logit is a sum of these two parts (conditional.ts).
  ['spatial', 'spatial part alone (Conditional DETR)'],
  ['content', 'content part alone (Conditional DETR)'],
  ['none', 'none'],
];
export const OVERLAYS: Overlay[] = OVERLAY_LABELS.map(([v]) => v);

export interface ViewState {
  /** Bundled model name, or 'upload:<file name>' for a dropped checkpoint. */
  model: string;
  /** Second model for side-by-side comparison. */
  model2: string | null;
  /** 'example:<seed>', 'scene:<seed>', or 'upload' for a dropped/pasted image. */
  image: string;
  /** Selected query index, or null. */
  query: number | null;
  /** Decoder layer, 1-based (encoder layer in encoder mode). */
  layer: number;
  /** Bitmask of visible heads (bit h set = head h visible). */
  heads: number;
  threshold: number;
  /**
   * The user chose the threshold (slider, or `t` in the URL they opened): a model's suggested
   * threshold no longer applies. Not a URL field of its own: `t` is written exactly when set.
   */
  thresholdPinned: boolean;
  /** SMCA prior on (true) or off (false) in the primary view. */
  smcaPrior: boolean;
  compare: Compare;
  /** What the heatmap overlay shows: cross-attention, the SMCA Gaussian prior, the difference prior on - off, or nothing. */
  overlay: Overlay;
  /** Show the 7x7 RoI grid. */
  grid: boolean;
  /** Merge duplicate boxes for display (one box per object, whatever the class: IoU >= 0.7). */
  merge: boolean;
  mode: Mode;
  /** Encoder attention source (image px) in encoder mode. */
  encPoint: [number, number] | null;
  /** Zoom relative to fit, and the image point at the view centre. */
  zoom: { z: number; cx: number; cy: number } | null;
  /** Requested backend ('' = automatic). */
  backend: string;
  /** WASM threads asked for when the backend starts (0 = automatic, 1 = single-threaded). */
  threads: number;
  /** The model's input size (shorter side, px) the user chose; 0 = the model's own. */
  inputSize: number;
  /** How maps are coloured: one absolute scale for all (the default), or each map stretched to its own range. */
  contrast: Contrast;
  /**
   * The training timeline: the bundled models as they were after this epoch (their shipped
   * snapshots, public/models/NAME/snapshots/epoch-E/); 0 = the published, final models.
   */
  epoch: number;
}

/** The input sizes the picker offers besides the model's own. */
export const INPUT_SIZES = [128, 256, 320, 480, 640, 800] as const;

export const ALL_HEADS = 0xff;

export const DEFAULT_STATE: ViewState = {
  model: '',
  model2: null,
  image: 'example:1',
  query: null,
  layer: 6,
  heads: ALL_HEADS,
  threshold: 0.3,
  thresholdPinned: false,
  smcaPrior: true,
  compare: 'none',
  overlay: 'attention',
  grid: true,
  merge: false,
  mode: 'decoder',
  encPoint: null,
  zoom: null,
  backend: '',
  threads: 0,
  inputSize: 0,
  contrast: 'absolute',
  epoch: 0,
};

/**
 * What a bare visit opens on: the comparison that carries the paper's claim, early in training,
 * SAM-DETR + SMCA beside the DETR-style baseline on a scene whose object FIRST_VIEW_OBJECT the
 * page selects (App). Chosen by measurement: `npx tsx scripts/first-view.ts` lists, for every
 * object of 24 px or more in the examples, layer 1's attention share inside its true box for both
 * models at epoch 1, and picks the largest difference (example 3's triangle: 0.86 against 0.09).
 * A link with any query string opens what it says, so every existing link keeps working.
 */
export const FIRST_VIEW: ViewState = {
  ...DEFAULT_STATE,
  model: 'sam-detr-smca',
  compare: 'side-by-side',
  model2: 'detr-baseline',
  epoch: 1,
  image: 'example:23',
};
/** The true object of FIRST_VIEW's scene (index into its objects) the first view selects. */
export const FIRST_VIEW_OBJECT = 2;

/**
 * Whether the main view runs with the SMCA prior: the user's switch, except in the "prior on vs
 * off" comparison, whose main view is the prior-on run by definition (the other view is off).
 */
export function priorShown(s: Pick<ViewState, 'smcaPrior' | 'compare'>): boolean {
  return s.smcaPrior || s.compare === 'prior-off';
}

export function headVisible(mask: number, h: number): boolean {
  return ((mask >> h) & 1) === 1;
}

export function toggleHead(mask: number, h: number): number {
  return mask ^ (1 << h);
}

export function soloHead(h: number): number {
  return 1 << h;
}

export function allHeads(n: number): number {
  return n >= 31 ? 0x7fffffff : (1 << n) - 1;
}

export function visibleHeads(mask: number, n: number): number[] {
  const out: number[] = [];
  for (let h = 0; h < n; h++) if (headVisible(mask, h)) out.push(h);
  return out;
}
