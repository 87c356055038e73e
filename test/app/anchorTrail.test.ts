import { describe, expect, it } from 'vitest';
import { anchorTrailFor } from '../../src/app/anchorTrail';
import { patternSlot, querySlotsOf } from '../../src/app/querySlots';
import { makeFrame } from '../../src/app/geometry';
import type { ModelInfo, QuerySlice } from '../../src/worker/messages';

const config = { decoder: 'dab', numQueries: 10, numPatterns: 3 } as ModelInfo['config'];
const dab = { family: 'DAB-DETR', config, querySlots: 30 } as ModelInfo;
// A 200 x 100 image shown whole, its model input 100 x 50 padded to 100 x 60: norm y is of the padded 60.
const frame = makeFrame(200, 100, 100, 50, 100, 60);
const slice = (query: number, refs: number[][] | null) => ({ query, layers: 3, referenceBoxes: refs }) as unknown as QuerySlice;
const refs = [[0.5, 0.25, 0.2, 0.1], [0.4, 0.3, 0.2, 0.2], [0.3, 0.35, 0.1, 0.2]];

describe('query slots', () => {
  it('are the worker\'s count, numQueries where a ModelInfo lacks it', () => {
    expect(querySlotsOf(dab)).toBe(30);
    expect(querySlotsOf({ config })).toBe(10);
  });
  it('name a DAB-DETR slot by its pattern and anchor (slot = pattern x numQueries + anchor)', () => {
    expect(patternSlot(dab, 27)).toEqual({ pattern: 2, anchor: 7 });
    expect(patternSlot(dab, 3)).toEqual({ pattern: 0, anchor: 3 });
    expect(patternSlot({ config: { ...config, numPatterns: 0 } }, 3)).toBeNull();
  });
});

describe('the anchor trail of a DAB-DETR query', () => {
  it('is every layer\'s anchor in image px, the chosen layer current', () => {
    const t = anchorTrailFor(dab, slice(27, refs), frame, 1)!;
    // x: norm x 100 (padded) x 200 / 100; y: norm x 60 (padded) x 100 / 50.
    expect(t.boxes[0]).toEqual([80, 24, 120, 36]);
    expect(t.boxes[1].map((v) => +v.toFixed(6))).toEqual([60, 24, 100, 48]);
    expect(t.centres[2].map((v) => +v.toFixed(6))).toEqual([60, 42]);
    expect(t.current).toBe(1);
    expect(t.slot).toEqual({ pattern: 2, anchor: 7, patterns: 3 });
  });
  it('clamps the layer to the trace, and is drawn for DAB-DETR only', () => {
    expect(anchorTrailFor(dab, slice(1, refs), frame, 9)!.current).toBe(2);
    expect(anchorTrailFor({ ...dab, family: 'SAM-DETR' }, slice(1, refs), frame, 0)).toBeNull();
    expect(anchorTrailFor(dab, slice(1, null), frame, 0)).toBeNull();
    expect(anchorTrailFor(dab, undefined, frame, 0)).toBeNull();
  });
});
