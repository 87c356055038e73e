import { describe, expect, it } from 'vitest';
import { cocoEvaluate } from '../../src/eval/cocoeval';
import { confusionTable, perClassAP } from '../../src/eval/errorAnalysis';
import type { CocoGroundTruth, CocoDetection } from '../../src/data/cocoTypes';

// Two images, two classes; every kind of outcome once, counted by hand.
const gt: CocoGroundTruth = {
  images: [{ id: 1 }, { id: 2 }],
  categories: [{ id: 1, name: 'a' }, { id: 2, name: 'b' }],
  annotations: [
    { id: 1, image_id: 1, category_id: 1, bbox: [0, 0, 10, 10], area: 100 },
    { id: 2, image_id: 1, category_id: 2, bbox: [50, 50, 10, 10], area: 100 },
    { id: 3, image_id: 2, category_id: 2, bbox: [0, 0, 20, 20], area: 400 },
  ],
};
const dets: CocoDetection[] = [
  { image_id: 1, category_id: 1, bbox: [0, 0, 10, 10], score: 0.9 }, // right class
  { image_id: 1, category_id: 2, bbox: [1, 0, 10, 10], score: 0.8 }, // same object again: duplicate
  { image_id: 1, category_id: 1, bbox: [50, 50, 10, 10], score: 0.7 }, // object b shown as a: confusion
  { image_id: 1, category_id: 2, bbox: [200, 200, 10, 10], score: 0.6 }, // nothing there: background
  { image_id: 2, category_id: 2, bbox: [0, 0, 20, 20], score: 0.05 }, // below the threshold: object missed
];

describe('error analysis', () => {
  it('confusion table: matched by IoU whatever the class; duplicates, background, misses apart', () => {
    const c = confusionTable(gt, dets, 0.1);
    expect(c.matched).toEqual([[1, 0], [1, 0]]);
    expect(c.duplicate).toEqual([0, 1]);
    expect(c.background).toEqual([0, 1]);
    expect(c.missed).toEqual([0, 1]);
    expect(c.objects).toEqual([1, 2]);
  });

  it('AP per class from the accumulated precision', () => {
    const res = cocoEvaluate(gt, dets);
    const ap = perClassAP(res);
    // Class a: its one object found first with an exact box (AP 1). Class b: of 2 objects only
    // the 0.05 one (exact) is found, after two false positives: precision 1/3 up to recall 0.5.
    expect(ap[0].categoryId).toBe(1);
    expect(ap[0].AP).toBeCloseTo(1, 12);
    expect(ap[0].AP50).toBeCloseTo(1, 12);
    expect(ap[1].categoryId).toBe(2);
    expect(ap[1].AP50).toBeCloseTo((51 * (1 / 3)) / 101, 6);
    expect(ap[1].AP).toBeCloseTo((51 * (1 / 3)) / 101, 6); // exact boxes: the same at every IoU
  });
});
