/**
 * Holds a query selection until its attention slice is in the page, so both are drawn in one
 * render (see useViewState): applied when the fetch settles, after `waitMs` at the latest (a busy
 * worker), or at once when anything else is dispatched, so actions keep their order.
 */
export interface Timers {
  set(fn: () => void, ms: number): number;
  clear(id: number): void;
}

const windowTimers: Timers = {
  set: (fn, ms) => window.setTimeout(fn, ms),
  clear: (id) => window.clearTimeout(id),
};

export class SliceWait<A> {
  private held: { a: A; timer: number } | null = null;

  constructor(
    private readonly apply: (a: A) => void,
    private readonly waitMs: number,
    private readonly timers: Timers = windowTimers,
  ) {}

  /** The action held, if any (for computing the state a new action starts from). */
  get pending(): A | null {
    return this.held?.a ?? null;
  }

  /** Holds `a` and starts `request`, which calls `settled` once the slice is stored or failed. */
  hold(a: A, request: (settled: () => void) => void): void {
    this.flush();
    const h = { a, timer: this.timers.set(() => this.release(h), this.waitMs) };
    this.held = h;
    request(() => this.release(h));
  }

  /** Applies the held action now. */
  flush(): void {
    if (this.held) this.release(this.held);
  }

  /** Drops the held action unapplied (the view unmounts). */
  dispose(): void {
    if (this.held) this.timers.clear(this.held.timer);
    this.held = null;
  }

  private release(h: { a: A; timer: number }): void {
    if (this.held !== h) return; // already applied (flushed, timed out or settled)
    this.held = null;
    this.timers.clear(h.timer);
    this.apply(h.a);
  }
}
