import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import {
  boxGiou, boxIou, cxcywhToXyxy, cxcywhToXyxyArray, pairwiseGiou, pairwiseIou, xyxyToCxcywh,
} from '../../src/geometry/boxes';
import { cxcywhToXyxyT, giouT, iouGiouT, pairwiseGiouT, xyxyToCxcywhT } from '../../src/model/boxes';
import { maxAbsDiff, rng, useBackend } from '../support/trainHelpers';

function randomCxcywh(r: () => number): [number, number, number, number] {
  return [0.1 + 0.8 * r(), 0.1 + 0.8 * r(), 0.05 + 0.5 * r(), 0.05 + 0.5 * r()];
}

describe('box ops (numbers)', () => {
  it('converts cxcywh <-> xyxy', () => {
    expect(cxcywhToXyxy([0.5, 0.4, 0.2, 0.6])).toEqual([0.4, 0.10000000000000003, 0.6, 0.7]);
    const back = xyxyToCxcywh(cxcywhToXyxy([0.5, 0.4, 0.2, 0.6]));
    expect(maxAbsDiff(back, [0.5, 0.4, 0.2, 0.6])).toBeLessThan(1e-15);
    expect(Array.from(cxcywhToXyxyArray([0.5, 0.5, 1, 1, 0.25, 0.75, 0.5, 0.5]))).toEqual([0, 0, 1, 1, 0, 0.5, 0.5, 1]);
  });

  it('IoU and GIoU match hand-computed values', () => {
    // [0,0,2,2] vs [1,1,3,3]: inter 1, union 7, enclosing 9 -> IoU 1/7, GIoU 1/7 - 2/9.
    expect(boxIou([0, 0, 2, 2], [1, 1, 3, 3])).toBeCloseTo(1 / 7, 15);
    expect(boxGiou([0, 0, 2, 2], [1, 1, 3, 3])).toBeCloseTo(1 / 7 - 2 / 9, 15);
    // Disjoint: [0,0,1,1] vs [2,0,3,1]: IoU 0, union 2, enclosing 3 -> GIoU -1/3.
    expect(boxIou([0, 0, 1, 1], [2, 0, 3, 1])).toBe(0);
    expect(boxGiou([0, 0, 1, 1], [2, 0, 3, 1])).toBeCloseTo(-1 / 3, 15);
    // Identical boxes: 1, 1. Contained: [0,0,4,4] vs [1,1,2,2]: IoU 1/16, GIoU 1/16.
    expect(boxGiou([0.1, 0.2, 0.3, 0.5], [0.1, 0.2, 0.3, 0.5])).toBeCloseTo(1, 15);
    expect(boxGiou([0, 0, 4, 4], [1, 1, 2, 2])).toBeCloseTo(1 / 16, 15);
  });

  it('pairwise versions agree with single ones', () => {
    const r = rng(1);
    const a = cxcywhToXyxyArray([...randomCxcywh(r), ...randomCxcywh(r), ...randomCxcywh(r)]);
    const b = cxcywhToXyxyArray([...randomCxcywh(r), ...randomCxcywh(r)]);
    const pi = pairwiseIou(a, b), pg = pairwiseGiou(a, b);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 2; j++) {
      const ai = a.subarray(4 * i, 4 * i + 4), bj = b.subarray(4 * j, 4 * j + 4);
      expect(pi[i * 2 + j]).toBe(boxIou(ai, bj));
      expect(pg[i * 2 + j]).toBe(boxGiou(ai, bj));
    }
  });
});

describe('box ops (tensors, wasm)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('tensor conversions and GIoU match the number versions', () => {
    const r = rng(2);
    const n = 6, m = 4;
    const a = Array.from({ length: n }, () => randomCxcywh(r)).flat();
    const b = Array.from({ length: m }, () => randomCxcywh(r)).flat();
    tf.tidy(() => {
      const at = tf.tensor2d(a, [n, 4]);
      const bt = tf.tensor2d(b, [m, 4]);
      const ax = cxcywhToXyxyT(at);
      expect(maxAbsDiff(ax.dataSync(), cxcywhToXyxyArray(a))).toBeLessThan(1e-6);
      expect(maxAbsDiff(xyxyToCxcywhT(ax).dataSync(), a)).toBeLessThan(1e-6);
      const pg = pairwiseGiouT(ax, cxcywhToXyxyT(bt));
      expect(pg.shape).toEqual([n, m]);
      expect(maxAbsDiff(pg.dataSync(), pairwiseGiou(cxcywhToXyxyArray(a), cxcywhToXyxyArray(b)))).toBeLessThan(1e-5);
      const { iou } = iouGiouT(tf.expandDims(ax, 1), tf.expandDims(cxcywhToXyxyT(bt), 0));
      expect(maxAbsDiff(iou.dataSync(), pairwiseIou(cxcywhToXyxyArray(a), cxcywhToXyxyArray(b)))).toBeLessThan(1e-5);
      const hand = giouT(tf.tensor2d([[0, 0, 2, 2], [0, 0, 1, 1]]), tf.tensor2d([[1, 1, 3, 3], [2, 0, 3, 1]]));
      expect(maxAbsDiff(hand.dataSync(), [1 / 7 - 2 / 9, -1 / 3])).toBeLessThan(1e-6);
    });
  });

  it('GIoU gradient on wasm matches float64 finite differences', () => {
    const r = rng(3);
    // Overlapping, disjoint and contained pairs (cxcywh), no ties between edges (kinks).
    const a = [0.5, 0.5, 0.3, 0.2, 0.2, 0.2, 0.1, 0.1, 0.5, 0.5, 0.6, 0.6, ...randomCxcywh(r)];
    const b = [0.57, 0.43, 0.2, 0.3, 0.7, 0.8, 0.2, 0.1, 0.52, 0.47, 0.1, 0.2, ...randomCxcywh(r)];
    const n = a.length / 4;
    const f64 = (av: number[]) => {
      const ax = cxcywhToXyxyArray(av), bx = cxcywhToXyxyArray(b);
      let s = 0;
      for (let i = 0; i < n; i++) s += (i + 1) * boxGiou(ax.subarray(4 * i, 4 * i + 4), bx.subarray(4 * i, 4 * i + 4));
      return s;
    };
    const g = tf.tidy(() => tf.grad((x: tf.Tensor) => {
      const gi = giouT(cxcywhToXyxyT(x), cxcywhToXyxyT(tf.tensor2d(b, [n, 4])));
      return tf.sum(tf.mul(gi, tf.range(1, n + 1)));
    })(tf.tensor2d(a, [n, 4])).dataSync());
    const fd = a.map((_, i) => {
      const h = 1e-6;
      const p = a.slice(); p[i] += h;
      const q = a.slice(); q[i] -= h;
      return (f64(p) - f64(q)) / (2 * h);
    });
    expect(maxAbsDiff(g, fd)).toBeLessThan(2e-4);
  });
});
