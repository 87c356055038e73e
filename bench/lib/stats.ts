/** Rounding, medians and ratios of the bench's numbers. */
import { median } from '../../src/bench/engineRun';

export { median, medians } from '../../src/bench/engineRun';

export const round1 = (x: number) => Math.round(x * 10) / 10;
export const round2 = (x: number) => Math.round(x * 100) / 100;

/** a / b to 2 decimals; null when either is missing or b is not positive. */
export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (typeof a !== 'number' || typeof b !== 'number' || !Number.isFinite(a) || !Number.isFinite(b) || b <= 0) return null;
  return round2(a / b);
}

/** Median of one key over runs, to 0.1 ms; null when no run has it. */
export function medianOf<T>(runs: T[], pick: (r: T) => number | undefined): number | null {
  const xs = runs.map(pick).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return xs.length ? round1(median(xs)) : null;
}

/** Milliseconds as the tables print them: ms below 10 s, seconds above. */
export function fmtMs(v: unknown): string {
  if (typeof v !== 'number') return '-';
  return v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${v} ms`;
}
