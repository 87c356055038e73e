import { describe, expect, it } from 'vitest';
import { dedupe, headMaps, matchQuery, shownDetections, smcaChanges, wantedSlices, panelCaption } from '../src/app/viewModel';
import type { QuerySlice, RunResult } from '../src/worker/messages';
import type { Detection } from '../src/model/types';

const det = (query: number, label: number, score: number, box: number[]): Detection => ({ query, label, score, box: box as Detection['box'] });
const run = (detections: Detection[]): RunResult => ({ slot: 0, variant: 'main', detections, featH: 2, featW: 2, resized: [2, 2], padded: [2, 2], timings: [], backend: 'wasm' });

describe('view model selectors', () => {
  it('one detection per query, its best label, best first; threshold applies', () => {
    const r = run([det(1, 0, 0.2, [0, 0, 1, 1]), det(1, 3, 0.6, [0, 0, 1, 1]), det(2, 1, 0.9, [5, 5, 6, 6])]);
    expect(dedupe(r.detections).map((d) => [d.query, d.label])).toEqual([[2, 1], [1, 3]]);
    expect(shownDetections(r, null, 0.7).map((d) => [d.query, d.name])).toEqual([[2, 'class 1']]);
  });

  it('merging duplicates keeps the best box of each object, whatever the class', () => {
    const r = run([det(1, 0, 0.9, [0, 0, 10, 10]), det(2, 3, 0.8, [0, 0, 10, 11]), det(3, 0, 0.7, [20, 20, 30, 30])]);
    expect(shownDetections(r, null, 0, true).map((d) => d.query)).toEqual([1, 3]);
    expect(shownDetections(r, null, 0, false).map((d) => d.query)).toEqual([1, 2, 3]);
  });

  it('matches a query across models by IoU, preferring the same label', () => {
    const a = run([det(1, 0, 0.9, [0, 0, 10, 10])]);
    const b = run([det(5, 1, 0.9, [0, 0, 10, 10]), det(6, 0, 0.9, [1, 1, 10, 10]), det(7, 0, 0.9, [50, 50, 60, 60])]);
    expect(matchQuery(a, b, 1, true)).toBe(6); // IoU 0.81 same label beats 1.0 x 0.5
    expect(matchQuery(a, b, 1, false)).toBe(5);
    expect(matchQuery(a, run([det(7, 0, 0.9, [50, 50, 60, 60])]), 1, true)).toBeNull();
  });

  it('SMCA changes: lost, gained, class change, moved box', () => {
    const on = run([det(1, 0, 0.9, [0, 0, 10, 10]), det(2, 0, 0.9, [0, 0, 10, 10]), det(3, 0, 0.9, [0, 0, 10, 10]), det(4, 0, 0.1, [0, 0, 1, 1])]);
    const off = run([det(1, 0, 0.1, [0, 0, 10, 10]), det(2, 1, 0.9, [0, 0, 10, 10]), det(3, 0, 0.9, [20, 20, 30, 30]), det(4, 0, 0.8, [0, 0, 1, 1])]);
    const byQuery = Object.fromEntries(smcaChanges(on, off, 0.5).map((c) => [c.query, c.what]));
    expect(byQuery).toEqual({ 1: 'lost without prior', 2: 'class changes', 3: 'box moves', 4: 'only without prior' });
  });

  it('asks for the slices each view shows, and nothing in the encoder tab', () => {
    const runs = { main: { gen: 1, result: run([]) }, off: { gen: 1, result: run([]) }, second: { gen: 1, result: run([]) } };
    const s = { query: 4, mode: 'decoder' as const, compare: 'side-by-side' as const, overlay: 'attention' as const };
    expect(wantedSlices(s, runs, 'main', true, 9)).toEqual([[0, 'main', 4], [1, 'main', 9]]);
    expect(wantedSlices({ ...s, compare: 'prior-off' }, runs, 'main', true, 4)).toEqual([[0, 'main', 4], [0, 'main', 4], [0, 'off', 4]]);
    expect(wantedSlices({ ...s, mode: 'encoder' }, runs, 'main', true, 9)).toEqual([]);
  });

  it('the difference overlay is prior-on minus prior-off attention, per head', () => {
    const sl = (v: number[]) => ({ slot: 0, variant: 'main', query: 1, layers: 1, attention: [[Float32Array.from(v)]], gaussian: null }) as unknown as QuerySlice;
    const on = sl([0.7, 0.1, 0.1, 0.1]);
    const off = sl([0.25, 0.25, 0.25, 0.25]);
    const hm = headMaps({ mode: 'decoder' }, on, 'diff', 0, true, { on, off }, null, 0);
    expect(Array.from(hm.maps![0]).map((v) => +v.toFixed(2))).toEqual([0.45, -0.15, -0.15, -0.15]);
    expect(headMaps({ mode: 'decoder' }, on, 'diff', 0, false, { on, off }, null, 0).note).toMatch(/needs an SMCA model/);
    expect(headMaps({ mode: 'decoder' }, on, 'gaussian', 0, true, { on, off }, null, 0).note).toMatch(/prior is off/);
    expect(panelCaption({ mode: 'decoder', overlay: 'diff' }, 3)).toMatch(/difference.*layer 3/);
  });
});
