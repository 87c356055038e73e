/**
 * The colour scales of the attention views. Pure functions, no DOM (unit-tested in
 * test/app/colorScale.test.ts).
 *
 * Attention is a probability over the feature map, so one absolute scale serves every head,
 * layer and model: a cell's mass as a multiple of the uniform share 1/N of its map (N cells),
 * on a log axis from 1x (uniform; below it the cell is not coloured) to RATIO_MAX x. An almost
 * uniform map stays almost transparent and a focused one is hot, whatever the map's size, so
 * what is compared is drawn on one scale. Per-map contrast (each map stretched from its own
 * minimum to its maximum) remains as an explicit option; its colours are not comparable.
 */

/** What a map's values are, which decides its scale. */
export type MapKind =
  /** A probability map (sums to 1): attention. */
  | 'seq'
  /** A signed difference of two probability maps (sums to 0): prior on − prior off. */
  | 'div'
  /** A multiplicative weight in [0, 1]: the SMCA prior exp(g), 1 at its peak. */
  | 'weight';

export type Contrast = 'absolute' | 'per-map';

/** Top of the absolute scale: a cell holding this many times the uniform share (or more) is at full colour. */
export const RATIO_MAX = 100;

const LOG_MAX = Math.log(RATIO_MAX);

/** Position in [0, 1] on the absolute scale of a cell holding probability `p` of a map of `n` cells. */
export function ratioPosition(p: number, n: number): number {
  const r = p * n;
  if (!(r > 1)) return 0;
  return Math.min(1, Math.log(r) / LOG_MAX);
}

/**
 * Position in [-1, 1] of a signed difference `d` of two probability maps of `n` cells: the
 * difference as a multiple of the uniform share, on a symmetric log axis (log(1 + |x|)) up to
 * ±RATIO_MAX, so small and large differences both show and 0 is white.
 */
export function signedPosition(d: number, n: number): number {
  const x = d * n;
  if (!Number.isFinite(x) || x === 0) return 0;
  return Math.sign(x) * Math.min(1, Math.log1p(Math.abs(x)) / Math.log1p(RATIO_MAX));
}

/** Per-map contrast: each cell's position between the map's own min and max (seq) or within ±max|v| (div). */
export function perMapPositions(map: ArrayLike<number>, kind: MapKind): Float32Array {
  const out = new Float32Array(map.length);
  let lo = Infinity, hi = -Infinity, abs = 0;
  for (let i = 0; i < map.length; i++) {
    lo = Math.min(lo, map[i]);
    hi = Math.max(hi, map[i]);
    abs = Math.max(abs, Math.abs(map[i]));
  }
  if (kind === 'div') {
    if (abs > 0) for (let i = 0; i < map.length; i++) out[i] = map[i] / abs;
    return out;
  }
  const range = hi - lo > 1e-12 ? hi - lo : 1;
  for (let i = 0; i < map.length; i++) out[i] = Math.max(0, (map[i] - lo) / range);
  return out;
}

/**
 * Every cell's colour position: [0, 1] for 'seq' and 'weight', [-1, 1] for 'div'. The absolute
 * scale reads the map's cell count from its length (a multi-scale layer's level has its own).
 */
export function mapPositions(map: ArrayLike<number>, kind: MapKind, contrast: Contrast): Float32Array {
  if (contrast === 'per-map') return perMapPositions(map, kind);
  const n = map.length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v = map[i];
    out[i] = kind === 'seq' ? ratioPosition(v, n) : kind === 'div' ? signedPosition(v, n) : Math.min(1, Math.max(0, v));
  }
  return out;
}

export interface LegendTick {
  /** Position along the legend, 0 (left) to 1 (right). */
  at: number;
  label: string;
}

export interface LegendSpec {
  kind: MapKind;
  contrast: Contrast;
  /** What the colour means, in words. */
  title: string;
  /** The same in a few words, for a legend inside a view. */
  short: string;
  ticks: LegendTick[];
}

const RATIO_TICKS = [1, 3, 10, 30, 100];

/** The legend of a map kind under a contrast: its title and numbered ticks. */
export function legendSpec(kind: MapKind, contrast: Contrast): LegendSpec {
  if (contrast === 'per-map') {
    return kind === 'div'
      ? { kind, contrast, title: 'per-map contrast: −max|Δ| … +max|Δ| of each map (maps not comparable)', short: 'Δ, per-map contrast', ticks: [{ at: 0, label: '−max' }, { at: 0.5, label: '0' }, { at: 1, label: '+max' }] }
      : { kind, contrast, title: 'per-map contrast: each map from its min to its max (maps not comparable)', short: 'per-map contrast (not comparable)', ticks: [{ at: 0, label: 'min' }, { at: 1, label: 'max' }] };
  }
  if (kind === 'seq') {
    return {
      kind, contrast,
      title: 'attention per cell ÷ uniform share (1/cells), log scale; below 1× not coloured',
      short: 'attention ÷ uniform',
      ticks: RATIO_TICKS.map((r) => ({ at: ratioPosition(r, 1), label: r === RATIO_MAX ? `≥${r}×` : `${r}×` })),
    };
  }
  if (kind === 'div') {
    const signed = [-100, -10, -1, 0, 1, 10, 100];
    return {
      kind, contrast,
      title: 'prior on − off, per cell ÷ uniform share; purple: the prior adds attention, orange: it removes it',
      short: 'prior on − off ÷ uniform',
      ticks: signed.map((x) => ({ at: (signedPosition(x, 1) + 1) / 2, label: x === 0 ? '0' : `${x > 0 ? '+' : '−'}${Math.abs(x)}×` })),
    };
  }
  return { kind, contrast, title: 'SMCA prior weight exp(g) on the attention logits’ exponent (1 at the salient point)', short: 'SMCA prior weight', ticks: [0, 0.25, 0.5, 0.75, 1].map((v) => ({ at: v, label: String(v) })) };
}
