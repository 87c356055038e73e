import { describe, expect, it } from 'vitest';
import { chooseDisplayThreshold } from '../../src/eval/displayThreshold';
import type { CocoDetection, CocoGroundTruth } from '../../src/data/cocoTypes';

// One image, two objects of class 1. F1 per cut, by hand:
//   <= 0.30: 4 shown, 2 right -> P 0.5, R 1, F1 0.667
//   0.35-0.60: 0.9 (A), 0.7 (duplicate of A), 0.6 (B) -> P 0.667, R 1, F1 0.8
//   0.65-0.70: 0.9 (A), 0.7 (duplicate) -> P 0.5, R 0.5, F1 0.5
//   0.75-0.90: 0.9 (A) -> P 1, R 0.5, F1 0.667
const gt: CocoGroundTruth = {
  images: [{ id: 1 }],
  categories: [{ id: 1, name: 'a' }, { id: 2, name: 'b' }],
  annotations: [
    { id: 1, image_id: 1, category_id: 1, bbox: [0, 0, 10, 10], area: 100 },
    { id: 2, image_id: 1, category_id: 1, bbox: [50, 50, 10, 10], area: 100 },
  ],
};
const dets: CocoDetection[] = [
  { image_id: 1, category_id: 1, bbox: [0, 0, 10, 10], score: 0.9 },
  { image_id: 1, category_id: 1, bbox: [1, 0, 10, 10], score: 0.7 },
  { image_id: 1, category_id: 1, bbox: [50, 50, 10, 10], score: 0.6 },
  { image_id: 1, category_id: 2, bbox: [200, 200, 10, 10], score: 0.3 },
];

describe('display threshold', () => {
  it('takes the cut with the best F1, the highest of equal ones', () => {
    const c = chooseDisplayThreshold(gt, dets);
    expect(c.threshold).toBe(0.6);
    expect(c.f1).toBeCloseTo(0.8, 12);
    expect(c.precision).toBeCloseTo(2 / 3, 12);
    expect(c.recall).toBe(1);
  });

  it('a wrong class is not a hit', () => {
    const wrong = dets.map((d) => (d.score === 0.6 ? { ...d, category_id: 2 } : d));
    // Now B is never found: the best F1 is 0.667, with A alone shown (cuts 0.75-0.90).
    expect(chooseDisplayThreshold(gt, wrong).threshold).toBe(0.9);
  });
});
