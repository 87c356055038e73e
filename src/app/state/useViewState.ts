import { useCallback, useEffect, useLayoutEffect, useMemo, useReducer, useRef } from 'react';
import { beginInteraction } from '../perf';
import { reduce, type Action } from './actions';
import { SliceWait } from './sliceWait';
import { parseState, serializeState } from './codecs';
import { FIRST_VIEW, type ViewState } from './viewState';

export type Dispatch = (a: Action, ev?: { timeStamp?: number }) => void;

/** How long the URL waits for zoom and pan to settle (they send many changes a second). */
const URL_DEBOUNCE_MS = 150;
/** Longest a query selection waits for its slice before it is drawn without it (a busy worker). */
export const SLICE_WAIT_MS = 80;

/**
 * The view state: read from the URL once, changed only by named actions, written back to the
 * URL debounced (Safari throws after 100 history calls in 30 s). Dispatch also starts the
 * interaction timing of the actions the benchmark measures (./perf): it knows the target state
 * before React draws it. `isSliceCached(q)` tells a query selection that needs no fetch;
 * `fetchSlice(q, settled)` asks for the slice of a newly selected query at once and calls
 * `settled` when it is in the page (or failed).
 *
 * A selection that needs a fetch is applied when its slice arrives, in the same render, or after
 * SLICE_WAIT_MS, whichever is first. Drawn at once, the selection's first render and the frame
 * after it held the page's main thread while the worker's reply (1-3 ms of work) waited behind
 * them: 7-22 ms from reply to page (bundled model, Chromium wasm), then a second render. Any
 * other action flushes a waiting selection first, so actions still apply in order.
 */
export function useViewState(
  isSliceCached: (q: number) => boolean,
  fetchSlice?: (q: number, settled: () => void) => void,
): [ViewState, Dispatch, { readonly current: ViewState }] {
  // A bare visit (no query string at all) opens on the first view; any link opens what it says.
  const [s, raw] = useReducer(reduce, undefined, () => (window.location.search ? parseState(window.location.search) : FIRST_VIEW));
  // The state and cache test as of the last commit, for dispatch's timing (events come after commits).
  const ref = useRef(s);
  const cached = useRef(isSliceCached);
  const fetcher = useRef(fetchSlice);
  useLayoutEffect(() => {
    ref.current = s;
    cached.current = isSliceCached;
    fetcher.current = fetchSlice;
  });

  // A selection waiting for its slice: applying it is the first thing any later dispatch does.
  const wait = useMemo(() => new SliceWait<Action>(raw, SLICE_WAIT_MS), []);
  useEffect(() => () => wait.dispose(), [wait]);

  const dispatch = useCallback<Dispatch>((a, ev) => {
    const pending = wait.pending;
    wait.flush();
    const next = reduce(pending ? reduce(ref.current, pending) : ref.current, a);
    switch (a.type) {
      case 'selectQuery':
      case 'stepQuery': {
        const needsSlice = next.query !== null && next.mode === 'decoder' && !cached.current(next.query);
        beginInteraction(needsSlice ? 'select-query-fetch' : 'select-query', { query: next.query, sliceReady: true }, ev);
        const request = fetcher.current;
        if (needsSlice && request) {
          wait.hold(a, (settled) => request(next.query!, settled));
          return;
        }
        break;
      }
      case 'setLayer':
      case 'stepLayer':
        beginInteraction('change-layer', { layer: next.layer }, ev);
        break;
      case 'toggleHead':
      case 'soloHead':
      case 'showHead':
      case 'showAllHeads':
        beginInteraction('toggle-head', { heads: next.heads }, ev);
        break;
      case 'setThreshold':
        beginInteraction('change-threshold', { threshold: next.threshold }, ev);
        break;
    }
    raw(a);
  }, [wait]);

  // Discrete changes go to the URL in the next task, after the redraw: history.replaceState cost
  // 2-7 ms a call in Chromium, a third of an interaction's budget. (Waiting for idle time instead
  // measured no better and left the URL behind a reader that looks at once.) A change of zoom
  // alone waits until zooming stops.
  const written = useRef(s);
  useEffect(() => {
    const write = () => {
      written.current = s;
      const q = serializeState(s);
      try {
        window.history.replaceState(null, '', q ? `?${q}` : window.location.pathname);
      } catch {
        // A browser limiting history calls: the URL catches up with the next change.
      }
    };
    const discrete = serializeState({ ...s, zoom: written.current.zoom }) !== serializeState(written.current);
    const id = window.setTimeout(write, discrete ? 0 : URL_DEBOUNCE_MS);
    return () => window.clearTimeout(id);
  }, [s]);

  return [s, dispatch, ref];
}
