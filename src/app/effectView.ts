/**
 * What the effect panel shows in a side-by-side comparison (pure; test/app/effect.test.ts):
 * the selected object's pair of queries and every object both models found, the slices they
 * need, and the measures once the slices are there.
 */
import type { QuerySlice } from '../worker/messages';
import type { Detection } from '../worker/messages';
import { bestQueryPerObject, imageBoxToNorm, mostOverlapping, matchedObjects, meanEffect, queryEffect, type MatchedObject, type TruthObject } from './effect';
import type { EffectBlock } from './components/EffectPanel';
import type { Box, Frame } from './geometry';

export interface EffectInput {
  /** Every detection of each model's run (all queries, any score) and the first model's shown queries. */
  dets: [Detection[], Detection[]];
  shown0: number[];
  truth: TruthObject[] | null;
  frames: [Frame, Frame];
  selected: [number, number] | null;
  heads: number[];
  /** The second model's match of a first-model query (photos, no ground truth). */
  match: (q: number) => number | null;
  slice: (model: 0 | 1, q: number) => QuerySlice | undefined;
}

export interface EffectView {
  blocks: EffectBlock[];
  note: string | null;
  /** [model, query] pairs whose slices are needed. */
  wanted: [0 | 1, number][];
}

/** The ground-truth object a query's detection overlaps most (any IoU above 0), if any. */
function truthOf(dets: Detection[], q: number, truth: TruthObject[] | null): TruthObject | null {
  const d = dets.find((x) => x.query === q);
  return d && truth ? mostOverlapping(truth, (t) => t.box, d.box as Box) : null;
}

export function effectView(x: EffectInput): EffectView {
  const objects: MatchedObject[] = matchedObjects(x.dets[0], x.dets[1], x.truth, x.shown0, x.match);
  const wanted: [0 | 1, number][] = [];
  const want = (m: 0 | 1, q: number) => wanted.some(([a, b]) => a === m && b === q) || wanted.push([m, q]);
  if (x.selected) {
    want(0, x.selected[0]);
    want(1, x.selected[1]);
  }
  for (const o of objects) {
    want(0, o.queries[0]);
    want(1, o.queries[1]);
  }
  const measure = (m: 0 | 1, q: number, t: TruthObject | null) => {
    const sl = x.slice(m, q);
    if (!sl) return null;
    const f = x.frames[m];
    return queryEffect(sl, x.heads, t ? imageBoxToNorm(t.box, f) : null, f.padW / f.padH);
  };
  const blocks: EffectBlock[] = [];
  let pending = 0;
  if (x.selected) {
    const t = truthOf(x.dets[0], x.selected[0], x.truth);
    const a = measure(0, x.selected[0], t);
    const b = measure(1, x.selected[1], t);
    const object = t && x.truth ? x.truth.indexOf(t) : undefined;
    if (a && b) blocks.push({ scope: 'selected', object, title: `Selected object: query #${x.selected[0]} (A) and #${x.selected[1]} (B)${t ? '' : x.truth ? ', no true object under it' : ''}`, effects: [a, b] });
    else pending++;
  }
  const per: [ReturnType<typeof measure>, ReturnType<typeof measure>][] = objects.map((o) => [measure(0, o.queries[0], o.truth), measure(1, o.queries[1], o.truth)]);
  const done = per.filter((p): p is [NonNullable<(typeof p)[0]>, NonNullable<(typeof p)[1]>] => !!p[0] && !!p[1]);
  if (objects.length && done.length === objects.length) {
    const what = x.truth ? `all ${objects.length} true objects (each model's best-overlapping query)` : `all ${objects.length} shown detections with a match`;
    blocks.push({ scope: 'mean', title: `Mean over ${what}`, effects: [meanEffect(done.map((p) => p[0])), meanEffect(done.map((p) => p[1]))] });
  } else if (objects.length) pending++;
  const note = !x.selected && !objects.length
    ? (x.truth ? 'No query of either model overlaps an object of this scene yet; select a query to measure it.' : 'Select a query to measure its attention and its match’s.')
    : pending ? 'Measuring…' : null;
  return { blocks, note, wanted };
}

/**
 * The selected object's query in the second model: on a generated scene, that model's best query
 * for the true object under the first model's query; elsewhere (or with none under it), `fallback`.
 */
export function secondQueryFor(dets: [Detection[], Detection[]], q: number | null, truth: TruthObject[] | null, fallback: number | null): number | null {
  if (q === null) return null;
  const t = truthOf(dets[0], q, truth);
  if (!t) return fallback;
  return bestQueryPerObject(dets[1], [t])[0] ?? fallback;
}
