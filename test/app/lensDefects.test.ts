import { describe, expect, it } from 'vitest';
import { DEFAULT_STATE, reduce } from '../../src/app/state';
import { collapseLabels, placeLabels } from '../../src/app/labelLayout';
import { topOffer } from '../../src/app/topDetections';
import { fallbackKind, isDismissed, rememberDismissal } from '../../src/app/noticeMemory';
import type { Pt } from '../../src/app/geometry';
import { runFraction, runSecondsLeft, stageMs, totalMs } from '../../src/app/session/runEstimate';
import { secondsLeft } from '../../src/app/components/TopBar';

describe('a model change shows its last layer', () => {
  it('the layer goes to the new model\'s last, whatever it was', () => {
    expect(reduce({ ...DEFAULT_STATE, layer: 3 }, { type: 'modelShown', maxLayer: 6 }).layer).toBe(6);
    expect(reduce({ ...DEFAULT_STATE, layer: 1 }, { type: 'modelShown', maxLayer: 2 }).layer).toBe(2);
    expect(reduce({ ...DEFAULT_STATE, layer: 6 }, { type: 'modelShown', maxLayer: 3 }).layer).toBe(3);
  });
});

describe('labels keep clear of the salient points', () => {
  it('a label that would cover a point above its box goes to a free place (right edge, inside, below)', () => {
    const box: [number, number, number, number] = [10, 50, 110, 150];
    const [plain] = placeLabels([{ box, width: 30 }], 10, 200);
    expect(plain).toEqual({ x: 10, y: 40, w: 30, h: 10 });
    // A salient point just above the top-left corner: the label moves, and covers none.
    const pts: Pt[] = [[20, 45]];
    const [moved] = placeLabels([{ box, width: 30 }], 10, 200, pts, 3);
    const covers = (r: typeof moved, [x, y]: Pt) => x > r.x - 3 && x < r.x + r.w + 3 && y > r.y - 3 && y < r.y + r.h + 3;
    expect(covers(moved, pts[0])).toBe(false);
    expect(moved).toEqual({ x: 80, y: 40, w: 30, h: 10 });
    // Points along the whole top edge, above and inside: the label goes elsewhere, still on none.
    const row: Pt[] = Array.from({ length: 12 }, (_, i) => [10 + i * 9, 45 + (i % 2) * 10] as Pt);
    const [r] = placeLabels([{ box, width: 30 }], 10, 200, row, 3);
    expect(row.some((p) => covers(r, p))).toBe(false);
  });

  it('with no free place, the one covering the fewest points (never an earlier label)', () => {
    const box: [number, number, number, number] = [0, 20, 40, 40];
    const everywhere: Pt[] = [];
    for (let x = 0; x <= 40; x += 4) for (let y = 10; y <= 50; y += 4) everywhere.push([x, y]);
    const [a, b] = placeLabels([{ box, width: 40 }, { box, width: 40 }], 10, 40, everywhere, 1);
    expect(a.y + a.h <= b.y || b.y + b.h <= a.y).toBe(true);
  });
});

describe('identical stacked labels collapse into one', () => {
  it('six duplicate boxes of one class: one label for six; another class or a distant box keeps its own', () => {
    const dup = (dx: number, key = 'cross') => ({ box: [10 + dx, 50 + dx, 60, 90] as [number, number, number, number], width: 40, key });
    const items = [dup(0), dup(1), dup(2), dup(3, 'arrow'), dup(2), dup(1), dup(0), { box: [150, 10, 190, 40] as [number, number, number, number], width: 40, key: 'cross' }];
    const { leader, count } = collapseLabels(items, 10);
    expect(leader).toEqual([0, 0, 0, 3, 0, 0, 0, 7]);
    expect(count[0]).toBe(6);
    expect(count[3]).toBe(1);
    expect(count[7]).toBe(1);
    expect(leader.filter((l, i) => l === i)).toHaveLength(3);
  });
});

describe('no detection above the threshold: the offer of the top ones', () => {
  const dets = (scores: number[]) => scores.map((score, query) => ({ query, score }));
  it('says the best score and a threshold that shows the top 5', () => {
    const o = topOffer(dets([0.012, 0.02, 0.018, 0.011, 0.015, 0.0101, 0.009, 0.0105]), 0.35)!;
    expect(o.best).toBe(0.02);
    expect(o.count).toBe(5);
    expect(o.threshold).toBeLessThanOrEqual(0.012);
    expect(o.threshold).toBeGreaterThan(0.0105);
  });
  it('scores closer than the URL\'s three decimals: the fifth score itself, still five', () => {
    const o = topOffer(dets([0.01101, 0.01102, 0.01103, 0.01104, 0.01105, 0.01106, 0.011, 0.01107, 0.01108, 0.01109]), 0.3)!;
    expect(o.count).toBe(5);
    expect(o.threshold).toBe(0.01105);
  });
  it('nothing to offer when something is shown, or there is nothing; fewer than 5: all of them; one score per query', () => {
    expect(topOffer(dets([0.5, 0.1]), 0.3)).toBeNull();
    expect(topOffer([], 0.3)).toBeNull();
    expect(topOffer(undefined, 0.3)).toBeNull();
    expect(topOffer(dets([0.1, 0.2]), 0.3)).toEqual({ best: 0.2, threshold: 0.1, count: 2 });
    expect(topOffer([{ query: 1, score: 0.2 }, { query: 1, score: 0.1 }, { query: 2, score: 0.05 }], 0.3)!.count).toBe(2);
  });
});

describe('the backend note, dismissed, stays dismissed across loads', () => {
  const memory = () => {
    const m = new Map<string, string>();
    return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v) };
  };
  it('per kind of fallback, whatever the reasons say', () => {
    const store = memory();
    const wasm = { backend: 'wasm' as const, fallbacks: [{ backend: 'webgpu' as const, reason: 'slower than wasm on a timed 12 ms probe' }] };
    expect(isDismissed(store, fallbackKind(wasm))).toBe(false);
    rememberDismissal(store, fallbackKind(wasm));
    // The next load: the same fallback with another timing.
    const again = { backend: 'wasm' as const, fallbacks: [{ backend: 'webgpu' as const, reason: 'slower than wasm on a timed 15 ms probe' }] };
    expect(isDismissed(store, fallbackKind(again))).toBe(true);
    const webgl = { backend: 'webgl' as const, fallbacks: [{ backend: 'webgpu' as const, reason: 'no adapter' }] };
    expect(isDismissed(store, fallbackKind(webgl))).toBe(false);
  });
  it('storage that throws or holds junk: nothing dismissed, no error', () => {
    const broken = { getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('denied'); } };
    expect(() => rememberDismissal(broken, 'x')).not.toThrow();
    expect(isDismissed(broken, 'x')).toBe(false);
    const junk = { getItem: () => '{"a":1}', setItem: () => {} };
    expect(isDismissed(junk, 'x')).toBe(false);
    expect(isDismissed(null, 'x')).toBe(false);
  });
});

describe('run progress by stage and layer, time left from measured rates', () => {
  // The last run of this model on this device: the backbone 60%, each encoder layer 1/30.
  const last = { preprocess: 10, backbone: 600, encoder: 200, decoder: 150, postprocess: 40 };
  it('how far a run is: the stages before, and the layers done of the current one', () => {
    expect(runFraction(last, 'preprocess')).toBe(0);
    expect(runFraction(last, 'backbone', 8, 16)).toBeCloseTo(0.31, 6);
    expect(runFraction(last, 'encoder', 3, 6)).toBeCloseTo(0.71, 6);
    expect(runFraction(last, 'postprocess')).toBeCloseTo(0.96, 6);
    expect(runFraction(last, 'compiling shaders')).toBeNull();
    // Never timed here: typical shares, still moving with every layer.
    const a = runFraction(null, 'backbone', 1, 16)!;
    const b = runFraction(null, 'backbone', 2, 16)!;
    expect(b).toBeGreaterThan(a);
  });
  it('a run three times slower than the last one is estimated at its own pace, not the last one\'s', () => {
    const expectMs = totalMs(last);
    // Half done after 1.5 s (the last run was half done after 0.5 s): 1.5 s to go, not 0.
    expect(runSecondsLeft(expectMs, 0.5, 1500, 1500)).toBeCloseTo(1.5, 6);
    // Counting down between reports.
    expect(runSecondsLeft(expectMs, 0.5, 1500, 2000)).toBeCloseTo(1, 6);
    expect(secondsLeft({ label: 'Running', since: 0, expectMs, fraction: 0.5, at: 3000 }, 3000)).toBeCloseTo(3, 6);
    // The old estimate (the last run's duration alone) said nothing was left.
    expect(secondsLeft({ label: 'Running', since: 0, expectMs }, 3000)).toBe(0);
  });
  it('with no run measured: from this run\'s pace once a tenth is done', () => {
    expect(runSecondsLeft(undefined, 0.05, 2000, 2500)).toBeNull();
    expect(runSecondsLeft(undefined, 0.5, 4000, 4000)).toBeCloseTo(4, 6);
  });
  it('a run\'s stage times leave out the shader compile', () => {
    expect(stageMs([{ stage: 'preprocess', ms: 5 }, { stage: 'compile shaders', ms: 9000 }, { stage: 'backbone', ms: 100 }])).toEqual({ preprocess: 5, backbone: 100 });
  });
});
