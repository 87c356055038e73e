/**
 * Deformable DETR's attention concentration from sampling points (src/app/samplingConcentration.ts):
 * by hand, and equal to the dense measures of a map that holds each point's weight in its cell.
 */
import { describe, expect, it } from 'vitest';
import { pointsBoxShare, pointsEntropy, samplingConcentration } from '../../src/app/samplingConcentration';
import { attentionConcentration } from '../../src/app/concentration';
import { massInBox, normalisedEntropy } from '../../src/eval/attentionMeasures';
import type { DecoderSampling, QuerySlice } from '../../src/worker/messages';

const grid = { featW: 4, featH: 2, stride: 8 };
// One level, 4 points of one head, one per column: left half 0.5 + 0.3, top row 0.5 + 0.15.
const head = [[[0.125, 0.25, 0.5], [0.375, 0.75, 0.3], [0.625, 0.25, 0.15], [0.875, 0.75, 0.05]]];
const leftHalf = [0.25, 0.5, 0.5, 1];

describe('concentration from sampling points', () => {
  it('counts the weight of the points inside the box', () => {
    expect(pointsBoxShare(head, leftHalf)).toBeCloseTo(0.8, 10);
    expect(pointsBoxShare(head, [0.75, 0.5, 0.5, 1])).toBeCloseTo(0.2, 10);
    // A box over the top row holds the first and third point.
    expect(pointsBoxShare(head, [0.5, 0.25, 1, 0.5])).toBeCloseTo(0.65, 10);
    expect(pointsBoxShare(head, [0.5, 0.75, 1, 0.5])).toBeCloseTo(0.35, 10);
  });

  it('equals the dense measures of the map with each weight at its point', () => {
    const map = new Float32Array(8);
    for (const [x, y, w] of head[0]) map[Math.floor(y * 2) * 4 + Math.floor(x * 4)] += w;
    expect(pointsBoxShare(head, leftHalf)).toBeCloseTo(massInBox(map, 4, 2, leftHalf), 6);
    expect(pointsEntropy(head, [grid])).toBeCloseTo(normalisedEntropy(map), 6);
  });

  it('gathers points of one cell, leaves out points outside their map, and counts every level as keys', () => {
    // Two points in one cell are one key, the point outside goes: entropy of (0.5, 0.5) over log(8 + 2) keys.
    const two = [[[0.1, 0.1, 0.2], [0.2, 0.2, 0.2], [0.9, 0.9, 0.4], [1.5, 0.5, 0.2]], [[0.1, 0.1, 0]]];
    expect(pointsEntropy(two, [grid, { featW: 2, featH: 1, stride: 16 }])).toBeCloseTo(Math.log(2) / Math.log(10), 10);
    // All weight on one point: 0.
    expect(pointsEntropy([[[0.5, 0.5, 1]]], [grid])).toBe(0);
  });

  it('is the mean over the heads asked for, per layer; the slice measure uses it for a deformable slice', () => {
    const other = [[[0.9, 0.9, 1], [0.1, 0.1, 0], [0.1, 0.1, 0], [0.1, 0.1, 0]]];
    const s: DecoderSampling = { levels: [grid], points: [[head, other], [other, head]], references: [[0.5, 0.5], [0.5, 0.5]], levelReferences: [[[0.5, 0.5]], [[0.5, 0.5]]] };
    const c = samplingConcentration(s, leftHalf, [0, 1]);
    expect(c.map((x) => x.layer)).toEqual([1, 2]);
    expect(c[0].boxMass).toBeCloseTo((0.8 + 0) / 2, 10);
    expect(c[0].heads.map((h) => h.head)).toEqual([0, 1]);
    expect(samplingConcentration(s, leftHalf, [1])[1].boxMass).toBeCloseTo(0.8, 10);
    const slice = {
      slot: 0, variant: 'main', query: 0, layers: 2, heads: 2, featH: 2, featW: 4, referenceBoxes: null, roiBoxes: null, salientPoints: null,
      smcaScales: null, attention: [[], []], gaussian: null, predictions: [{ label: 0, score: 1, box: [0, 0, 1, 1] }, { label: 0, score: 1, box: leftHalf }], sampling: s,
    } as QuerySlice;
    expect(attentionConcentration(slice, [0])).toEqual(samplingConcentration(s, leftHalf, [0]));
  });
});

describe('the effect measures from sampling points', () => {
  it('centres the points by weight and measures each layer against the box and the truth', async () => {
    const { pointsCentroid } = await import('../../src/app/samplingConcentration');
    const { samplingEffect } = await import('../../src/app/samplingEffect');
    const c = pointsCentroid(head)!;
    expect(c[0]).toBeCloseTo(0.125 * 0.5 + 0.375 * 0.3 + 0.625 * 0.15 + 0.875 * 0.05, 10);
    expect(c[1]).toBeCloseTo(0.25 * 0.65 + 0.75 * 0.35, 10);
    expect(pointsCentroid([[[1.5, 0.5, 1]]])).toBeNull();
    const s: DecoderSampling = { levels: [grid], points: [[head]], references: [[0.5, 0.5]], levelReferences: [[[0.5, 0.5]]] };
    const [e] = samplingEffect(s, [0], leftHalf, [0.5, 0.25, 1, 0.5], (p) => p[0]);
    expect(e).toEqual({ layer: 1, entropy: pointsEntropy(head, [grid]), boxShare: pointsBoxShare(head, leftHalf), truthShare: pointsBoxShare(head, [0.5, 0.25, 1, 0.5]), centroidOffset: c[0] });
  });
});
