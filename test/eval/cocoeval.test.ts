import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { bboxIou, cocoEvaluate, evaluateDetections, STAT_KEYS } from '../../src/eval';
import type { CocoAnnotation, CocoDetection, CocoGroundTruth, CocoStats } from '../../src/eval';

const FIX = 'test/fixtures/cocoeval';

function loadFixture() {
  const gt = JSON.parse(readFileSync(`${FIX}/gt.json`, 'utf8')) as CocoGroundTruth;
  const dets = JSON.parse(readFileSync(`${FIX}/detections.json`, 'utf8')) as CocoDetection[];
  const expected = JSON.parse(readFileSync(`${FIX}/expected_stats.json`, 'utf8')) as { stats: CocoStats };
  return { gt, dets, expected: expected.stats };
}

/** Small GT builder: one image per entry of `imgs`, categories 1..nCats. */
function makeGt(anns: Omit<CocoAnnotation, 'id'>[], nImgs = 1, nCats = 1): CocoGroundTruth {
  return {
    images: Array.from({ length: nImgs }, (_, i) => ({ id: i + 1, width: 200, height: 200 })),
    categories: Array.from({ length: nCats }, (_, i) => ({ id: i + 1, name: `c${i + 1}` })),
    annotations: anns.map((a, i) => ({ id: i + 1, ...a })),
  };
}
const ann = (bbox: number[], extra: Partial<CocoAnnotation> = {}): Omit<CocoAnnotation, 'id'> => ({
  image_id: 1, category_id: 1, bbox, area: bbox[2] * bbox[3], iscrowd: 0, ...extra,
});
const det = (bbox: number[], score: number, extra: Partial<CocoDetection> = {}): CocoDetection => ({
  image_id: 1, category_id: 1, bbox, score, ...extra,
});

describe('COCO fixture (pycocotools reference)', () => {
  it('reproduces the 12 summary stats', () => {
    const { gt, dets, expected } = loadFixture();
    const stats = evaluateDetections(gt, dets);
    let maxDiff = 0;
    for (const k of STAT_KEYS) {
      const d = Math.abs(stats[k] - expected[k]);
      maxDiff = Math.max(maxDiff, d);
      expect(d, k).toBeLessThan(1e-4);
    }
    console.log(`cocoeval fixture: max |diff| = ${maxDiff.toExponential(2)}`);
    // The port (stable sorts, numpy pairwise-sum means) is in fact bit-exact.
    expect(maxDiff).toBeLessThan(1e-12);
  });

  it('is independent of the order of images in the gt file', () => {
    const { gt, dets, expected } = loadFixture();
    const shuffled = { ...gt, images: [...gt.images].reverse(), categories: [...gt.categories].reverse() };
    const stats = evaluateDetections(shuffled, dets);
    for (const k of STAT_KEYS) expect(Math.abs(stats[k] - expected[k])).toBeLessThan(1e-12);
  });

  it('CLI prints exactly the 12 keys with --json', () => {
    const out = execFileSync('npx', ['tsx', 'scripts/eval.ts', '--gt', `${FIX}/gt.json`, '--detections', `${FIX}/detections.json`, '--json'], { encoding: 'utf8' });
    const obj = JSON.parse(out.trim()) as Record<string, number>;
    expect(Object.keys(obj)).toEqual([...STAT_KEYS]);
    const { expected } = loadFixture();
    for (const k of STAT_KEYS) expect(Math.abs(obj[k] - expected[k])).toBeLessThan(1e-4);
  });
});

describe('bboxIou', () => {
  it('regular IoU', () => {
    const iou = bboxIou([[0, 0, 10, 10]], [[5, 0, 10, 10], [0, 0, 10, 10], [2, 2, 4, 4]], [0, 0, 0]);
    expect(iou[0][0]).toBeCloseTo(50 / 150, 12);
    expect(iou[0][1]).toBeCloseTo(1, 12);
    expect(iou[0][2]).toBeCloseTo(16 / 100, 12);
  });
  it('touching or disjoint boxes give 0', () => {
    const iou = bboxIou([[0, 0, 10, 10]], [[10, 0, 10, 10], [0, 10, 5, 5], [30, 30, 1, 1]], [0, 0, 0]);
    expect(iou[0]).toEqual([0, 0, 0]);
  });
  it('crowd IoU is intersection over detection area', () => {
    const iou = bboxIou([[0, 0, 10, 10], [20, 20, 10, 10]], [[5, 0, 100, 100]], [1]);
    expect(iou[0][0]).toBeCloseTo(50 / 100, 12);
    expect(iou[1][0]).toBeCloseTo(1, 12); // det fully inside the crowd region
  });
  it('shape is [dets][gts] and empty inputs work', () => {
    expect(bboxIou([], [[0, 0, 1, 1]], [0])).toEqual([]);
    expect(bboxIou([[0, 0, 1, 1]], [], [])).toEqual([[]]);
  });
});

describe('COCOeval semantics', () => {
  it('perfect detection: AP = AR = 1, empty area ranges are -1', () => {
    const s = evaluateDetections(makeGt([ann([10, 10, 50, 50])]), [det([10, 10, 50, 50], 0.9)]);
    expect(s.AP).toBeCloseTo(1, 12);
    expect(s.AP50).toBeCloseTo(1, 12);
    expect(s.AR1).toBeCloseTo(1, 12);
    expect(s.APm).toBeCloseTo(1, 12); // area 2500 is medium
    expect(s.APs).toBe(-1);
    expect(s.APl).toBe(-1);
    expect(s.ARs).toBe(-1);
  });

  it('no detections: AP = AR = 0', () => {
    const s = evaluateDetections(makeGt([ann([10, 10, 50, 50])]), []);
    expect(s.AP).toBe(0);
    expect(s.AR100).toBe(0);
  });

  it('a higher-scored false positive halves AP; a lower-scored duplicate does not hurt', () => {
    const gt = makeGt([ann([10, 10, 50, 50])]);
    expect(evaluateDetections(gt, [det([100, 100, 20, 20], 0.9), det([10, 10, 50, 50], 0.8)]).AP).toBeCloseTo(0.5, 12);
    expect(evaluateDetections(gt, [det([10, 10, 50, 50], 0.9), det([10, 10, 50, 50], 0.8)]).AP).toBeCloseTo(1, 12);
  });

  it('equal scores keep file order (stable mergesort)', () => {
    const gt = makeGt([ann([10, 10, 50, 50])]);
    const fpFirst = evaluateDetections(gt, [det([100, 100, 20, 20], 0.5), det([10, 10, 50, 50], 0.5)]);
    const tpFirst = evaluateDetections(gt, [det([10, 10, 50, 50], 0.5), det([100, 100, 20, 20], 0.5)]);
    expect(fpFirst.AP).toBeCloseTo(0.5, 12);
    expect(tpFirst.AP).toBeCloseTo(1, 12);
  });

  it('detections matched to a crowd region count neither as TP nor FP, any number of times', () => {
    const anns = [ann([0, 0, 100, 100], { iscrowd: 1 }), ann([120, 120, 20, 20])];
    const dets = [det([50, 50, 20, 20], 0.95), det([10, 10, 30, 30], 0.93), det([120, 120, 20, 20], 0.9)];
    expect(evaluateDetections(makeGt(anns), dets).AP).toBeCloseTo(1, 12);
    // Without the crowd flag the big box is a missed object and the two inner dets are FPs.
    const notCrowd = [ann([0, 0, 100, 100]), ann([120, 120, 20, 20])];
    const s = evaluateDetections(makeGt(notCrowd), dets);
    expect(s.AP).toBeLessThan(0.5);
    expect(s.AR100).toBeCloseTo(0.5, 12);
  });

  it('a crowd-only category is ignored (-1, excluded from the mean)', () => {
    const gt = makeGt([ann([0, 0, 50, 50]), ann([0, 0, 100, 100], { iscrowd: 1, category_id: 2 })], 1, 2);
    const s = evaluateDetections(gt, [det([0, 0, 50, 50], 0.9), det([10, 10, 20, 20], 0.8, { category_id: 2 })]);
    expect(s.AP).toBeCloseTo(1, 12);
    const r = cocoEvaluate(gt, [det([0, 0, 50, 50], 0.9)]);
    const [T, R, K, A, M] = r.shape;
    expect([T, R, K, A, M]).toEqual([10, 101, 2, 4, 3]);
    expect(r.precision[((0 * R + 0) * K + 1) * A * M]).toBe(-1); // category 2, t=0, r=0, area all, maxDet 1
  });

  it('a regular match is preferred over an ignored (crowd) gt with higher IoU', () => {
    // det overlaps the regular gt with IoU 0.6 and lies fully inside a crowd region (crowd IoU 1).
    const anns = [ann([0, 0, 100, 100], { iscrowd: 1 }), ann([10, 10, 30, 20])];
    const d = det([10, 10, 30, 12], 0.9); // IoU with regular gt = 360/600 = 0.6
    const r = cocoEvaluate(makeGt(anns), [d]);
    expect(r.stats.AP50).toBeCloseTo(1, 12);
    // At IoU >= 0.65 it falls back to the crowd region: ignored, so no FP and the gt is missed.
    expect(r.stats.AP75).toBe(0);
  });

  it('categories with detections but no ground truth do not count', () => {
    const gt = makeGt([ann([10, 10, 50, 50])], 1, 2);
    const s = evaluateDetections(gt, [det([10, 10, 50, 50], 0.9), det([0, 0, 30, 30], 0.99, { category_id: 2 })]);
    expect(s.AP).toBeCloseTo(1, 12);
  });

  it('detections of unknown categories are dropped; unknown images throw', () => {
    const gt = makeGt([ann([10, 10, 50, 50])]);
    expect(evaluateDetections(gt, [det([0, 0, 30, 30], 0.99, { category_id: 7 }), det([10, 10, 50, 50], 0.5)]).AP).toBeCloseTo(1, 12);
    expect(() => evaluateDetections(gt, [det([0, 0, 3, 3], 0.9, { image_id: 99 })])).toThrow(/image_id 99/);
    expect(evaluateDetections(gt, [det([0, 0, 3, 3], 0.9, { image_id: 99 })], { unknownImages: 'ignore' }).AP).toBe(0);
  });

  it('uses the gt area field (not the box) for area ranges; det area is w*h', () => {
    // box 50x50 (2500) but area 500 -> small
    const gt = makeGt([ann([10, 10, 50, 50], { area: 500 })]);
    const s = evaluateDetections(gt, [det([10, 10, 50, 50], 0.9)]);
    expect(s.APs).toBeCloseTo(1, 12);
    expect(s.APm).toBe(-1);
    // an unmatched large detection is ignored in the small range but is an FP in "all"
    const s2 = evaluateDetections(gt, [det([100, 100, 99, 99], 0.95), det([10, 10, 50, 50], 0.9)]);
    expect(s2.APs).toBeCloseTo(1, 12);
    expect(s2.AP).toBeCloseTo(0.5, 12);
  });

  it('maxDets caps detections per image', () => {
    const gt = makeGt([ann([0, 0, 20, 20]), ann([50, 50, 20, 20])]);
    const s = evaluateDetections(gt, [det([0, 0, 20, 20], 0.9), det([50, 50, 20, 20], 0.8)]);
    expect(s.AR1).toBeCloseTo(0.5, 12);
    expect(s.AR10).toBeCloseTo(1, 12);
    expect(s.AR100).toBeCloseTo(1, 12);
  });

  it('a gt is matched once; the best-IoU unmatched gt wins', () => {
    const gt = makeGt([ann([0, 0, 20, 20]), ann([4, 0, 20, 20])]);
    // first det fits gt 2 best, the second then can only take gt 1
    const s = evaluateDetections(gt, [det([4, 0, 20, 20], 0.9), det([3, 0, 20, 20], 0.8)]);
    // at IoU 0.5: both matched. gt1 vs [3,0,20,20]: IoU = 340/460 = 0.739 -> matched up to t=0.70
    expect(s.AP50).toBeCloseTo(1, 12);
    expect(s.AR100).toBeCloseTo((10 + 5) / 20, 12);
  });

  it('all-empty input gives -1 everywhere', () => {
    const s = evaluateDetections(makeGt([]), []);
    for (const k of STAT_KEYS) expect(s[k]).toBe(-1);
  });
});
