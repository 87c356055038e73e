import { describe, expect, it } from 'vitest';
import {
  boxToScreen, cellToImage, cxcywhToImageBox, fitTransform, fitWithin, fromRelative, heatmapRect, imageToCell, imageToNorm,
  imageToScreen, lerpBox, makeFrame, normToImage, officialResize, pan, roiGridLines, roiToImageBox, screenToImage, stepCell,
  toRelative, zoomAt, type Transform,
} from '../../src/app/geometry';
import { officialResizeShape } from '../../src/model';

/** Same length (an empty or short result fails), then every element within eps. */
const close = (a: number[], b: number[], eps = 1e-9) => {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(v).toBeCloseTo(b[i], -Math.log10(eps) - 1));
};

describe('resize rule', () => {
  it('matches the official get_size_with_aspect_ratio', () => {
    expect(officialResize(480, 640, 800, 1333)).toEqual([800, 1066]);
    expect(officialResize(640, 480, 800, 1333)).toEqual([1066, 800]);
    expect(officialResize(500, 2000, 800, 1333)).toEqual([333, 1332]);
    expect(officialResize(800, 900, 800, 1333)).toEqual([800, 900]);
    expect(officialResize(144, 192, 128, 213)).toEqual([128, 170]);
  });
  it('agrees with the model library', () => {
    for (const [h, w] of [[480, 640], [6000, 8000], [144, 192], [1536, 2048], [333, 1000]] as const) {
      expect(officialResize(h, w, 800, 1333)).toEqual(officialResizeShape(h, w, 800, 1333));
    }
  });
  it('caps huge images on decode keeping the aspect ratio', () => {
    expect(fitWithin(8000, 6000, 2048)).toEqual([2048, 1536]);
    expect(fitWithin(640, 480, 2048)).toEqual([640, 480]);
  });
});

describe('model frame -> image pixels', () => {
  // 640x480 photo, resized to 1066x800 for the model, single image (no padding).
  const f = makeFrame(640, 480, 1066, 800);
  it('maps normalised points to image pixels and back', () => {
    close(normToImage([0.5, 0.5], f), [320, 240]);
    close(normToImage([1, 1], f), [640, 480]);
    close(imageToNorm(normToImage([0.3, 0.7], f), f), [0.3, 0.7]);
  });
  it('maps boxes: cxcywh -> xyxy in image px (what postprocess does with the target size)', () => {
    close(cxcywhToImageBox([0.5, 0.5, 0.5, 0.25], f), [160, 180, 480, 300]);
  });
  it('accounts for padding in a batch', () => {
    // Same image padded to 1100x850 in a batch: norm is relative to the padded tensor.
    const g = makeFrame(640, 480, 1066, 800, 1100, 850);
    close(normToImage([1066 / 1100, 800 / 850], g), [640, 480]);
    close(heatmapRect(g), [0, 0, (1100 * 640) / 1066, (850 * 480) / 800]);
  });
  it('maps RoI boxes and feature cells: cell j spans [j, j+1] of w cells', () => {
    const fw = 34, fh = 25;
    close(roiToImageBox([0, 0, fw, fh], fw, fh, f), [0, 0, 640, 480]);
    close(cellToImage([17, 12.5], fw, fh, f), [320, 240]);
    const c = imageToCell([320, 240], fw, fh, f)!;
    expect(c).toEqual({ row: 12, col: 17, index: 12 * fw + 17 });
    expect(imageToCell([-1, 5], fw, fh, f)).toBeNull();
    expect(imageToCell([640, 5], fw, fh, f)).toBeNull();
    // the last cell reaches the image edge
    expect(imageToCell([639.9, 479.9], fw, fh, f)).toEqual({ row: 24, col: 33, index: 24 * 34 + 33 });
  });
  it('splits a RoI into the 7x7 bins RoIAlign pools', () => {
    const lines = roiGridLines([10, 20, 80, 90], 7);
    expect(lines.length).toBe(16);
    close(lines[1], [20, 20, 20, 90]);
    close(lines[8 + 7], [10, 90, 80, 90]);
  });
});

describe('image pixels -> screen under zoom and resize', () => {
  it('fits the image centred', () => {
    const t = fitTransform(1000, 500, 640, 480);
    expect(t.k).toBeCloseTo(500 / 480);
    close(imageToScreen([320, 240], t), [500, 250]);
  });
  it('round-trips points and boxes under any transform', () => {
    const t: Transform = { k: 2.5, x: -40, y: 13 };
    close(screenToImage(imageToScreen([123, 45], t), t), [123, 45]);
    close(boxToScreen([10, 20, 30, 40], t), [-15, 63, 35, 113]);
  });
  it('zooms about the pointer: the image point under it stays put', () => {
    const t = fitTransform(800, 600, 640, 480);
    const p = screenToImage([200, 150], t);
    const z = zoomAt(t, 3, 200, 150);
    close(imageToScreen(p, z), [200, 150]);
    expect(z.k).toBeCloseTo(t.k * 3);
    const q = pan(z, 10, -5);
    close(imageToScreen(p, q), [210, 145]);
  });
  it('keeps a box, a point and a heatmap cell aligned with each other at any zoom', () => {
    const f = makeFrame(640, 480, 1066, 800);
    const fw = 34, fh = 25;
    for (const t of [fitTransform(900, 700, 640, 480), zoomAt(fitTransform(900, 700, 640, 480), 7, 100, 650)]) {
      // A reference box exactly covering feature cells 3..5 x 2..4, and a salient point at the centre of cell (4, 3).
      const box = cxcywhToImageBox([4.5 / fw, 3.5 / fh, 3 / fw, 3 / fh], f);
      const cellRect = [...cellToImage([3, 2], fw, fh, f), ...cellToImage([6, 5], fw, fh, f)] as [number, number, number, number];
      close(boxToScreen(box, t), boxToScreen(cellRect, t), 1e-6);
      const pt = normToImage([4.5 / fw, 3.5 / fh], f);
      const ps = imageToScreen(pt, t);
      // The point lands inside the heatmap cell (4, 3) drawn from heatmapRect scaled to 34x25 cells.
      const [hx1, hy1, hx2, hy2] = boxToScreen(heatmapRect(f), t);
      expect(Math.floor(((ps[0] - hx1) / (hx2 - hx1)) * fw)).toBe(4);
      expect(Math.floor(((ps[1] - hy1) / (hy2 - hy1)) * fh)).toBe(3);
    }
  });
  it('keeps the relative zoom when the view is resized (shared between two views)', () => {
    const t = zoomAt(fitTransform(800, 600, 640, 480), 2, 300, 200);
    const r = toRelative(t, 800, 600, 640, 480);
    close([r.z], [2]);
    const same = fromRelative(r, 800, 600, 640, 480);
    close([same.k, same.x, same.y], [t.k, t.x, t.y]);
    // A narrower view shows the same image point at its centre, at the same zoom relative to fit.
    const other = fromRelative(r, 400, 600, 640, 480);
    close(screenToImage([200, 300], other), [r.cx, r.cy]);
    expect(other.k / fitTransform(400, 600, 640, 480).k).toBeCloseTo(2);
  });
});

describe('helpers', () => {
  it('interpolates boxes', () => {
    close(lerpBox([0, 0, 10, 10], [10, 10, 20, 20], 0.5), [5, 5, 15, 15]);
  });
});

describe('encoder location by keyboard', () => {
  // 100x60 image at stride 16 on a 160x96 input padded to 176x112: an 11x7 grid, its last column and row over padding.
  const f = makeFrame(100, 60, 160, 96, 176, 112);
  const cellOf = (p: [number, number]) => imageToCell(p, 11, 7, f);
  it('starts in the middle cell and moves one cell per key, to the cell centre', () => {
    const p0 = stepCell(null, 0, 0, 11, 7, f, 100, 60);
    expect(cellOf(p0)).toMatchObject({ col: 4, row: 2 });
    const p1 = stepCell(p0, 1, 0, 11, 7, f, 100, 60);
    expect(cellOf(p1)).toMatchObject({ col: 5, row: 2 });
    close(p1, cellToImage([5.5, 2.5], 11, 7, f));
    expect(cellOf(stepCell(p1, 0, -1, 11, 7, f, 100, 60))).toMatchObject({ col: 5, row: 1 });
  });
  it('stops at the image edge, not on cells over the padding', () => {
    let p = stepCell(null, 0, 0, 11, 7, f, 100, 60);
    for (let i = 0; i < 20; i++) p = stepCell(p, 1, 1, 11, 7, f, 100, 60);
    expect(cellOf(p)).toMatchObject({ col: 9, row: 5 });
    expect(p[0]).toBeLessThan(100);
    expect(p[1]).toBeLessThan(60);
    for (let i = 0; i < 20; i++) p = stepCell(p, -1, -1, 11, 7, f, 100, 60);
    expect(cellOf(p)).toMatchObject({ col: 0, row: 0 });
  });
});
