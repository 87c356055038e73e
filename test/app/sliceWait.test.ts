/** A query selection held until its slice is in the page (src/app/state/sliceWait.ts). */
import { describe, expect, it } from 'vitest';
import { SliceWait, type Timers } from '../../src/app/state/sliceWait';

/** Timers run by hand: `fire()` runs every timer still set. */
function manualTimers() {
  const set = new Map<number, () => void>();
  let next = 1;
  const timers: Timers = {
    set: (fn) => {
      set.set(next, fn);
      return next++;
    },
    clear: (id) => void set.delete(id),
  };
  const fire = () => {
    for (const [id, fn] of [...set]) {
      set.delete(id);
      fn();
    }
  };
  return { timers, fire, count: () => set.size };
}

function setup() {
  const applied: string[] = [];
  const t = manualTimers();
  const w = new SliceWait<string>((a) => applied.push(a), 80, t.timers);
  return { applied, t, w };
}

describe('SliceWait', () => {
  it('applies a held selection when its slice settles, once, and clears its timer', () => {
    const { applied, t, w } = setup();
    let settle = () => {};
    w.hold('select 3', (s) => (settle = s));
    expect(applied).toEqual([]);
    expect(w.pending).toBe('select 3');
    settle();
    expect(applied).toEqual(['select 3']);
    expect(t.count()).toBe(0);
    settle();
    t.fire();
    expect(applied).toEqual(['select 3']);
    expect(w.pending).toBeNull();
  });
  it('applies it after the wait when the slice is slow, and not again when it arrives', () => {
    const { applied, t, w } = setup();
    let settle = () => {};
    w.hold('select 3', (s) => (settle = s));
    t.fire();
    expect(applied).toEqual(['select 3']);
    settle();
    expect(applied).toEqual(['select 3']);
  });
  it('keeps actions in order: a flush applies the held one first; a late settle of it does nothing', () => {
    const { applied, w } = setup();
    const settles: (() => void)[] = [];
    w.hold('select 3', (s) => settles.push(s));
    w.hold('select 4', (s) => settles.push(s)); // a second selection flushes the first
    expect(applied).toEqual(['select 3']);
    settles[0]();
    expect(applied).toEqual(['select 3']);
    w.flush(); // e.g. a layer change arrives
    expect(applied).toEqual(['select 3', 'select 4']);
    settles[1]();
    expect(applied).toEqual(['select 3', 'select 4']);
  });
  it('applies at once when the request settles synchronously (slice already there)', () => {
    const { applied, w } = setup();
    w.hold('select 1', (s) => s());
    expect(applied).toEqual(['select 1']);
    expect(w.pending).toBeNull();
  });
  it('drops a held selection unapplied when disposed', () => {
    const { applied, t, w } = setup();
    let settle = () => {};
    w.hold('select 2', (s) => (settle = s));
    w.dispose();
    t.fire();
    settle();
    expect(applied).toEqual([]);
  });
});
