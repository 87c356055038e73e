import { DEFAULT_STATE, INPUT_SIZES, OVERLAYS, type Compare, type Contrast, type Mode, type Overlay, type ViewState } from './viewState';
import { EPOCH, HEADS, IMAGE_COORD, LAYER, QUERY, THREADS, THRESHOLD, ZOOM, clampTo, type Range } from './bounds';

/**
 * The view state's URL form as a table of typed codecs, one entry per field (the pattern of
 * tensorflow/playground's State.PROPS): its query-string key, how to read it (undefined = not
 * valid: the default applies, no error), and how to write it. A field equal to its default is
 * left out of the URL. parseState and serializeState are generic over the table.
 *
 * A link is untrusted input: each codec gives only what the field's action could have made,
 * clamping a number into its range (./bounds, shared with the reducer) or dropping what has no
 * meaning there (a query index past any model's, a zoom of zero).
 */
export interface Codec<T> {
  key: string;
  parse: (raw: string) => T | undefined;
  serialize: (value: T) => string;
  /** Written only when this holds (default: when the value differs from the default). */
  written?: (s: ViewState) => boolean;
  /** Read from another field's key and never written itself. */
  derived?: true;
}

type Props = { [K in keyof ViewState]: Codec<ViewState[K]> };

/** A finite number clamped to the range, else undefined. */
const clamped = (r: Range, round = false) => (raw: string): number | undefined => {
  if (raw.trim() === '') return undefined;
  const v = Number(raw);
  if (!Number.isFinite(v)) return undefined;
  const c = clampTo(r, v);
  return round ? Math.round(c) : c;
};

const oneOf = <T extends string>(values: readonly T[]) => (raw: string): T | undefined => (values.includes(raw as T) ? (raw as T) : undefined);

/** Comma-separated finite numbers (none empty), rounded for the URL. */
const numbers = (n: number, decimals: number) => ({
  parse: (raw: string): number[] | undefined => {
    const parts = raw.split(',');
    const v = parts.map(Number);
    return v.length === n && parts.every((p) => p.trim() !== '') && v.every(Number.isFinite) ? v : undefined;
  },
  serialize: (v: number[]) => v.map((x) => Math.round(x * 10 ** decimals) / 10 ** decimals).join(','),
});

const text: Codec<string> = { key: '', parse: (raw) => raw || undefined, serialize: (v) => v };
const encNums = numbers(2, 1);
const zoomNums = numbers(3, 2);

export const PROPS: Props = {
  model: { ...text, key: 'model' },
  model2: { key: 'model2', parse: (raw) => raw || undefined, serialize: (v) => v ?? '' },
  image: { ...text, key: 'image' },
  // An index past every model's queries means nothing: dropped, not clamped to another query.
  query: { key: 'q', parse: (raw) => (/^\d{1,9}$/.test(raw) && Number(raw) <= QUERY.max ? Number(raw) : undefined), serialize: (v) => String(v) },
  layer: { key: 'layer', parse: clamped(LAYER, true), serialize: String },
  // A mask wider than the 31 bits heads are kept in would turn negative in bit operations.
  heads: {
    key: 'heads',
    parse: (raw) => {
      if (!/^[0-9a-f]{1,8}$/i.test(raw)) return undefined;
      const v = parseInt(raw, 16);
      return v <= HEADS.max ? v : undefined;
    },
    serialize: (v) => v.toString(16),
  },
  threshold: { key: 't', parse: clamped(THRESHOLD), serialize: (v) => String(Math.round(v * 1000) / 1000), written: (s) => s.thresholdPinned },
  thresholdPinned: { key: 't', parse: (raw) => (clamped(THRESHOLD)(raw) !== undefined ? true : undefined), serialize: () => '', derived: true },
  smcaPrior: { key: 'prior', parse: (raw) => (raw === 'off' ? false : raw === 'on' ? true : undefined), serialize: (v) => (v ? 'on' : 'off') },
  compare: { key: 'compare', parse: oneOf<Compare>(['none', 'prior-off', 'side-by-side']), serialize: (v) => v },
  overlay: { key: 'overlay', parse: oneOf<Overlay>(OVERLAYS), serialize: (v) => v },
  grid: { key: 'grid', parse: (raw) => (raw === '0' ? false : raw === '1' ? true : undefined), serialize: (v) => (v ? '1' : '0') },
  merge: { key: 'merge', parse: (raw) => (raw === '1' ? true : raw === '0' ? false : undefined), serialize: (v) => (v ? '1' : '0') },
  mode: { key: 'mode', parse: oneOf<Mode>(['decoder', 'encoder', 'convergence']), serialize: (v) => v },
  encPoint: {
    key: 'enc',
    parse: (raw) => {
      const v = encNums.parse(raw);
      return v ? [clampTo(IMAGE_COORD, v[0]), clampTo(IMAGE_COORD, v[1])] : undefined;
    },
    serialize: (v) => (v ? encNums.serialize(v) : ''),
  },
  // A factor of zero or less is no zoom at all (dropped); any other is clamped like the keys' zoom.
  zoom: {
    key: 'zoom',
    parse: (raw) => {
      const v = zoomNums.parse(raw);
      return v && v[0] > 0 ? { z: clampTo(ZOOM, v[0]), cx: clampTo(IMAGE_COORD, v[1]), cy: clampTo(IMAGE_COORD, v[2]) } : undefined;
    },
    serialize: (v) => (v ? zoomNums.serialize([v.z, v.cx, v.cy]) : ''),
  },
  backend: { key: 'backend', parse: oneOf(['webgpu', 'webgl', 'wasm', 'cpu']), serialize: (v) => v },
  threads: { key: 'threads', parse: clamped(THREADS, true), serialize: String },
  epoch: { key: 'epoch', parse: clamped(EPOCH, true), serialize: String },
  contrast: { key: 'contrast', parse: oneOf<Contrast>(['absolute', 'per-map']), serialize: (v) => v },
  inputSize: { key: 'size', parse: (raw) => (INPUT_SIZES.some((v) => String(v) === raw) ? Number(raw) : undefined), serialize: String },
};

const FIELDS = Object.keys(PROPS) as (keyof ViewState)[];

/** Reads one field; a missing or invalid value gives the default. */
function parseField<K extends keyof ViewState>(p: URLSearchParams, k: K): ViewState[K] {
  const raw = p.get(PROPS[k].key);
  if (raw === null) return DEFAULT_STATE[k];
  return PROPS[k].parse(raw) ?? DEFAULT_STATE[k];
}

export function parseState(search: string): ViewState {
  const p = new URLSearchParams(search.startsWith('?') ? search.slice(1) : search);
  const out = { ...DEFAULT_STATE };
  for (const k of FIELDS) (out as Record<keyof ViewState, unknown>)[k] = parseField(p, k);
  return out;
}

/** The query string of a state (no '?'), with only the fields that differ from the defaults. */
export function serializeState(s: ViewState): string {
  const p = new URLSearchParams();
  for (const k of FIELDS) {
    const codec = PROPS[k] as Codec<unknown>;
    const v = s[k];
    if (codec.derived || v === null) continue;
    if (codec.written ? !codec.written(s) : JSON.stringify(v) === JSON.stringify(DEFAULT_STATE[k])) continue;
    p.set(codec.key, codec.serialize(v));
  }
  return p.toString();
}
