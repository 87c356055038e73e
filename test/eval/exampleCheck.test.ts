import { describe, it, expect } from 'vitest';
import { checkExample, type ExampleDetection, type ExampleObject } from '../../src/eval/exampleCheck';

const square: ExampleObject = { classId: 1, bbox: [10, 10, 40, 40] }; // 40 px
const tiny: ExampleObject = { classId: 2, bbox: [100, 100, 12, 12] }; // 12 px: not required
const det = (label: number, score: number, box: [number, number, number, number]): ExampleDetection => ({ label, score, box });

describe('example image check', () => {
  it('finds an object with its class, score >= 0.5 and IoU >= 0.7', () => {
    const r = checkExample([square, tiny], [det(1, 0.9, [11, 11, 50, 50])], 0.3);
    expect(r.objects[0].found).toBe(true);
    expect(r.objects[1].required).toBe(false);
    expect(r.pass).toBe(true);
  });

  it('fails on a wrong class, a low score or a loose box', () => {
    expect(checkExample([square], [det(3, 0.9, [10, 10, 50, 50])], 0.3).pass).toBe(false);
    expect(checkExample([square], [det(1, 0.45, [10, 10, 50, 50])], 0.3).pass).toBe(false);
    // IoU 0.67: the 40x40 object in a 40x60 box
    expect(checkExample([square], [det(1, 0.9, [10, 10, 50, 70])], 0.3).objects[0].found).toBe(false);
  });

  it('a second box of the same object above the display threshold is a duplicate; below it is not', () => {
    const dets = [det(1, 0.9, [10, 10, 50, 50]), det(1, 0.35, [12, 12, 52, 52])];
    expect(checkExample([square], dets, 0.3).objects[0].duplicates).toBe(1);
    expect(checkExample([square], dets, 0.3).pass).toBe(false);
    expect(checkExample([square], dets, 0.4).pass).toBe(true);
  });

  it('counts shown boxes on no object of their class as background', () => {
    const r = checkExample([square], [det(1, 0.9, [10, 10, 50, 50]), det(4, 0.6, [120, 120, 150, 150]), det(5, 0.1, [0, 0, 5, 5])], 0.3);
    expect(r.background).toBe(1);
    expect(r.pass).toBe(true);
  });
});
