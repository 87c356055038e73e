/**
 * What the per-family parity tests share: how many postprocess members sit at the top-k cut (the
 * tie rule may leave those out), and runs of a fixture with one weight nudged, to show which
 * rows a part of the model reaches and which it does not.
 */
import { formulaWeights } from '../../src/model/formulaWeights';
import { runFixture, compareFixture } from '../../src/parity/run';
import type { StateDict } from '../../src/model/types';
import { loadFixture } from './helpers';

/** How many of the ranked scores are within tolerance of the last one (the cut). */
export function nearCut(scores: ArrayLike<number>): number {
  const cut = scores[scores.length - 1];
  return Array.from(scores).filter((v) => Math.abs(v - cut) <= 1e-4 + 1e-3 * Math.abs(cut)).length;
}

/** The names of the rows that fail when the fixture runs with `weights`. */
export async function failingRows(name: string, weights: StateDict): Promise<string[]> {
  const fx = loadFixture(name);
  return compareFixture(fx, await runFixture(fx, weights)).filter((r) => !r.pass).map((r) => r.name);
}

/** Formula weights of a fixture with `delta` added to one tensor. */
export function nudged(name: string, tensor: string, delta: number): StateDict {
  const fx = loadFixture(name);
  const weights = formulaWeights(fx.config, fx.weightSeed);
  const t = weights.get(tensor)!;
  weights.set(tensor, { ...t, data: t.data.map((v) => v + delta) });
  return weights;
}
