import { describe, expect, it } from 'vitest';
import { attentionConcentration, cellOverlap, massInBox, normalisedEntropy } from '../../src/app/concentration';
import type { QuerySlice } from '../../src/worker/messages';

const f = (v: number[]) => Float32Array.from(v);

/** A slice of a 4x2 (w x h) feature map with the given maps [layer][head] and final box. */
function slice(attention: number[][][], box: number[], featW = 4, featH = 2): QuerySlice {
  return {
    slot: 0, variant: 'main', query: 3, layers: attention.length, heads: attention[0].length, featW, featH,
    referenceBoxes: null, roiBoxes: null, salientPoints: null, smcaScales: null, gaussian: null,
    attention: attention.map((l) => l.map(f)),
    predictions: attention.map((_, i) => ({ label: 0, score: 0.5, box: i === attention.length - 1 ? box : [0.5, 0.5, 1, 1] })),
  };
}

describe('attention concentration', () => {
  it('cell overlap: the fraction of each grid cell inside an interval', () => {
    expect(Array.from(cellOverlap(4, 0.1, 0.6)).map((v) => +v.toFixed(9))).toEqual([0.6, 1, 0.4, 0]);
    expect(Array.from(cellOverlap(4, -1, 2))).toEqual([1, 1, 1, 1]);
    expect(Array.from(cellOverlap(2, 0.7, 0.2))).toEqual([0, 0]);
  });

  it('mass in a box counts each cell by the share of its area inside (hand-computed)', () => {
    // 4x2 grid; box x in [0.25, 0.625], y in [0, 0.5]: row 0, column 1 whole, column 2 half.
    const map = [0, 0.4, 0.2, 0, 0.1, 0.1, 0.1, 0.1];
    expect(massInBox(map, 4, 2, [0.4375, 0.25, 0.375, 0.5])).toBeCloseTo(0.4 + 0.1, 6);
    // Not normalised input: the share, not the sum.
    expect(massInBox(map.map((v) => v * 3), 4, 2, [0.4375, 0.25, 0.375, 0.5])).toBeCloseTo(0.5, 6);
    // A box over the whole map holds all of it; one outside holds none.
    expect(massInBox(map, 4, 2, [0.5, 0.5, 1, 1])).toBeCloseTo(1, 6);
    expect(massInBox(map, 4, 2, [2, 2, 0.1, 0.1])).toBe(0);
    // x is the column, y the row (a transposed grid gives another answer).
    expect(massInBox([1, 0, 0, 0, 0, 0, 0, 0], 4, 2, [0.125, 0.75, 0.25, 0.5])).toBe(0);
    expect(massInBox([1, 0, 0, 0, 0, 0, 0, 0], 4, 2, [0.125, 0.25, 0.25, 0.5])).toBeCloseTo(1, 6);
  });

  it('normalised entropy: 1 for uniform attention, 0 for one cell, log(2)/log(HW) for two equal cells', () => {
    expect(normalisedEntropy(new Array(8).fill(1 / 8))).toBeCloseTo(1, 9);
    expect(normalisedEntropy([0, 0, 1, 0, 0, 0, 0, 0])).toBe(0);
    expect(normalisedEntropy([0.5, 0.5, 0, 0, 0, 0, 0, 0])).toBeCloseTo(Math.log(2) / Math.log(8), 9);
    expect(normalisedEntropy([2, 2, 0, 0, 0, 0, 0, 0])).toBeCloseTo(Math.log(2) / Math.log(8), 9);
  });

  it('per layer, the mean over the chosen heads, measured against the final box; per-head values kept', () => {
    const uniform = new Array(8).fill(1 / 8);
    const onObject = [0, 1, 0, 0, 0, 0, 0, 0];
    // Layer 1: head 0 spread out, head 1 on the object; layer 2: both on the object.
    const sl = slice([[uniform, onObject], [onObject, onObject]], [0.375, 0.25, 0.25, 0.5]);
    const c = attentionConcentration(sl);
    expect(c.map((l) => l.layer)).toEqual([1, 2]);
    expect(c[0].heads.map((h) => +h.boxMass.toFixed(4))).toEqual([0.125, 1]);
    expect(c[0].boxMass).toBeCloseTo((0.125 + 1) / 2, 6);
    expect(c[0].entropy).toBeCloseTo(0.5, 6);
    expect(c[1].boxMass).toBeCloseTo(1, 6);
    expect(c[1].entropy).toBe(0);
    // Only head 1.
    const one = attentionConcentration(sl, [1]);
    expect(one[0].boxMass).toBeCloseTo(1, 6);
    expect(one[0].heads.map((h) => h.head)).toEqual([1]);
    expect(attentionConcentration(sl, [])).toEqual([]);
  });

  it('multi-scale: each layer measured on the grid of the level it reads', () => {
    // Layer 1 reads a coarse 2x1 level, layer 2 the finer 4x2 one; the final box is the left half.
    const sl = slice([[[0.75, 0.25]], [[0.5, 0, 0, 0, 0.5, 0, 0, 0]]], [0.25, 0.5, 0.5, 1]);
    sl.layerGrids = [{ featW: 2, featH: 1, stride: 32 }, { featW: 4, featH: 2, stride: 16 }];
    const c = attentionConcentration(sl);
    expect(c.map((l) => l.layer)).toEqual([1, 2]);
    // Coarse: the left cell is all inside the box; its 0.75 is inside. Entropy over 2 cells.
    expect(c[0].boxMass).toBeCloseTo(0.75, 6);
    expect(c[0].entropy).toBeCloseTo(-(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25)) / Math.log(2), 6);
    // Fine: cells (0, 0) and (1, 0) are in the left half; log(2) / log(8) for two equal cells.
    expect(c[1].boxMass).toBeCloseTo(1, 6);
    expect(c[1].entropy).toBeCloseTo(Math.log(2) / Math.log(8), 6);
  });

  it('a layer whose maps do not match the grid it reads is left out, not measured on the wrong cells', () => {
    const sl = slice([[new Array(8).fill(1 / 8)], [new Array(8).fill(1 / 8)]], [0.5, 0.5, 1, 1]);
    sl.attention[0] = [new Float32Array(32).fill(1 / 32)];
    expect(attentionConcentration(sl).map((l) => l.layer)).toEqual([2]);
  });
});
