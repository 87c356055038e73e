import { describe, expect, it } from 'vitest';
import { attentionParts, referenceMark } from '../../src/app/conditional';
import { headMaps, panelCaption } from '../../src/app/viewModel';
import { makeFrame } from '../../src/app/geometry';
import type { QuerySlice } from '../../src/worker/messages';

const maps = (...rows: number[][]) => rows.map((r) => Float32Array.from(r));
/** A Conditional DETR slice of 2 layers, 2 heads, 4 cells. */
const slice = {
  slot: 0, variant: 'main', query: 3, layers: 2, heads: 2, featH: 2, featW: 2, referenceBoxes: null, roiBoxes: null, salientPoints: null, smcaScales: null,
  gaussian: null, predictions: [], referencePoints: [[0.25, 0.5], [0.25, 0.5]],
  attention: [maps([1, 0, 0, 0], [0, 1, 0, 0]), maps([0.25, 0.25, 0.25, 0.25], [0.5, 0.5, 0, 0])],
  spatialAttention: [maps([0, 0, 1, 0], [0, 0, 0, 1]), maps([0, 0, 0.5, 0.5], [0, 0, 0, 1])],
  contentAttention: [maps([0.5, 0.5, 0, 0], [1, 0, 0, 0]), maps([0, 1, 0, 0], [0, 0, 1, 0])],
} as unknown as QuerySlice;

describe('the Conditional DETR view', () => {
  it('puts the reference point where the slice says, in image pixels of the padded frame', () => {
    // A 200x100 image resized to 100x50 and padded to 120x60: x = 0.25 * 120 * 2, y = 0.5 * 60 * 2.
    const frame = makeFrame(200, 100, 100, 50, 120, 60);
    expect(referenceMark(slice, frame, 1)).toEqual({ p: [60, 60], norm: [0.25, 0.5], layer: 1 });
    // Past the last layer: the last one's; no points (another family): no mark.
    expect(referenceMark(slice, frame, 9)?.layer).toBe(1);
    expect(referenceMark({ ...slice, referencePoints: undefined }, frame, 0)).toBeNull();
  });

  it('gives the combined map and each part as the mean of the visible heads at the layer', () => {
    const parts = attentionParts(slice, 0, [0, 1])!;
    expect(parts.map((p) => p.part)).toEqual(['attention', 'spatial', 'content']);
    expect(Array.from(parts[0].map!)).toEqual([0.5, 0.5, 0, 0]);
    expect(Array.from(parts[1].map!)).toEqual([0, 0, 0.5, 0.5]);
    expect(Array.from(parts[2].map!)).toEqual([0.75, 0.25, 0, 0]);
    expect(Array.from(attentionParts(slice, 1, [1])![1].map!)).toEqual([0, 0, 0, 1]);
    expect(attentionParts(slice, 0, [])![0].map).toBeNull();
    expect(attentionParts({ ...slice, spatialAttention: undefined }, 0, [0])).toBeNull();
  });

  it('overlays either part alone on the attention scale, and says when a model has none', () => {
    const sp = headMaps({ mode: 'decoder' }, slice, 'spatial', 1, false, {}, null, 0);
    expect(sp.kind).toBe('seq');
    expect(sp.maps).toBe(slice.spatialAttention![1]);
    expect(headMaps({ mode: 'decoder' }, slice, 'content', 0, false, {}, null, 0).maps).toBe(slice.contentAttention![0]);
    const none = headMaps({ mode: 'decoder' }, { ...slice, spatialAttention: undefined }, 'spatial', 0, false, {}, null, 0);
    expect(none.maps).toBeNull();
    expect(none.note).toMatch(/Only Conditional DETR/);
    expect(panelCaption({ mode: 'decoder', overlay: 'spatial' }, 2)).toBe('Spatial part alone (q_spatial·k_pos) per head, decoder layer 2');
  });
});
