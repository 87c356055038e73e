import { describe, expect, it } from 'vitest';
import { DEFAULT_STATE, KEYMAP, PROPS, fieldOwnsKey, keyAction, parseState, priorShown, reduce, serializeState, type KeyContext, type ViewState } from '../../src/app/state';

// A non-default value for every field: the codecs' round trip covers the whole table.
const EVERY: ViewState = {
  model: 'sam-detr', model2: 'detr-baseline', image: 'scene:99', query: 3, layer: 4, heads: 0x5a, threshold: 0.125, thresholdPinned: true,
  smcaPrior: false, compare: 'side-by-side', overlay: 'gaussian', grid: false, merge: true, mode: 'encoder', encPoint: [1.5, 2.5],
  zoom: { z: 1.5, cx: 10.25, cy: 20.5 }, backend: 'cpu', threads: 1, inputSize: 320, contrast: 'per-map', epoch: 5,
};

describe('view state codecs', () => {
  it('round-trips every field of the table', () => {
    expect(Object.keys(PROPS).sort()).toEqual(Object.keys(DEFAULT_STATE).sort());
    for (const k of Object.keys(EVERY) as (keyof ViewState)[]) expect(EVERY[k], k).not.toEqual(DEFAULT_STATE[k]);
    expect(parseState(serializeState(EVERY))).toEqual(EVERY);
  });

  it('bad URL values fall back to their defaults, one by one, with no error', () => {
    const bad: Record<string, string> = { q: '-1', layer: 'x', heads: 'zz', t: 'NaN', prior: 'maybe', compare: 'nope', overlay: 'x', grid: '2', mode: 'x', enc: '1', zoom: '0,1,2', backend: 'cuda', threads: 'x', size: '300' };
    for (const [key, value] of Object.entries(bad)) {
      const s = parseState(`?${key}=${encodeURIComponent(value)}`);
      expect(s, `${key}=${value}`).toEqual(DEFAULT_STATE);
    }
  });

  it('the threshold is in the URL only when the user chose it', () => {
    expect(serializeState({ ...DEFAULT_STATE, threshold: 0.08 })).toBe('');
    expect(serializeState({ ...DEFAULT_STATE, threshold: 0.08, thresholdPinned: true })).toBe('t=0.08');
    expect(parseState('?t=0.3').thresholdPinned).toBe(true);
  });
});

describe('actions', () => {
  it('a suggested threshold applies until the user sets one, and each model gets its own', () => {
    let s = reduce(DEFAULT_STATE, { type: 'suggestThreshold', threshold: 0.08 });
    expect(s.threshold).toBe(0.08);
    s = reduce(s, { type: 'suggestThreshold', threshold: 0.3 }); // the next model has no suggestion: the default
    expect(s.threshold).toBe(0.3);
    s = reduce(s, { type: 'setThreshold', threshold: 0.5 });
    s = reduce(s, { type: 'suggestThreshold', threshold: 0.08 });
    expect(s.threshold).toBe(0.5);
  });

  it('layers step and clamp; queries step through the shown order', () => {
    expect(reduce({ ...DEFAULT_STATE, layer: 3 }, { type: 'stepLayer', delta: 1, maxLayer: 3 }).layer).toBe(3);
    expect(reduce({ ...DEFAULT_STATE, layer: 6 }, { type: 'stepLayer', delta: -1, maxLayer: 3 }).layer).toBe(2);
    expect(reduce({ ...DEFAULT_STATE, layer: 1 }, { type: 'setLayer', layer: 9, maxLayer: 3 }).layer).toBe(3);
    const order = [7, 2, 5];
    expect(reduce(DEFAULT_STATE, { type: 'stepQuery', delta: 1, order }).query).toBe(7);
    expect(reduce({ ...DEFAULT_STATE, query: 2 }, { type: 'stepQuery', delta: 1, order }).query).toBe(5);
    expect(reduce({ ...DEFAULT_STATE, query: 5 }, { type: 'stepQuery', delta: 1, order }).query).toBe(5);
  });

  it('a click toggles against the state it applies to, not the drawn one', () => {
    const click = (query: number | null) => ({ type: 'selectQuery' as const, query, toggle: true });
    expect(reduce({ ...DEFAULT_STATE, query: 4 }, click(4)).query).toBeNull();
    expect(reduce({ ...DEFAULT_STATE, query: 4 }, click(10)).query).toBe(10);
    expect(reduce({ ...DEFAULT_STATE, query: 4 }, click(null)).query).toBeNull();
    // #4 drawn as selected, a click on #10 held for its slice, then a click on #4: back to #4.
    const afterBoth = [click(10), click(4)].reduce(reduce, { ...DEFAULT_STATE, query: 4 });
    expect(afterBoth.query).toBe(4);
    // Without toggle a selection is a plain set (keyboard, the SMCA table, links).
    expect(reduce({ ...DEFAULT_STATE, query: 4 }, { type: 'selectQuery', query: 4 }).query).toBe(4);
  });
  it('the prior on vs off comparison always shows the prior on beside off', () => {
    const off = { ...DEFAULT_STATE, smcaPrior: false };
    const cmp = reduce(off, { type: 'setCompare', compare: 'prior-off' });
    expect([cmp.compare, cmp.smcaPrior, priorShown(cmp)]).toEqual(['prior-off', true, true]);
    expect(reduce(reduce(off, { type: 'cycleCompare' }), { type: 'cycleCompare' }).compare).toBe('side-by-side');
    expect(reduce(off, { type: 'cycleCompare' }).smcaPrior).toBe(true);
    // Turning the prior off (S or the switch) while comparing leaves the comparison for the prior-off view.
    for (const a of [{ type: 'toggleSmcaPrior' as const }, { type: 'setSmcaPrior' as const, on: false }]) {
      const r = reduce(cmp, a);
      expect([r.compare, r.smcaPrior]).toEqual(['none', false]);
    }
    // A link with both (prior=off&compare=prior-off): the main view runs with the prior, and S turns it off.
    const link = { ...DEFAULT_STATE, smcaPrior: false, compare: 'prior-off' as const };
    expect(priorShown(link)).toBe(true);
    expect(reduce(link, { type: 'toggleSmcaPrior' }).compare).toBe('none');
    expect(priorShown(reduce(link, { type: 'toggleSmcaPrior' }))).toBe(false);
    expect(reduce({ ...DEFAULT_STATE, compare: 'side-by-side' }, { type: 'setSmcaPrior', on: false }).compare).toBe('side-by-side');
  });
  it('heads toggle, solo, show and all', () => {
    let s = reduce(DEFAULT_STATE, { type: 'toggleHead', head: 2 });
    expect(s.heads).toBe(0xfb);
    s = reduce(s, { type: 'showHead', head: 2 });
    expect(s.heads).toBe(0xff);
    expect(reduce(s, { type: 'soloHead', head: 4 }).heads).toBe(0x10);
    expect(reduce({ ...s, heads: 1 }, { type: 'showAllHeads', heads: 8 }).heads).toBe(0xff);
  });

  it('a new image or scene resets selection, encoder point and zoom the same way (button and N key alike)', () => {
    const busy = { ...DEFAULT_STATE, query: 4, encPoint: [1, 2] as [number, number], zoom: { z: 2, cx: 1, cy: 1 } };
    const viaKey = keyAction({ key: 'n', code: 'KeyN', shiftKey: false }, ctx);
    expect(viaKey?.type).toBe('setImage');
    const s = reduce(busy, viaKey as never);
    expect([s.query, s.encPoint, s.zoom, s.image]).toEqual([null, null, null, 'scene:1234']);
  });

  it('zoom to a query centres its box and makes it fill most of the view', () => {
    const s = reduce(DEFAULT_STATE, { type: 'zoomTo', box: [10, 10, 30, 20], imgW: 100, imgH: 80 });
    expect(s.zoom!.z).toBeCloseTo(3, 12); // 0.6 of the view: the box is 0.2 of the image width
    expect([s.zoom!.cx, s.zoom!.cy]).toEqual([20, 15]);
  });

  it('zoom multiplies about the centre and clamps', () => {
    const s = reduce(DEFAULT_STATE, { type: 'zoomBy', factor: 1.25, imgW: 200, imgH: 100 });
    expect(s.zoom).toEqual({ z: 1.25, cx: 100, cy: 50 });
    let t = s;
    for (let i = 0; i < 40; i++) t = reduce(t, { type: 'zoomBy', factor: 1.25, imgW: 200, imgH: 100 });
    expect(t.zoom!.z).toBe(64);
  });
});

const ctx: KeyContext = { maxLayer: 6, nHeads: 8, isSmca: true, order: [3, 1], imgW: 100, imgH: 80, newScene: () => 'scene:1234', selectedBox: [10, 10, 30, 20], encoderStep: null };

describe('keymap', () => {
  it('maps keys to the same actions the buttons dispatch', () => {
    const k = (key: string, code = '', shiftKey = false) => keyAction({ key, code, shiftKey }, ctx);
    expect(k('ArrowRight')).toEqual({ type: 'stepLayer', delta: 1, maxLayer: 6 });
    expect(k('ArrowLeft', '', true)).toMatchObject({ type: 'panBy', dx: -1, dy: 0 });
    expect(k('3', 'Digit3')).toEqual({ type: 'toggleHead', head: 2 });
    expect(k('#', 'Digit3', true)).toEqual({ type: 'soloHead', head: 2 });
    expect(k('ArrowDown')).toEqual({ type: 'stepQuery', delta: 1, order: [3, 1] });
    expect(k('s')).toEqual({ type: 'toggleSmcaPrior' });
    expect(keyAction({ key: 's', code: 'KeyS', shiftKey: false }, { ...ctx, isSmca: false })).toBeUndefined();
    expect(k('?')).toEqual({ type: 'toggleHelp' });
    expect(k('z')).toEqual({ type: 'zoomTo', box: [10, 10, 30, 20], imgW: 100, imgH: 80 });
    expect(keyAction({ key: 'z', code: 'KeyZ', shiftKey: false }, { ...ctx, selectedBox: null })).toBeUndefined();
    expect(k('m')).toEqual({ type: 'toggleMerge' });
    expect(k('x')).toBeUndefined();
  });

  it('I/J/K/L move the encoder location in the encoder view and do nothing elsewhere', () => {
    const enc = { ...ctx, encoderStep: (dx: number, dy: number): [number, number] => [50 + 10 * dx, 40 + 10 * dy] };
    const k = (key: string) => keyAction({ key, code: 'Key' + key.toUpperCase(), shiftKey: false }, enc);
    expect(k('i')).toEqual({ type: 'setEncPoint', point: [50, 30] });
    expect(k('j')).toEqual({ type: 'setEncPoint', point: [40, 40] });
    expect(k('K')).toEqual({ type: 'setEncPoint', point: [50, 50] });
    expect(k('l')).toEqual({ type: 'setEncPoint', point: [60, 40] });
    expect(keyAction({ key: 'l', code: 'KeyL', shiftKey: false }, ctx)).toBeUndefined();
  });

  it('every binding has keys and help text for the overlay', () => {
    expect(KEYMAP.length).toBeGreaterThanOrEqual(16);
    for (const b of KEYMAP) expect(b.keys.length * b.help.length).toBeGreaterThan(0);
  });
});

describe('keys typed into form controls', () => {
  it('a slider keeps its moving keys and leaves the shortcuts; text fields and menus keep all but Escape', () => {
    expect(fieldOwnsKey('INPUT', 'range', 'ArrowLeft')).toBe(true);
    expect(fieldOwnsKey('INPUT', 'range', 'Home')).toBe(true);
    expect(fieldOwnsKey('INPUT', 'range', 'a')).toBe(false);
    expect(fieldOwnsKey('INPUT', 'range', '3')).toBe(false);
    expect(fieldOwnsKey('INPUT', 'checkbox', ' ')).toBe(true);
    expect(fieldOwnsKey('INPUT', 'checkbox', 'o')).toBe(false);
    expect(fieldOwnsKey('INPUT', 'text', 'a')).toBe(true);
    expect(fieldOwnsKey('INPUT', null, 'a')).toBe(true);
    expect(fieldOwnsKey('SELECT', null, 'ArrowDown')).toBe(true);
    expect(fieldOwnsKey('TEXTAREA', null, 'Escape')).toBe(false);
    expect(fieldOwnsKey('DIV', null, 'a')).toBe(false);
  });
});
