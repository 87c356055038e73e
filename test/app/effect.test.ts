import { describe, expect, it } from 'vitest';
import { attentionCentroid, bestQueryPerObject, imageBoxToNorm, matchedObjects, meanEffect, offsetInHalfDiagonals, queryEffect } from '../../src/app/effect';
import { effectView } from '../../src/app/effectView';
import { makeFrame } from '../../src/app/geometry';
import type { QuerySlice } from '../../src/worker/messages';
import type { Detection } from '../../src/model/types';

const W = 20, H = 20, N = W * H;
const uniform = () => new Float32Array(N).fill(1 / N);
const oneCell = (i: number, j: number) => {
  const m = new Float32Array(N);
  m[i * W + j] = 1;
  return m;
};

/** A one-layer slice with the given head maps and a final box (cxcywh, normalised). */
function slice(query: number, maps: Float32Array[], box: number[]): QuerySlice {
  return {
    slot: 0, variant: 'main', query, layers: 1, heads: maps.length, featH: H, featW: W, referenceBoxes: null, roiBoxes: null, salientPoints: null, smcaScales: null,
    attention: [maps], gaussian: null, predictions: [{ label: 0, score: 0.9, box }],
  };
}

describe('effect measures', () => {
  const box = [0.525, 0.525, 0.25, 0.25]; // cells 8..12 x 8..12 of the 20x20 grid: 25 of 400 cells
  it('a uniform map: entropy 1, box share = the box area, centroid at the image centre', () => {
    const [e] = queryEffect(slice(0, [uniform()], box), [0], box, 1);
    expect(e.entropy).toBeCloseTo(1, 6);
    expect(e.boxShare).toBeCloseTo(25 / 400, 6);
    expect(e.truthShare).toBeCloseTo(25 / 400, 6);
    // centre (0.5, 0.5) vs box centre (0.525, 0.525), half-diagonal 0.125 * sqrt 2
    expect(e.centroidOffset).toBeCloseTo(Math.hypot(0.025, 0.025) / (0.125 * Math.SQRT2), 5);
  });
  it('a one-cell map inside the box: entropy 0, share 1; outside it: share 0', () => {
    const [inside] = queryEffect(slice(0, [oneCell(10, 10)], box), [0], box, 1);
    expect(inside.entropy).toBe(0);
    expect(inside.boxShare).toBeCloseTo(1, 9);
    expect(inside.centroidOffset).toBeCloseTo(0, 9);
    const [outside] = queryEffect(slice(0, [oneCell(0, 0)], box), [0], null, 1);
    expect(outside.boxShare).toBe(0);
    expect(outside.truthShare).toBeNull();
    expect(outside.centroidOffset).toBeGreaterThan(1);
  });
  it('averages over the given heads only', () => {
    const sl = slice(0, [oneCell(10, 10), uniform()], box);
    expect(queryEffect(sl, [0], null, 1)[0].entropy).toBe(0);
    expect(queryEffect(sl, [0, 1], null, 1)[0].entropy).toBeCloseTo(0.5, 6);
  });
  it('centroid and offset in pixel proportions', () => {
    expect(attentionCentroid(oneCell(0, 19), W, H)).toEqual([0.975, 0.025]);
    // a point one half-width to the right of a 2:1 input's box centre
    expect(offsetInHalfDiagonals([0.6, 0.5], [0.5, 0.5, 0.2, 0.2], 2)).toBeCloseTo(0.2 / (0.5 * Math.hypot(0.4, 0.2)), 9);
  });
  it('means per layer over queries', () => {
    const a = [{ layer: 1, entropy: 0.2, boxShare: 0.8, truthShare: 0.6, centroidOffset: 0.1 }];
    const b = [{ layer: 1, entropy: 0.4, boxShare: 0.4, truthShare: null, centroidOffset: 0.3 }];
    expect(meanEffect([a, b])[0]).toEqual({ layer: 1, entropy: 0.30000000000000004, boxShare: 0.6000000000000001, truthShare: 0.6, centroidOffset: 0.2 });
  });
  it('matches each true object to the query of each model that overlaps it most', () => {
    const det = (query: number, box: [number, number, number, number], score = 0.1): Detection => ({ query, box, score, label: 0 });
    const truth = [{ label: 0, box: [10, 10, 50, 50] as [number, number, number, number] }, { label: 1, box: [100, 100, 120, 120] as [number, number, number, number] }];
    const d0 = [det(3, [12, 12, 50, 50]), det(4, [10, 10, 40, 40]), det(5, [0, 0, 5, 5])];
    const d1 = [det(7, [10, 10, 50, 52]), det(8, [100, 100, 121, 121])];
    expect(bestQueryPerObject(d0, truth)).toEqual([3, null]);
    // early in training a query overlaps its object poorly: the best overlap still counts
    expect(bestQueryPerObject([det(9, [30, 30, 90, 90])], truth)).toEqual([9, null]);
    expect(matchedObjects(d0, d1, truth, [], () => null).map((o) => o.queries)).toEqual([[3, 7]]);
  });
  it('the view measures the selected pair and the mean over matched objects against the true box', () => {
    const frame = makeFrame(160, 160, 160, 160);
    const truth = [{ label: 0, box: [64, 64, 104, 104] as [number, number, number, number] }];
    expect(imageBoxToNorm(truth[0].box, frame)).toEqual([0.525, 0.525, 0.25, 0.25]);
    const dets: [Detection[], Detection[]] = [[{ query: 1, box: [64, 64, 104, 104], score: 0.5, label: 0 }], [{ query: 2, box: [66, 64, 104, 104], score: 0.5, label: 0 }]];
    const slices: Record<string, QuerySlice> = { '0:1': slice(1, [oneCell(10, 10)], box), '1:2': slice(2, [uniform()], box) };
    const v = effectView({ dets, shown0: [1], truth, frames: [frame, frame], selected: [1, 2], heads: [0], match: () => null, slice: (m, q) => slices[`${m}:${q}`] });
    expect(v.wanted).toEqual([[0, 1], [1, 2]]);
    expect(v.note).toBeNull();
    const mean = v.blocks.find((b) => b.scope === 'mean')!;
    expect(mean.effects[0][0].truthShare).toBeCloseTo(1, 6);
    // the true box differs from the predicted one here: the share is measured in the true box
    const off = effectView({ dets, shown0: [1], truth, frames: [frame, frame], selected: null, heads: [0], match: () => null, slice: (m, q) => (m === 0 ? slice(q, [oneCell(0, 0)], [0.025, 0.025, 0.05, 0.05]) : slices[`${m}:${q}`]) });
    expect(off.blocks[0].effects[0][0].truthShare).toBe(0);
    expect(off.blocks[0].effects[0][0].boxShare).toBeCloseTo(1, 6);
    expect(mean.effects[1][0].truthShare).toBeCloseTo(25 / 400, 6);
    const pending = effectView({ dets, shown0: [1], truth, frames: [frame, frame], selected: [1, 2], heads: [0], match: () => null, slice: () => undefined });
    expect(pending.blocks).toEqual([]);
    expect(pending.note).toBe('Measuring…');
  });
});
