import { allHeads, priorShown, soloHead, toggleHead, type Compare, type Mode, type Overlay, type ViewState } from './viewState';
import { OVERLAYS } from './viewState';

/**
 * Every change of the view state is one of these named actions, applied by `reduce`: the key
 * handler, the buttons and the views all dispatch the same actions, so each transition is
 * written once. Actions carry what they need from outside the state (layer count, the shown
 * queries in order, the image size), so `reduce` stays pure and testable.
 */
export type Action =
  /**
   * `toggle`: a click on a query, which deselects it when it is the selected one. Decided here,
   * against the state the action applies to, not by the view against what it drew: a selection
   * held for its slice (useViewState) is not drawn yet, so a quick second click on the query
   * drawn as selected would otherwise deselect instead of going back to it.
   */
  | { type: 'selectQuery'; query: number | null; toggle?: boolean }
  /** Next / previous of `order` (the shown queries, best first); from none, the first. */
  | { type: 'stepQuery'; delta: 1 | -1; order: number[] }
  | { type: 'setLayer'; layer: number; maxLayer: number }
  | { type: 'stepLayer'; delta: 1 | -1; maxLayer: number }
  | { type: 'toggleHead'; head: number }
  | { type: 'soloHead'; head: number }
  | { type: 'showHead'; head: number }
  | { type: 'showAllHeads'; heads: number }
  | { type: 'setThreshold'; threshold: number }
  | { type: 'setOverlay'; overlay: Overlay }
  | { type: 'cycleOverlay' }
  | { type: 'setCompare'; compare: Compare }
  | { type: 'cycleCompare' }
  | { type: 'setSmcaPrior'; on: boolean }
  | { type: 'toggleSmcaPrior' }
  | { type: 'setGrid'; on: boolean }
  | { type: 'setMerge'; on: boolean }
  | { type: 'toggleMerge' }
  /** Zoom so that a box (the selected query's) fills most of the view. */
  | { type: 'zoomTo'; box: [number, number, number, number]; imgW: number; imgH: number }
  | { type: 'toggleGrid' }
  | { type: 'setMode'; mode: Mode }
  | { type: 'toggleEncoderMode' }
  | { type: 'setEncPoint'; point: [number, number] | null }
  /** A new image (example, scene or upload): selection, encoder point and zoom start afresh. */
  | { type: 'setImage'; image: string }
  | { type: 'setModel'; model: string }
  | { type: 'setModel2'; model: string | null }
  | { type: 'setBackend'; backend: string }
  /** The model input size (0 = the model's own); the run starts again at it. */
  | { type: 'setInputSize'; size: number }
  /** Zoom about the current centre (the image centre when not zoomed). */
  | { type: 'zoomBy'; factor: number; imgW: number; imgH: number }
  | { type: 'panBy'; dx: number; dy: number; imgW: number; imgH: number }
  | { type: 'setZoom'; zoom: ViewState['zoom'] }
  | { type: 'resetZoom' }
  /** A model's suggested display threshold, applied unless the user has chosen one. */
  | { type: 'suggestThreshold'; threshold: number };

const COMPARE_ORDER: Compare[] = ['none', 'prior-off', 'side-by-side'];
const next = <T>(order: readonly T[], v: T) => order[(order.indexOf(v) + 1) % order.length];
const clampLayer = (l: number, max: number) => Math.max(1, Math.min(Math.max(1, max), l));

const withCompare = (s: ViewState, compare: Compare): ViewState => ({ ...s, compare, smcaPrior: compare === 'prior-off' || s.smcaPrior });
const withPrior = (s: ViewState, on: boolean): ViewState => ({ ...s, smcaPrior: on, compare: !on && s.compare === 'prior-off' ? 'none' : s.compare });

export function reduce(s: ViewState, a: Action): ViewState {
  switch (a.type) {
    case 'selectQuery':
      return { ...s, query: a.toggle && a.query !== null && s.query === a.query ? null : a.query };
    case 'stepQuery': {
      if (!a.order.length) return s;
      const i = s.query === null ? -1 : a.order.indexOf(s.query);
      const j = i < 0 ? 0 : Math.min(a.order.length - 1, Math.max(0, i + a.delta));
      return { ...s, query: a.order[j] };
    }
    case 'setLayer':
      return { ...s, layer: clampLayer(a.layer, a.maxLayer) };
    case 'stepLayer':
      return { ...s, layer: clampLayer(Math.min(s.layer, a.maxLayer) + a.delta, a.maxLayer) };
    case 'toggleHead':
      return { ...s, heads: toggleHead(s.heads, a.head) };
    case 'soloHead':
      return { ...s, heads: soloHead(a.head) };
    case 'showHead':
      return { ...s, heads: s.heads | (1 << a.head) };
    case 'showAllHeads':
      return { ...s, heads: allHeads(a.heads) };
    case 'setThreshold':
      return { ...s, threshold: Math.min(1, Math.max(0, a.threshold)), thresholdPinned: true };
    case 'suggestThreshold':
      return s.thresholdPinned ? s : { ...s, threshold: a.threshold };
    case 'setOverlay':
      return { ...s, overlay: a.overlay };
    case 'cycleOverlay':
      return { ...s, overlay: next(OVERLAYS, s.overlay) };
    // The on-vs-off comparison shows the prior on beside off: entering it turns the prior on, and
    // turning the prior off leaves it (off beside off would show the same run twice).
    case 'setCompare':
      return withCompare(s, a.compare);
    case 'cycleCompare':
      return withCompare(s, next(COMPARE_ORDER, s.compare));
    case 'setSmcaPrior':
      return withPrior(s, a.on);
    case 'toggleSmcaPrior':
      return withPrior(s, !priorShown(s));
    case 'setGrid':
      return { ...s, grid: a.on };
    case 'toggleGrid':
      return { ...s, grid: !s.grid };
    case 'setMerge':
      return { ...s, merge: a.on };
    case 'toggleMerge':
      return { ...s, merge: !s.merge };
    case 'zoomTo': {
      const [x1, y1, x2, y2] = a.box;
      const frac = Math.max((x2 - x1) / Math.max(1, a.imgW), (y2 - y1) / Math.max(1, a.imgH), 1e-3);
      return { ...s, zoom: { z: Math.min(64, Math.max(1, 0.6 / frac)), cx: (x1 + x2) / 2, cy: (y1 + y2) / 2 } };
    }
    case 'setMode':
      return { ...s, mode: a.mode };
    case 'toggleEncoderMode':
      return { ...s, mode: s.mode === 'encoder' ? 'decoder' : 'encoder' };
    case 'setEncPoint':
      return { ...s, encPoint: a.point };
    case 'setImage':
      return { ...s, image: a.image, query: null, encPoint: null, zoom: null };
    case 'setModel':
      // A new model: its queries are others, and its pair is chosen afresh.
      return { ...s, model: a.model, query: null, model2: null };
    case 'setModel2':
      return { ...s, model2: a.model };
    case 'setBackend':
      return { ...s, backend: a.backend };
    case 'setInputSize':
      return { ...s, inputSize: a.size };
    case 'zoomBy': {
      const z = s.zoom ?? { z: 1, cx: a.imgW / 2, cy: a.imgH / 2 };
      return { ...s, zoom: { ...z, z: Math.min(64, Math.max(0.1, z.z * a.factor)) } };
    }
    case 'panBy': {
      const z = s.zoom ?? { z: 1, cx: a.imgW / 2, cy: a.imgH / 2 };
      const step = (a.imgW * 0.1) / z.z;
      return { ...s, zoom: { ...z, cx: z.cx + a.dx * step, cy: z.cy + a.dy * step } };
    }
    case 'setZoom':
      return { ...s, zoom: a.zoom };
    case 'resetZoom':
      return { ...s, zoom: null };
  }
}
