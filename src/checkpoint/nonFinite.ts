import type { StateDict } from '../model/types';

/**
 * NaN and +-Inf weights: a diverged training run saves them without complaint, and the model
 * then runs and detects nothing. The loader reports them (names and counts) so the app can say
 * why, instead of showing an empty result with no reason.
 */
export interface NonFinite {
  name: string;
  /** Elements that are NaN or infinite, of `numel`. */
  count: number;
  numel: number;
}

export function findNonFinite(stateDict: StateDict): NonFinite[] {
  const out: NonFinite[] = [];
  const seen = new Set<Float32Array>();
  for (const [name, t] of stateDict) {
    const a = t.data;
    let count = 0;
    // Tied weights share one array: count it once, under its first name.
    if (!seen.has(a)) {
      seen.add(a);
      // x - x is 0 for finite x and NaN for NaN and +-Inf: one comparison per element.
      for (let i = 0; i < a.length; i++) if (a[i] - a[i] !== 0) count++;
    }
    if (count) out.push({ name, count, numel: a.length });
  }
  return out;
}

/** One sentence naming the first few tensors. */
export function nonFiniteWarning(list: NonFinite[]): string {
  const shown = list.slice(0, 5).map((t) => `${t.name} (${t.count} of ${t.numel})`).join(', ');
  const more = list.length > 5 ? `, and ${list.length - 5} more` : '';
  return `${list.length} weight tensor${list.length === 1 ? ' holds' : 's hold'} NaN or infinite values, so the model's outputs will be meaningless: ${shown}${more}.`;
}
