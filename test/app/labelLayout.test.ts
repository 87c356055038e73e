import { describe, expect, it } from 'vitest';
import { placeLabels } from '../../src/app/labelLayout';

describe('label placement', () => {
  it('puts a label above its box, inside it at the top edge of the image', () => {
    const [a, b] = placeLabels([{ box: [10, 50, 60, 90], width: 30 }, { box: [100, 2, 150, 40], width: 30 }], 10, 200);
    expect(a).toEqual({ x: 10, y: 40, w: 30, h: 10 });
    expect(b).toEqual({ x: 100, y: 2, w: 30, h: 10 }); // above would be at y -8: clipped
  });

  it('moves a label that would cover an earlier one inside its box, lower until free', () => {
    // Two boxes with the same top-left corner (duplicates): the second label goes inside, below.
    const [a, b, c] = placeLabels([{ box: [10, 50, 60, 90], width: 30 }, { box: [10, 50, 60, 90], width: 30 }, { box: [12, 52, 60, 90], width: 30 }], 10, 200);
    expect(a.y).toBe(40);
    expect(b.y).toBe(50);
    expect(c.y).toBe(62);
    for (const [p, q] of [[a, b], [a, c], [b, c]]) expect(p.y + p.h <= q.y || q.y + q.h <= p.y).toBe(true);
  });

  it('keeps labels inside the image on the right', () => {
    expect(placeLabels([{ box: [190, 50, 200, 90], width: 30 }], 10, 200)[0].x).toBe(170);
  });
});
