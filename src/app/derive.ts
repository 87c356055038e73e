/**
 * What the page shows, derived in one place from the view state (the URL) and the session (what
 * the worker has answered): the layer on screen, the SMCA prior's state, which decoder variant
 * each compared model is drawn from, and which query slices the view needs. Pure, so the panels
 * and the effects that fetch slices can never disagree about them.
 */
import type { ViewState } from './state/viewState';
import { priorShown } from './state/viewState';
import type { SessionState } from './session/sessionState';
import type { Variant } from '../worker/messages';
import { querySlotsOf } from './querySlots';

/** One query slice the view needs: [model slot (0 main, 1 compared), decoder variant, query]. */
export type WantedSlice = [number, Variant, number];

export interface Derived {
  /** The main model is SAM-DETR with the SMCA prior (so it can be switched off). */
  isSmca: boolean;
  /** The prior is drawn (on, or shown beside its prior-off run). */
  priorOn: boolean;
  /** The prior-off decoder run is needed (the prior is off, compared, or differenced). */
  needOff: boolean;
  /** The variant of the main model's decoder drawn as the primary view. */
  primaryVariant: Variant;
  heads: number;
  /** Layers of the part shown (encoder or decoder); at least 1 before a model is known. */
  maxLayer: number;
  /** The layer on screen, 1-based as labelled, clamped to the model's layers. */
  layer: number;
  /** The same layer, 0-based, as slices index it. */
  layerIndex: number;
}

export function derive(view: ViewState, session: Pick<SessionState, 'models'>): Derived {
  const info = session.models[0];
  const c = info?.config;
  const isSmca = !!c?.smca && c.decoder === 'sam';
  const priorOn = priorShown(view);
  const maxLayer = Math.max(1, view.mode === 'encoder' ? (c?.encLayers ?? 6) : (c?.decLayers ?? 6));
  const layer = Math.min(Math.max(1, view.layer), maxLayer);
  return {
    isSmca,
    priorOn,
    needOff: isSmca && (!priorOn || view.compare === 'prior-off' || view.overlay === 'diff'),
    primaryVariant: isSmca && !priorOn ? 'off' : 'main',
    heads: c?.nheads ?? 8,
    maxLayer,
    layer,
    layerIndex: layer - 1,
  };
}

/** The variant a model slot is drawn from: the main model's primary variant, the compared model's own run. */
export function variantOf(d: Pick<Derived, 'primaryVariant'>, slot: number): Variant {
  return slot === 0 ? d.primaryVariant : 'main';
}

/**
 * The query slices the view needs: the selected query of the primary variant, both variants for
 * the prior comparisons, the matched query of the compared model, and what the effect panel
 * measures (`extra`, [slot, query]). A query beyond the main model's count (a link made for
 * another model) is not asked for until the view drops it.
 */
export function wantedSlices(
  view: Pick<ViewState, 'query' | 'mode' | 'compare' | 'overlay'>, session: Pick<SessionState, 'models' | 'runs'>, d: Derived,
  matched: number | null, extra: [number, number][] = [],
): WantedSlice[] {
  const w: WantedSlice[] = [];
  const { runs } = session;
  const nq = session.models[0] ? querySlotsOf(session.models[0]) : undefined;
  const query = nq !== undefined && view.query !== null && view.query >= nq ? null : view.query;
  if (query !== null && runs.main && view.mode === 'decoder') {
    if (d.primaryVariant === 'main' || runs.off) w.push([0, d.primaryVariant, query]);
    if (d.isSmca && (view.compare === 'prior-off' || view.overlay === 'diff')) {
      w.push([0, 'main', query]);
      if (runs.off) w.push([0, 'off', query]);
    }
    if (view.compare === 'side-by-side' && runs.second && matched !== null) w.push([1, 'main', matched]);
  }
  for (const [slot, q] of extra) {
    const v = variantOf(d, slot);
    if (!w.some(([a, b, c]) => a === slot && b === v && c === q)) w.push([slot, v, q]);
  }
  return w;
}
