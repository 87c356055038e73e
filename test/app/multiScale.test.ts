/** Multi-scale selectors: each decoder layer's level and grid, the levels named, the encoder's sampling points as marks. */
import { describe, expect, it } from 'vitest';
import {
  MARK_AREA, featuresNote, layerGrid, layerLevelNote, legendWeights, levelShares, mapGrid, maxWeight, runLevels, samplingMarks, stepCell,
} from '../../src/app/multiScale';
import { modelTitle, panelCaption, queryGeometry } from '../../src/app/viewModel';
import type { EncoderPointsSlice, LayerGrid, ModelInfo, QuerySlice } from '../../src/worker/messages';

/** Layers 0-1 stride 32, 2-3 stride 16, 4-5 stride 8 of a 96 x 64 input (the engine's order). */
const GRIDS: LayerGrid[] = [
  { featW: 3, featH: 2, stride: 32 }, { featW: 3, featH: 2, stride: 32 },
  { featW: 6, featH: 4, stride: 16 }, { featW: 6, featH: 4, stride: 16 },
  { featW: 12, featH: 8, stride: 8 }, { featW: 12, featH: 8, stride: 8 },
];
const ms = { featW: 12, featH: 8, layerGrids: GRIDS };
const single = { featW: 5, featH: 4 };
/** Image shown at twice the model input: 192 x 128 image px for a 96 x 64 input. */
const frame = { imgW: 192, imgH: 128, resizedW: 96, resizedH: 64, padW: 96, padH: 64 };

describe('multi-scale: the level each decoder layer reads', () => {
  it('a layer grid is its level (multi-scale) or the one feature map (single-scale)', () => {
    expect(layerGrid(ms, 0)).toEqual({ featW: 3, featH: 2, stride: 32 });
    expect(layerGrid(ms, 3)).toEqual({ featW: 6, featH: 4, stride: 16 });
    expect(layerGrid(ms, 5)).toEqual({ featW: 12, featH: 8, stride: 8 });
    expect(layerGrid(ms, 9)).toEqual({ featW: 12, featH: 8, stride: 8 }); // clamped to the last layer
    expect(layerGrid(single, 2)).toEqual({ featW: 5, featH: 4 });
    // The heatmap's grid: the decoder layer's level; the run's map in the encoder tab or without a slice.
    expect(mapGrid('decoder', ms, 2, { featW: 12, featH: 8 })).toEqual({ featW: 6, featH: 4, stride: 16 });
    expect(mapGrid('encoder', ms, 2, { featW: 12, featH: 8 })).toEqual({ featW: 12, featH: 8 });
    expect(mapGrid('decoder', undefined, 2, single)).toEqual({ featW: 5, featH: 4 });
  });

  it('names the levels: the image line, the layer slider, the small multiples caption, the model title', () => {
    expect(runLevels(ms).map((g) => g.stride)).toEqual([8, 16, 32]);
    expect(featuresNote(ms)).toBe('features 12×8 (stride 8), 6×4 (stride 16), 3×2 (stride 32)');
    expect(featuresNote(single)).toBe('features 5×4');
    expect(layerLevelNote(ms, 0)).toBe('reads stride 32 (3×2)');
    expect(layerLevelNote(ms, 4)).toBe('reads stride 8 (12×8)');
    expect(layerLevelNote(single, 0)).toBeNull();
    expect(layerLevelNote(undefined, 0)).toBeNull();
    expect(panelCaption({ mode: 'decoder', overlay: 'attention' }, 3, layerGrid(ms, 2))).toBe('Cross-attention per head, decoder layer 3 (stride 16, 6×4 cells)');
    expect(panelCaption({ mode: 'decoder', overlay: 'gaussian' }, 1, layerGrid(ms, 0))).toBe('SMCA prior (Gaussian weight) per head, layer 1 (stride 32, 3×2 cells)');
    expect(panelCaption({ mode: 'decoder', overlay: 'attention' }, 3, layerGrid(single, 2))).toBe('Cross-attention per head, decoder layer 3');
    const info = (multiscale: boolean) => ({ config: { decoder: 'sam', smca: true, multiscale }, placeholder: false }) as unknown as ModelInfo;
    expect(modelTitle(info(true))).toBe('Multi-scale SAM-DETR + SMCA');
    expect(modelTitle(info(false))).toBe('SAM-DETR + SMCA');
  });

  it('the RoI is drawn on the grid of the level the layer reads', () => {
    // RoI boxes are in cells of the layer's grid: the same cells [1, 1, 2, 2] are 32 px cells at
    // stride 32 (layer 0) and 8 px cells at stride 8 (layer 4), i.e. 64 and 16 image px here.
    const sl = {
      ...ms, layers: 6, heads: 1, salientPoints: null, predictions: [],
      referenceBoxes: GRIDS.map(() => [0.5, 0.5, 0.5, 0.5]), roiBoxes: GRIDS.map(() => [1, 1, 2, 2]),
    } as unknown as QuerySlice;
    expect(queryGeometry(sl, frame, 0, [0]).roiBox).toEqual([64, 64, 128, 128]);
    expect(queryGeometry(sl, frame, 2, [0]).roiBox).toEqual([32, 32, 64, 64]);
    expect(queryGeometry(sl, frame, 4, [0]).roiBox).toEqual([16, 16, 32, 32]);
    expect(queryGeometry({ ...sl, layerGrids: undefined, featW: 4, featH: 2 }, frame, 4, [0]).roiBox).toEqual([48, 64, 96, 128]);
  });
});

/** Two heads, 3 levels, 2 points each: [x, y, weight], x and y relative to the level's map. */
function points(): EncoderPointsSlice {
  return {
    slot: 0, layer: 1, index: 50, heads: 2, levels: [GRIDS[4], GRIDS[2], GRIDS[0]],
    points: [
      [[[0.5, 0.5, 0.4], [0.25, 0.75, 0.1]], [[0, 0, 0.2], [1, 1, 0.1]], [[-0.5, 0.5, 0.15], [0.5, 1.2, 0.05]]],
      [[[0.1, 0.1, 0.05], [0.2, 0.2, 0.05]], [[0.3, 0.3, 0.1], [0.4, 0.4, 0.1]], [[0.6, 0.6, 0.3], [0.7, 0.7, 0.4]]],
    ],
  };
}

describe('multi-scale: the deformable encoder sampling points', () => {
  it('one mark per head, level and point of the visible heads, at its image position, heaviest last', () => {
    const marks = samplingMarks(points(), frame, [0]);
    expect(marks).toHaveLength(6);
    expect(marks.every((m) => m.head === 0)).toBe(true);
    const at = (level: number, point: number) => marks.find((m) => m.level === level && m.point === point)!;
    // Relative to the level's map, drawn over the padded input: 0.5 of 96 px input = 96 image px.
    expect([at(0, 0).x, at(0, 0).y]).toEqual([96, 64]);
    expect([at(0, 1).x, at(0, 1).y]).toEqual([48, 96]);
    expect([at(1, 1).x, at(1, 1).y]).toEqual([192, 128]);
    // In a padded batch (input 96 wide padded to 128) the map spans the padded width: 0.5 is 64 input px, 128 image px.
    const padded = samplingMarks(points(), { ...frame, padW: 128 }, [0]).find((m) => m.level === 0 && m.point === 0)!;
    expect([padded.x, padded.y]).toEqual([128, 64]);
    expect(marks.map((m) => m.shape)).toEqual(expect.arrayContaining(['circle', 'square', 'triangle']));
    expect(at(0, 0).shape).toBe('circle');
    expect(at(1, 0).shape).toBe('square');
    expect(at(2, 0).shape).toBe('triangle');
    // Outside the map (x < 0, y > 1): the sample reads zeros; the map's edges count as inside.
    expect([at(2, 0).inside, at(2, 1).inside, at(1, 0).inside, at(1, 1).inside]).toEqual([false, false, true, true]);
    expect(marks.map((m) => m.weight)).toEqual([0.05, 0.1, 0.1, 0.15, 0.2, 0.4]);
    expect(samplingMarks(points(), frame, [])).toEqual([]);
    expect(samplingMarks(null, frame, [0, 1])).toEqual([]);
    expect(samplingMarks(points(), frame, [0, 1, 7])).toHaveLength(12); // a head the model lacks is ignored
  });

  it('marker area is proportional to the weight, up to the largest weight of the visible heads', () => {
    const one = samplingMarks(points(), frame, [0]);
    const top = 0.4;
    for (const m of one) expect(m.area).toBeCloseTo(MARK_AREA.min + ((MARK_AREA.max - MARK_AREA.min) * m.weight) / top, 9);
    expect(one[one.length - 1].area).toBeCloseTo(MARK_AREA.max, 9);
    // With head 1 hidden the scale is head 0's; both heads shown, the same top (0.4 in each).
    expect(maxWeight(points(), [1])).toBeCloseTo(0.4, 9);
    expect(maxWeight(points(), [0, 1])).toBeCloseTo(0.4, 9);
    const p = points();
    p.points[1][2][1][2] = 0.8;
    const both = samplingMarks(p, frame, [0, 1]);
    const heaviest0 = both.find((m) => m.head === 0 && m.weight === 0.4)!;
    expect(heaviest0.area).toBeCloseTo(MARK_AREA.min + (MARK_AREA.max - MARK_AREA.min) / 2, 9);
    // A hidden head's heavier point does not shrink the shown ones.
    const alone = samplingMarks(p, frame, [0]);
    expect(alone[alone.length - 1].area).toBeCloseTo(MARK_AREA.max, 9);
  });

  it("each head's weight per level, and the size legend's weights", () => {
    const s0 = levelShares(points(), 0);
    expect(s0[0]).toBeCloseTo(0.5, 9);
    expect(s0[1]).toBeCloseTo(0.3, 9);
    expect(s0[2]).toBeCloseTo(0.2, 9);
    expect(levelShares(points(), 1).map((v) => +v.toFixed(6))).toEqual([0.1, 0.2, 0.7]);
    // Shares of the head's total, whatever it sums to.
    const p = points();
    p.points[1] = p.points[1].map((lv) => lv.map(([x, y, w]) => [x, y, 2 * w]));
    expect(levelShares(p, 1).map((v) => +v.toFixed(6))).toEqual([0.1, 0.2, 0.7]);
    expect(legendWeights(0.4)).toEqual([0.2, 0.3, 0.4]);
    expect(legendWeights(0.07)).toEqual([0.02, 0.04, 0.06]);
    expect(legendWeights(0)).toEqual([]);
  });

  it('the location moves by whole cells of the stride-8 grid, inside the grid', () => {
    // 12 x 8 cells over 192 x 128 image px: 16 px cells. (40, 40) lies in cell (2, 2), centre (40, 40).
    expect(stepCell([40, 40], 1, 0, 12, 8, frame)).toEqual([56, 40]);
    expect(stepCell([41, 33], 0, -1, 12, 8, frame)).toEqual([40, 24]);
    expect(stepCell([186, 120], 1, 1, 12, 8, frame)).toEqual([184, 120]); // already in the last cell
    expect(stepCell([2, 2], -1, -1, 12, 8, frame)).toEqual([8, 8]);
    expect(stepCell(null, 1, 0, 12, 8, frame)).toEqual([104, 72]); // no location yet: the middle cell (6, 4)
  });
});
