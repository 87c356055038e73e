import { describe, expect, it } from 'vitest';
import { DEFAULT_STATE, INPUT_SIZES, OVERLAYS, PROPS, parseState, reduce, serializeState, type ViewState } from '../../src/app/state';
import { EPOCH, HEADS, IMAGE_COORD, LAYER, QUERY, THREADS, THRESHOLD, ZOOM, type Range } from '../../src/app/state/bounds';

// A link is untrusted input: whatever it holds, each field of the parsed state is one its
// actions could have made (the bounds in src/app/state/bounds.ts), and parsing never throws.

const inRange = (r: Range, v: number) => Number.isFinite(v) && v >= r.min && v <= r.max;
const intIn = (r: Range, v: number) => Number.isInteger(v) && inRange(r, v);
const coord = (v: number) => inRange(IMAGE_COORD, v);

/** What each field may hold after parsing (typed over ViewState: a new field needs its entry). */
const VALID: { [K in keyof ViewState]: (v: ViewState[K]) => boolean } = {
  model: (v) => typeof v === 'string',
  model2: (v) => v === null || typeof v === 'string',
  image: (v) => typeof v === 'string',
  query: (v) => v === null || intIn(QUERY, v),
  layer: (v) => intIn(LAYER, v),
  heads: (v) => intIn(HEADS, v),
  threshold: (v) => inRange(THRESHOLD, v),
  thresholdPinned: (v) => typeof v === 'boolean',
  smcaPrior: (v) => typeof v === 'boolean',
  compare: (v) => ['none', 'prior-off', 'side-by-side'].includes(v),
  overlay: (v) => OVERLAYS.includes(v),
  grid: (v) => typeof v === 'boolean',
  merge: (v) => typeof v === 'boolean',
  mode: (v) => ['decoder', 'encoder', 'convergence'].includes(v),
  encPoint: (v) => v === null || (v.length === 2 && v.every(coord)),
  zoom: (v) => v === null || (inRange(ZOOM, v.z) && coord(v.cx) && coord(v.cy)),
  backend: (v) => ['', 'webgpu', 'webgl', 'wasm', 'cpu'].includes(v),
  threads: (v) => intIn(THREADS, v),
  inputSize: (v) => v === 0 || (INPUT_SIZES as readonly number[]).includes(v),
  contrast: (v) => ['absolute', 'per-map'].includes(v),
  epoch: (v) => intIn(EPOCH, v),
};

const HOSTILE_NUMBERS = ['NaN', '-NaN', 'Infinity', '-Infinity', '1e20', '1e308', '-1e308', '1e-320', '-1', '-0', '0', '0.5', '2.5', '31', '32', '99999', '4294967296', '9'.repeat(400), '0x10', '1e3', ' 3', '', ' ', ',', 'null', '[]', '1,2', '1,2,3', '1,2,3,4'];
const HOSTILE_TUPLES = ['1e20,80,80', '1e308,80,80', '1e308,1e308,-1e308', 'NaN,1,1', '-2,1,1', '0,1,2', '0.001,5,5', '2,NaN,3', '2,,3', ',,', '1e20,1e20', 'NaN,NaN', '-1e308,5', '1,2,3,4', '1', 'Infinity,0,0'];

describe('view state codecs keep every field within what its actions accept', () => {
  it('every field has a validity rule here', () => {
    expect(Object.keys(VALID).sort()).toEqual(Object.keys(PROPS).sort());
    for (const k of Object.keys(VALID) as (keyof ViewState)[]) expect((VALID[k] as (v: unknown) => boolean)(DEFAULT_STATE[k]), `default ${k}`).toBe(true);
  });

  it('out-of-range, NaN and huge values in any field are clamped or dropped, never kept', () => {
    const keys = [...new Set(Object.values(PROPS).map((c) => c.key))];
    for (const key of keys) {
      for (const raw of [...HOSTILE_NUMBERS, ...HOSTILE_TUPLES]) {
        const s = parseState(`?${key}=${encodeURIComponent(raw)}`);
        for (const k of Object.keys(VALID) as (keyof ViewState)[]) {
          expect((VALID[k] as (v: unknown) => boolean)(s[k]), `${key}=${raw} gives ${k} = ${JSON.stringify(s[k])}`).toBe(true);
        }
        // Written back (rounded for the URL) and read again, it stays put.
        const again = parseState(serializeState(s));
        expect(parseState(serializeState(again)), `${key}=${raw} round trip`).toEqual(again);
      }
    }
  });

  it('zoom: a huge factor is clamped to the largest zoom, none or a non-number is dropped', () => {
    expect(parseState('?zoom=1e20,80,80').zoom).toEqual({ z: ZOOM.max, cx: 80, cy: 80 });
    expect(parseState('?zoom=1e308,80,80').zoom).toEqual({ z: ZOOM.max, cx: 80, cy: 80 });
    expect(parseState('?zoom=0.001,5,5').zoom).toEqual({ z: ZOOM.min, cx: 5, cy: 5 });
    expect(parseState('?zoom=2,1e308,-1e308').zoom).toEqual({ z: 2, cx: IMAGE_COORD.max, cy: IMAGE_COORD.min });
    for (const raw of ['NaN,80,80', '-2,1,1', '0,1,2', 'Infinity,0,0', '2,,3', '2,3']) expect(parseState(`?zoom=${raw}`).zoom, raw).toBeNull();
  });

  it('the query: any index a model may have is kept (the model drops it if beyond its own), an impossible one is dropped', () => {
    expect(parseState('?q=25').query).toBe(25);
    expect(parseState(`?q=${QUERY.max}`).query).toBe(QUERY.max);
    for (const raw of [String(QUERY.max + 1), '1e3', '-1', 'NaN', '2.5', '9'.repeat(400), ' 3']) expect(parseState(`?q=${encodeURIComponent(raw)}`).query, raw).toBeNull();
  });

  it('layer, heads, threshold and threads: clamped to their range, or dropped when not a number', () => {
    expect(parseState('?layer=1e20').layer).toBe(LAYER.max);
    expect(parseState('?layer=-5').layer).toBe(LAYER.min);
    expect(parseState('?layer=NaN').layer).toBe(DEFAULT_STATE.layer);
    expect(parseState('?heads=7fffffff').heads).toBe(HEADS.max);
    for (const raw of ['80000000', 'ffffffffff', '-1', 'f0g', 'NaN', '']) expect(parseState(`?heads=${raw}`).heads, raw).toBe(DEFAULT_STATE.heads);
    expect(parseState('?t=1e308').threshold).toBe(THRESHOLD.max);
    expect(parseState('?t=-1').threshold).toBe(THRESHOLD.min);
    expect(parseState('?t=NaN')).toEqual(DEFAULT_STATE);
    expect(parseState('?threads=1e9').threads).toBe(THREADS.max);
    expect(parseState('?enc=1e20,-1e20').encPoint).toEqual([IMAGE_COORD.max, IMAGE_COORD.min]);
    expect(parseState('?enc=NaN,1').encPoint).toBeNull();
  });

  it('the reducer clamps to the same bounds, so a parsed value is one the actions accept unchanged', () => {
    const z = parseState('?zoom=1e20,1e20,-1e20').zoom;
    expect(reduce(DEFAULT_STATE, { type: 'setZoom', zoom: z }).zoom).toEqual(z);
    expect(reduce(DEFAULT_STATE, { type: 'setZoom', zoom: { z: 1e20, cx: 1e308, cy: -1e308 } }).zoom).toEqual(z);
    expect(reduce(DEFAULT_STATE, { type: 'setZoom', zoom: { z: 1e-9, cx: 0, cy: 0 } }).zoom!.z).toBe(ZOOM.min);
    let s = reduce(DEFAULT_STATE, { type: 'setZoom', zoom: { z: ZOOM.max, cx: 0, cy: 0 } });
    s = reduce(s, { type: 'zoomBy', factor: 1e10, imgW: 100, imgH: 100 });
    expect(s.zoom!.z).toBe(ZOOM.max);
    // Panning zoomed out goes 200 px (a tenth of the image at zoom 1) / 0.1 a step: held, it stops at the band's edge.
    s = reduce(s, { type: 'setZoom', zoom: { z: ZOOM.min, cx: 0, cy: 0 } });
    for (let i = 0; i < 100; i++) s = reduce(s, { type: 'panBy', dx: 1, dy: -1, imgW: 2000, imgH: 2000 });
    expect([s.zoom!.cx, s.zoom!.cy]).toEqual([IMAGE_COORD.max, IMAGE_COORD.min]);
    expect(reduce(DEFAULT_STATE, { type: 'setThreshold', threshold: 1e308 }).threshold).toBe(THRESHOLD.max);
    expect(reduce(DEFAULT_STATE, { type: 'setLayer', layer: 1e20, maxLayer: 1e20 }).layer).toBe(LAYER.max);
    expect(reduce(DEFAULT_STATE, { type: 'setEncPoint', point: [1e308, -1e308] }).encPoint).toEqual([IMAGE_COORD.max, IMAGE_COORD.min]);
  });

  it('a query beyond the model, known once it loads, is dropped; one within it stays', () => {
    const linked = parseState('?q=25');
    expect(reduce(linked, { type: 'queryCount', count: 20 }).query).toBeNull();
    expect(reduce(linked, { type: 'queryCount', count: 26 }).query).toBe(25);
    expect(reduce({ ...DEFAULT_STATE, query: 19 }, { type: 'queryCount', count: 20 }).query).toBe(19);
    expect(reduce(DEFAULT_STATE, { type: 'queryCount', count: 20 })).toBe(DEFAULT_STATE);
  });
});
