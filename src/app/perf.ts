/**
 * User Timing marks and measures for the benchmark (bench/suites/page.ts and interaction.ts, `npm run bench -- page`); no effect on what is drawn.
 *
 * - `app:backend-ready`, `app:model-loaded`, `app:first-detections`: marks once per page load, their
 *   startTime is milliseconds since navigation start. `app:first-detections` is set after the commit
 *   that drew the first detection run (the D3 overlay draws in ImageView's effect, before App's).
 * - `interaction:<name>`: from the input event (its timeStamp) to the end of the redraw it causes,
 *   i.e. App's effect after the commit that shows the result (child effects, where D3 and the canvases
 *   draw, run before it). `interaction-paint:<name>`: the same start, ending after the next frame.
 *   Names: select-query (slice already in the page), select-query-fetch (first selection of a query
 *   in this run: includes fetching its slice from the worker, no model computation), toggle-head,
 *   change-layer, change-threshold. Head toggles clicked with the mouse wait 220 ms on purpose (to tell
 *   a double-click, which solos the head); their measure starts when the toggle is applied.
 */
export type InteractionName = 'select-query' | 'select-query-fetch' | 'toggle-head' | 'change-layer' | 'change-threshold';

/** What the App reports after each commit; an interaction ends at the first commit matching its target. */
export interface DrawnState {
  query: number | null;
  /** The selected query's slice is in the page (or nothing needs one). */
  sliceReady: boolean;
  heads: number;
  layer: number;
  threshold: number;
}

interface Pending {
  name: InteractionName;
  start: number;
  target: Partial<DrawnState>;
}

let pending: Pending | null = null;
const marked = new Set<string>();
/** An interaction that never shows (a no-op input) is dropped after this long. */
const STALE_MS = 10_000;

/** Marks `name` once per page load. */
export function markOnce(name: string): void {
  if (marked.has(name)) return;
  marked.add(name);
  performance.mark(name);
}

/** Starts timing an interaction; `ev` is the input event (its timeStamp is the start), else now. */
export function beginInteraction(name: InteractionName, target: Partial<DrawnState>, ev?: { timeStamp?: number } | null): void {
  const t = ev?.timeStamp;
  // Event timeStamps share performance.now()'s time origin in current browsers.
  const start = typeof t === 'number' && t > 0 && t <= performance.now() ? t : performance.now();
  pending = { name, start, target };
}

/** Called by App after every commit: ends the pending interaction when the commit shows its target. */
export function endInteraction(drawn: DrawnState): void {
  const p = pending;
  if (!p) return;
  const now = performance.now();
  if (now - p.start > STALE_MS) {
    pending = null;
    return;
  }
  for (const k of Object.keys(p.target) as (keyof DrawnState)[]) if (p.target[k] !== drawn[k]) return;
  pending = null;
  performance.measure(`interaction:${p.name}`, { start: p.start, end: now });
  requestAnimationFrame(() => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      performance.measure(`interaction-paint:${p.name}`, { start: p.start, end: performance.now() });
      ch.port1.close();
    };
    ch.port2.postMessage(0);
  });
}
