/**
 * Deformable DETR's decoder view (src/app/deformable.ts): a layer's sampling points as marks (one
 * per visible head, level and point, at its place, shaped by level), the reference the layer
 * reads and the two-stage proposal.
 */
import { describe, expect, it } from 'vitest';
import { decoderMarks, deformableGeometry, layerPoints, proposalLabel, samplingCount } from '../../src/app/deformable';
import { makeFrame } from '../../src/app/geometry';
import type { DecoderSampling, QuerySlice } from '../../src/worker/messages';

const levels = [8, 16, 32, 64].map((stride) => ({ stride, featW: 64 / stride, featH: 48 / stride }));
// Layer l, head h, level lv, point p: a distinct place and weight (each head's 16 weights sum to 1).
const points = [0, 1].map((l) => Array.from({ length: 8 }, (_, h) => Array.from({ length: 4 }, (_, lv) => Array.from({ length: 4 }, (_, p) => [
  (h + 1) / 10 + l / 100, (lv * 4 + p + 1) / 20, (lv * 4 + p + 1) / 136,
]))));
const sampling: DecoderSampling = {
  levels, points, references: [[0.5, 0.25], [0.4, 0.3, 0.2, 0.1]], levelReferences: [],
  proposal: { token: 64 + 5, level: 1, col: 1, row: 1, box: [0.4, 0.3, 0.2, 0.2] },
};
const slice = { sampling, layers: 2 } as QuerySlice;
// A 320x240 image shown at the model's 64x48 input (5 image px per input px), no padding.
const frame = makeFrame(320, 240, 64, 48);

describe('Deformable DETR decoder view', () => {
  it('draws one mark per head, level and point of the layer, at its place', () => {
    const all = decoderMarks(0, slice, frame, 1, [0, 1, 2, 3, 4, 5, 6, 7]);
    expect(all).toHaveLength(128);
    const m = all.find((x) => x.head === 2 && x.level === 1 && x.point === 3)!;
    // x from the head, y from level and point: (0.31, 0.4) of the input.
    expect(m.x).toBeCloseTo(0.31 * 320, 6);
    expect(m.y).toBeCloseTo(0.4 * 240, 6);
    expect(m.weight).toBeCloseTo(8 / 136, 10);
    expect(m.shape).toBe('square');
    expect(new Set(all.map((x) => x.shape))).toEqual(new Set(['circle', 'square', 'triangle', 'diamond']));
    // Area grows with the weight.
    const light = all.find((x) => x.level === 0 && x.point === 0)!;
    const heavy = all.find((x) => x.level === 3 && x.point === 3)!;
    expect(heavy.area / light.area).toBeGreaterThan(5);
  });

  it('leaves out hidden heads and keeps the same marks while nothing changes', () => {
    const some = decoderMarks(1, slice, frame, 0, [1, 5]);
    expect(some).toHaveLength(32);
    expect(new Set(some.map((x) => x.head))).toEqual(new Set([1, 5]));
    expect(decoderMarks(1, slice, frame, 0, [1, 5])).toBe(some);
    expect(decoderMarks(1, slice, frame, 1, [1, 5])).not.toBe(some);
    expect(layerPoints(sampling, 9).points).toBe(points[1]);
    expect(decoderMarks(0, { layers: 2 } as QuerySlice, frame, 0, [0])).toEqual([]);
  });

  it('gives the reference point, then the refined box, and the proposal', () => {
    const g0 = deformableGeometry(sampling, frame, 0);
    expect(g0.refPoint).toEqual([160, 60]);
    expect(g0.refBox).toBeNull();
    const g1 = deformableGeometry(sampling, frame, 1);
    expect(g1.refBox!.map((v) => Math.round(v * 1e6) / 1e6)).toEqual([96, 60, 160, 84]);
    expect(g1.proposal!.box.map((v) => Math.round(v * 1e6) / 1e6)).toEqual([96, 48, 160, 96]);
    expect(proposalLabel(sampling)).toBe('encoder proposal: stride 16 cell (1, 1)');
    expect(samplingCount(sampling)).toBe('8 heads × 4 levels × 4 points');
  });
});
