/**
 * The whole view state in one URL-serializable shape. Everything the user chooses lives here;
 * derived data (detections, slices) lives in the store next to it but never in the URL.
 */

export type Mode = 'decoder' | 'encoder' | 'convergence';
/** How SMCA is compared: single view, the same SMCA model with its prior off, or two models side by side. */
export type Compare = 'none' | 'prior-off' | 'side-by-side';
export type Overlay = 'attention' | 'heads' | 'gaussian' | 'diff' | 'none';
export const OVERLAYS: Overlay[] = ['attention', 'heads', 'gaussian', 'diff', 'none'];

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
  /** SMCA prior on (true) or off (false) in the primary view. */
  smcaPrior: boolean;
  compare: Compare;
  /** What the heatmap overlay shows: cross-attention, the SMCA Gaussian prior, the difference prior on - off, or nothing. */
  overlay: Overlay;
  /** Show the 7x7 RoI grid. */
  grid: boolean;
  mode: Mode;
  /** Encoder attention source (image px) in encoder mode. */
  encPoint: [number, number] | null;
  /** Zoom relative to fit, and the image point at the view centre. */
  zoom: { z: number; cx: number; cy: number } | null;
  /** Requested backend ('' = automatic). */
  backend: string;
  /** WASM threads asked for when the backend starts (0 = automatic, 1 = single-threaded). */
  threads: number;
}

export const ALL_HEADS = 0xff;

export const DEFAULT_STATE: ViewState = {
  model: '',
  model2: null,
  image: 'example:1',
  query: null,
  layer: 6,
  heads: ALL_HEADS,
  threshold: 0.3,
  smcaPrior: true,
  compare: 'none',
  overlay: 'attention',
  grid: true,
  mode: 'decoder',
  encPoint: null,
  zoom: null,
  backend: '',
  threads: 0,
};

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

const num = (s: string | null, d: number, lo = -Infinity, hi = Infinity): number => {
  if (s === null || s === '') return d;
  const v = Number(s);
  return Number.isFinite(v) ? Math.min(hi, Math.max(lo, v)) : d;
};

export function serializeState(s: ViewState): string {
  const p = new URLSearchParams();
  const d = DEFAULT_STATE;
  if (s.model) p.set('model', s.model);
  if (s.model2) p.set('model2', s.model2);
  if (s.image !== d.image) p.set('image', s.image);
  if (s.query !== null) p.set('q', String(s.query));
  if (s.layer !== d.layer) p.set('layer', String(s.layer));
  if (s.heads !== d.heads) p.set('heads', s.heads.toString(16));
  if (s.threshold !== d.threshold) p.set('t', String(Math.round(s.threshold * 1000) / 1000));
  if (!s.smcaPrior) p.set('prior', 'off');
  if (s.compare !== 'none') p.set('compare', s.compare);
  if (s.overlay !== d.overlay) p.set('overlay', s.overlay);
  if (!s.grid) p.set('grid', '0');
  if (s.mode !== 'decoder') p.set('mode', s.mode);
  if (s.encPoint) p.set('enc', s.encPoint.map((v) => Math.round(v * 10) / 10).join(','));
  if (s.zoom) p.set('zoom', [s.zoom.z, s.zoom.cx, s.zoom.cy].map((v) => Math.round(v * 100) / 100).join(','));
  if (s.backend) p.set('backend', s.backend);
  if (s.threads) p.set('threads', String(s.threads));
  return p.toString();
}

export function parseState(search: string): ViewState {
  const p = new URLSearchParams(search.startsWith('?') ? search.slice(1) : search);
  const d = DEFAULT_STATE;
  const q = p.get('q');
  const heads = p.get('heads');
  const compare = p.get('compare');
  const mode = p.get('mode');
  const enc = p.get('enc')?.split(',').map(Number);
  const zoom = p.get('zoom')?.split(',').map(Number);
  const hm = heads !== null ? parseInt(heads, 16) : NaN;
  return {
    model: p.get('model') ?? d.model,
    model2: p.get('model2') || null,
    image: p.get('image') || d.image,
    query: q !== null && /^\d+$/.test(q) ? Number(q) : null,
    layer: Math.round(num(p.get('layer'), d.layer, 1, 64)),
    heads: Number.isFinite(hm) && hm >= 0 ? hm : d.heads,
    threshold: num(p.get('t'), d.threshold, 0, 1),
    smcaPrior: p.get('prior') !== 'off',
    compare: compare === 'prior-off' || compare === 'side-by-side' ? compare : 'none',
    overlay: OVERLAYS.includes(p.get('overlay') as Overlay) ? (p.get('overlay') as Overlay) : d.overlay,
    grid: p.get('grid') !== '0',
    mode: mode === 'encoder' || mode === 'convergence' ? mode : 'decoder',
    encPoint: enc && enc.length === 2 && enc.every(Number.isFinite) ? [enc[0], enc[1]] : null,
    zoom: zoom && zoom.length === 3 && zoom.every(Number.isFinite) && zoom[0] > 0 ? { z: zoom[0], cx: zoom[1], cy: zoom[2] } : null,
    backend: ['webgpu', 'webgl', 'wasm', 'cpu'].includes(p.get('backend') ?? '') ? (p.get('backend') as string) : '',
    threads: Math.round(num(p.get('threads'), d.threads, 0, 8)),
  };
}
