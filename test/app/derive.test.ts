import { describe, expect, it } from 'vitest';
import { derive, variantOf, wantedSlices } from '../../src/app/derive';
import { DEFAULT_STATE, type ViewState } from '../../src/app/state/viewState';
import { OFFICIAL_DETR_R50, OFFICIAL_R50 } from '../../src/model/config';
import type { ModelInfo, RunResult } from '../../src/worker/messages';

const sam = { config: { ...OFFICIAL_R50, smca: true } } as unknown as ModelInfo;
const detr = { config: OFFICIAL_DETR_R50 } as unknown as ModelInfo;
const view = (over: Partial<ViewState>): ViewState => ({ ...DEFAULT_STATE, ...over });
const run = { gen: 1, result: { detections: [] } as unknown as RunResult };
const allRuns = { main: run, off: run, second: run };

describe('derive(view, session)', () => {
  it('clamps the layer to the part shown, 1-based on screen and 0-based for slices', () => {
    expect(derive(view({ layer: 9, mode: 'decoder' }), { models: [sam, null] })).toMatchObject({ maxLayer: 6, layer: 6, layerIndex: 5 });
    expect(derive(view({ layer: 0 }), { models: [sam, null] })).toMatchObject({ layer: 1, layerIndex: 0 });
    // Before a model is known the layer still stands between 1 and the default 6.
    expect(derive(view({ layer: 3 }), { models: [null, null] })).toMatchObject({ layer: 3, heads: 8 });
  });

  it('the prior: only SAM-DETR with SMCA has one, and switching it off draws the prior-off run', () => {
    const off = derive(view({ smcaPrior: false, compare: 'none' }), { models: [sam, null] });
    expect(off).toMatchObject({ isSmca: true, priorOn: false, needOff: true, primaryVariant: 'off' });
    expect(variantOf(off, 0)).toBe('off');
    expect(variantOf(off, 1)).toBe('main');
    const cmp = derive(view({ smcaPrior: false, compare: 'prior-off' }), { models: [sam, null] });
    expect(cmp).toMatchObject({ priorOn: true, needOff: true, primaryVariant: 'main' });
    const none = derive(view({ smcaPrior: false }), { models: [detr, null] });
    expect(none).toMatchObject({ isSmca: false, needOff: false, primaryVariant: 'main' });
  });

  it('asks for the slices each view shows, and nothing in the encoder tab', () => {
    const s = view({ query: 4, mode: 'decoder', compare: 'side-by-side', overlay: 'attention' });
    const session = { models: [sam, sam], runs: allRuns };
    const d = (v: ViewState) => derive(v, session);
    expect(wantedSlices(s, session, d(s), 9)).toEqual([[0, 'main', 4], [1, 'main', 9]]);
    const p = { ...s, compare: 'prior-off' as const };
    expect(wantedSlices(p, session, d(p), 4)).toEqual([[0, 'main', 4], [0, 'main', 4], [0, 'off', 4]]);
    const e = { ...s, mode: 'encoder' as const };
    expect(wantedSlices(e, session, d(e), 9)).toEqual([]);
  });

  it('adds the effect panel’s slices once, and never a query beyond the model’s count', () => {
    const s = view({ query: 4, mode: 'decoder', compare: 'side-by-side' });
    const session = { models: [sam, sam], runs: allRuns };
    expect(wantedSlices(s, session, derive(s, session), 9, [[0, 4], [1, 9], [1, 2]])).toEqual([[0, 'main', 4], [1, 'main', 9], [1, 'main', 2]]);
    const far = view({ query: 300, mode: 'decoder', compare: 'side-by-side' });
    const small = { models: [{ config: { ...OFFICIAL_R50, numQueries: 100 } } as unknown as ModelInfo, sam], runs: allRuns };
    expect(wantedSlices(far, small, derive(far, small), 9, [[1, 3]])).toEqual([[1, 'main', 3]]);
  });

  it('asks for a DAB-DETR pattern slot past numQueries: the bound is the worker\'s slot count', () => {
    const dab = { config: { ...OFFICIAL_R50, decoder: 'dab', numQueries: 100, numPatterns: 3 }, querySlots: 300 } as unknown as ModelInfo;
    const session = { models: [dab], runs: { main: run } };
    const s = view({ query: 250, mode: 'decoder' });
    expect(wantedSlices(s, session, derive(s, session), null)).toEqual([[0, 'main', 250]]);
    const past = view({ query: 300, mode: 'decoder' });
    expect(wantedSlices(past, session, derive(past, session), null)).toEqual([]);
  });
});
