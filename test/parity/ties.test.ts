import { describe, it, expect } from 'vitest';
import { compareFixture } from '../../src/parity/run';
import { alignTiedDetections } from '../../src/parity/ties';
import { OFFICIAL_R50 } from '../../src/model/config';
import type { Fixture, FixtureTensor } from '../../src/parity/fixture';

// The tie rule of the rank-order postprocess rows: official detections of the tie cut by the
// top-k that ours lacks are left out of the comparison, however many, when each scores within
// tolerance of the cut; an unmatched one further above the cut, or a wrong detection of ours,
// fails. A small synthetic head output stands in for a fixture: 20 queries x 3 classes, top 10,
// four clear leaders and twelve (query, label) pairs tied exactly at the cut.
const NQ = 20;
const NC = 3;
const K = 10;
const SIZE: [number, number] = [100, 200]; // [h, w]
const LAST = OFFICIAL_R50.decLayers - 1;
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const TIED_LOGIT = -0.85;

interface Det { query: number; label: number }

function headOutputs(extra: [number, number, number][] = []) {
  const logits = new Float32Array(NQ * NC).fill(-5);
  for (const [q, l, x] of [[0, 0, 3], [1, 1, 2.5], [2, 2, 2], [3, 0, 1.5], ...extra]) logits[q * NC + l] = x;
  for (let q = 4; q < 16; q++) logits[q * NC + (q % NC)] = TIED_LOGIT;
  const boxes = new Float32Array(NQ * 4);
  for (let q = 0; q < NQ; q++) boxes.set([0.05 + q * 0.04, 0.5, 0.03, 0.1], q * 4);
  return { logits, boxes };
}

/** Postprocess tensors for a list of detections, as the model (and the official code) writes them. */
function postprocessOf(dets: Det[], logits: Float32Array, boxes: Float32Array) {
  const [h, w] = SIZE;
  return {
    scores: Float32Array.from(dets, (d) => sigmoid(logits[d.query * NC + d.label])),
    labels: Int32Array.from(dets, (d) => d.label),
    boxes: Float32Array.from(dets.flatMap((d) => {
      const [cx, cy, bw, bh] = boxes.subarray(d.query * 4, d.query * 4 + 4);
      return [(cx - bw / 2) * w, (cy - bh / 2) * h, (cx + bw / 2) * w, (cy + bh / 2) * h];
    })),
    queries: Int32Array.from(dets, (d) => d.query),
  };
}

const tensor = (name: string, data: FixtureTensor['data'], shape: number[]): FixtureTensor => ({ name, dtype: data instanceof Float32Array ? 'float32' : 'int32', shape, data });

/** The official fixture (its top-k `official`) and our outputs (our top-k `mine`, boxes optionally altered). */
function setup(official: Det[], mine: Det[], opts: { extra?: [number, number, number][]; alter?: (boxes: Float32Array) => void } = {}) {
  const { logits, boxes } = headOutputs(opts.extra);
  const ref = postprocessOf(official, logits, boxes);
  const fx: Fixture = {
    variant: 'synthetic-ties', weightSeed: 0, config: OFFICIAL_R50, imageSizes: [SIZE], targetSizes: [SIZE],
    tensors: new Map([
      tensor(`outputs.${LAST}.pred_logits`, logits, [1, NQ, NC]),
      tensor(`outputs.${LAST}.pred_boxes`, boxes, [1, NQ, 4]),
      tensor('postprocess.0.scores', ref.scores, [K]),
      tensor('postprocess.0.labels', ref.labels, [K]),
      tensor('postprocess.0.boxes', ref.boxes, [K, 4]),
    ].map((t) => [t.name, t])),
  };
  const o = postprocessOf(mine, logits, boxes);
  opts.alter?.(o.boxes);
  const ours = new Map<string, ArrayLike<number>>([
    [`outputs.${LAST}.pred_logits`, logits], [`outputs.${LAST}.pred_boxes`, boxes],
    ['postprocess.0.scores', o.scores], ['postprocess.0.labels', o.labels], ['postprocess.0.boxes', o.boxes], ['postprocess.0.queries', o.queries],
  ]);
  return compareFixture(fx, ours);
}

const leaders: Det[] = [{ query: 0, label: 0 }, { query: 1, label: 1 }, { query: 2, label: 2 }, { query: 3, label: 0 }];
const tied = (from: number, n: number): Det[] => Array.from({ length: n }, (_, i) => ({ query: from + i, label: (from + i) % NC }));
const failures = (rows: ReturnType<typeof compareFixture>) => rows.filter((r) => !r.pass).map((r) => `${r.name}: ${r.error ?? `worst at ${r.worstIndex}`}`);

describe('postprocess tie rule', () => {
  it('passes when ours holds other members of the tie cut by top-k, all six of them', () => {
    // Official: queries 4..9 of the tie; ours: 10..15 (equally valid: the same score).
    const rows = setup([...leaders, ...tied(4, 6)], [...leaders, ...tied(10, 6)]);
    expect(failures(rows)).toEqual([]);
    const scores = rows.find((r) => r.name === 'postprocess.0.scores')!;
    expect([scores.compared, scores.total]).toEqual([4, 10]);
    expect(scores.note).toMatch(/6 tie members cut by top-10 not compared/);
    // Each of ours is still proved against the official logits.
    expect(rows.find((r) => r.name === 'postprocess.0.decoded')).toMatchObject({ pass: true, compared: 50 });
  });

  it('fails a wrong detection among the tie members (the per-detection check catches what the rank rows leave out)', () => {
    const rows = setup([...leaders, ...tied(4, 6)], [...leaders, ...tied(10, 6)], { alter: (b) => b.set([0, 0, 1, 1], 9 * 4) });
    expect(failures(rows).map((f) => f.split(':')[0])).toEqual(['postprocess.0.decoded']);
  });

  it('fails when an unmatched official member of the last tie run scores above the cut by more than the tolerance', () => {
    // Query 16 scores just more than the tolerance above the tied cut score, yet within
    // tolerance of nothing but itself and the tie (so it starts the last tie run).
    const cut = Math.fround(sigmoid(TIED_LOGIT));
    const tol = 1e-4 + 1e-3 * cut;
    const above = Math.log((cut + tol * 1.0005) / (1 - cut - tol * 1.0005));
    const official = [...leaders, { query: 16, label: 1 }, ...tied(4, 5)];
    const rows = setup(official, [...leaders, ...tied(10, 6)], { extra: [[16, 1, above]] });
    const s16 = Math.fround(sigmoid(Math.fround(above)));
    expect(s16 - cut).toBeGreaterThan(tol);
    expect(s16 - cut).toBeLessThanOrEqual(1e-4 + 1e-3 * s16);
    expect(failures(rows).find((f) => f.startsWith('postprocess.0.scores'))).toMatch(/unmatched though scored above the cut/);
  });
});

describe('alignTiedDetections', () => {
  const boxes = (n: number, base: number) => Array.from({ length: n * 4 }, (_, i) => base + Math.floor(i / 4) * 10);

  it('excludes every unmatched member of the cut tie that is within tolerance of the cut score', () => {
    const s = [0.9, ...Array(8).fill(0.5)];
    const l = Array(9).fill(1);
    const ref = boxes(9, 0);
    // Ours matches rank 0 and ranks 1..2; ranks 3..8 have other members of the tie.
    const ours = [...ref.slice(0, 12), ...boxes(6, 1000)];
    const r = alignTiedDetections(s, l, ref, l, ours);
    expect([...r.excluded].sort((a, b) => a - b)).toEqual([3, 4, 5, 6, 7, 8]);
    expect(r.refused).toEqual([]);
  });

  it('refuses an unmatched member further above the cut than the tolerance, even inside the tie run', () => {
    const cut = 0.5;
    const tol = 1e-4 + 1e-3 * cut;
    const s = [0.9, cut + tol * 1.0005, cut, cut];
    expect(s[1] - cut).toBeLessThanOrEqual(1e-4 + 1e-3 * s[1]); // the same tie run
    const l = [1, 1, 1, 1];
    const ref = boxes(4, 0);
    const r = alignTiedDetections(s, l, ref, l, [...ref.slice(0, 4), 500, 500, 500, 500, ...ref.slice(8)]);
    expect(r.refused).toEqual([1]);
    expect([...r.excluded]).toEqual([]);
  });
});
