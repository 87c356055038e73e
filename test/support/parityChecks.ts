/**
 * What the per-family parity tests share: the checks every fixture gets, how many postprocess
 * members sit at the top-k cut (the tie rule may leave those out), and runs of a fixture with one
 * weight nudged, to show which rows a part of the model reaches and which it does not.
 */
import { expect } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/backend/useBackend';
import { formulaWeights } from '../../src/model/formulaWeights';
import { runFixture, compareFixture } from '../../src/parity/run';
import { formatRows, type CompareRow } from '../../src/parity/compare';
import type { Fixture } from '../../src/parity/fixture';
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

/**
 * What every family's fixture test asserts: the fixture run on its formula weights on `backend`
 * passes every row; every row was compared element by element, except that postprocess rows may
 * skip tie members cut by the top-k (only those scored within tolerance of the cut); each image's
 * ranking-free check covers `perImage` detections x (score + 4 coordinates); and the run disposes
 * everything it made. Returns the fixture and rows for the family's own checks.
 */
export async function expectFixtureParity(name: string, backend: 'wasm' | 'cpu', perImage: number): Promise<{ fx: Fixture; rows: CompareRow[] }> {
  await useBackend(backend);
  const fx = loadFixture(name);
  const before = tf.memory().numTensors;
  const rows = compareFixture(fx, await runFixture(fx, formulaWeights(fx.config, fx.weightSeed)));
  console.log(`${name} on ${backend}\n${formatRows(rows)}`);
  expect(rows.filter((r) => !r.pass).map((r) => `${r.name}: ${r.error ?? `worst at ${r.worstIndex}`}`)).toEqual([]);
  for (const r of rows) {
    const ranked = r.name.startsWith('postprocess.') && !r.name.endsWith('.decoded');
    const width = ranked && r.name.endsWith('boxes') ? 4 : 1;
    const allowedSkips = ranked ? nearCut(fx.tensors.get(r.name.replace(/\.\w+$/, '.scores'))!.data) * width : 0;
    expect(r.compared, r.name).toBeGreaterThanOrEqual(r.total - allowedSkips);
    expect(r.total, r.name).toBeGreaterThan(0);
  }
  const images = fx.tensors.get('input.images')!.shape[0];
  const decoded = rows.filter((r) => r.name.endsWith('.decoded'));
  expect(decoded.map((r) => [r.name, r.compared])).toEqual(Array.from({ length: images }, (_, b) => [`postprocess.${b}.decoded`, perImage * 5]));
  expect(tf.memory().numTensors).toBe(before);
  return { fx, rows };
}
