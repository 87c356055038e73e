import { allHeads, priorShown, soloHead, toggleHead, type Compare, type Contrast, type Mode, type Overlay, type ViewState } from './viewState';
import { OVERLAYS } from './viewState';
import { EPOCH, IMAGE_COORD, LAYER, THRESHOLD, ZOOM, ZOOM_TO, clampTo } from './bounds';

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
  /**
   * The model's query count, once known: a selection beyond it (from a link) is dropped, as if
   * never made, instead of being asked of the model and reported as an error.
   */
  | { type: 'queryCount'; count: number }
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
  | { type: 'setContrast'; contrast: Contrast }
  /** The training timeline's epoch (0 = the final models); the selected object is kept by the page (it re-matches its query). */
  | { type: 'setEpoch'; epoch: number }
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
  /** Another model is now in the main view (not the page's first): its last layer, the one its boxes come from. */
  | { type: 'modelShown'; maxLayer: number }
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
const clampLayer = (l: number, max: number) => clampTo({ min: LAYER.min, max: Math.max(LAYER.min, Math.min(LAYER.max, max)) }, l);
/** A zoom inside the bounds the URL codec applies too (./bounds). */
const boundedZoom = (z: number, cx: number, cy: number, range = ZOOM) => ({ z: clampTo(range, z), cx: clampTo(IMAGE_COORD, cx), cy: clampTo(IMAGE_COORD, cy) });

const withCompare = (s: ViewState, compare: Compare): ViewState => ({ ...s, compare, smcaPrior: compare === 'prior-off' || s.smcaPrior });
const withPrior = (s: ViewState, on: boolean): ViewState => ({ ...s, smcaPrior: on, compare: !on && s.compare === 'prior-off' ? 'none' : s.compare });

export function reduce(s: ViewState, a: Action): ViewState {
  switch (a.type) {
    case 'selectQuery':
      return { ...s, query: a.toggle && a.query !== null && s.query === a.query ? null : a.query };
    case 'queryCount':
      return s.query !== null && s.query >= a.count ? { ...s, query: null } : s;
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
      return { ...s, threshold: clampTo(THRESHOLD, a.threshold), thresholdPinned: true };
    case 'suggestThreshold':
      return s.thresholdPinned ? s : { ...s, threshold: a.threshold };
    case 'setOverlay':
      return { ...s, overlay: a.overlay };
    case 'setContrast':
      return { ...s, contrast: a.contrast };
    case 'setEpoch':
      return { ...s, epoch: clampTo(EPOCH, Math.round(a.epoch)) };
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
      return { ...s, zoom: boundedZoom(0.6 / frac, (x1 + x2) / 2, (y1 + y2) / 2, ZOOM_TO) };
    }
    case 'setMode':
      return { ...s, mode: a.mode };
    case 'toggleEncoderMode':
      return { ...s, mode: s.mode === 'encoder' ? 'decoder' : 'encoder' };
    case 'setEncPoint':
      return { ...s, encPoint: a.point && [clampTo(IMAGE_COORD, a.point[0]), clampTo(IMAGE_COORD, a.point[1])] };
    case 'setImage':
      return { ...s, image: a.image, query: null, encPoint: null, zoom: null };
    case 'setModel':
      // A new model: its queries are others, and its pair is chosen afresh. Per-model settings do
      // not carry over: the prior is on again (the ablation belongs to the model it was made on)
      // and the new model's suggested display threshold applies again (a threshold of 0 chosen
      // for one model showed another's junk boxes).
      return { ...s, model: a.model, query: null, model2: null, smcaPrior: true, compare: s.compare === 'prior-off' ? 'none' : s.compare, thresholdPinned: false };
    case 'setModel2':
      return { ...s, model2: a.model };
    case 'modelShown':
      return { ...s, layer: clampLayer(a.maxLayer, a.maxLayer) };
    case 'setBackend':
      return { ...s, backend: a.backend };
    case 'setInputSize':
      return { ...s, inputSize: a.size };
    case 'zoomBy': {
      const z = s.zoom ?? { z: 1, cx: a.imgW / 2, cy: a.imgH / 2 };
      return { ...s, zoom: boundedZoom(z.z * a.factor, z.cx, z.cy) };
    }
    case 'panBy': {
      const z = s.zoom ?? { z: 1, cx: a.imgW / 2, cy: a.imgH / 2 };
      const step = (a.imgW * 0.1) / z.z;
      return { ...s, zoom: boundedZoom(z.z, z.cx + a.dx * step, z.cy + a.dy * step) };
    }
    case 'setZoom':
      return { ...s, zoom: a.zoom && boundedZoom(a.zoom.z, a.zoom.cx, a.zoom.cy) };
    case 'resetZoom':
      return { ...s, zoom: null };
  }
}
