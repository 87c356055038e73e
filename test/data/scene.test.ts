import { deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  CLASS_NAMES, EllipticShape, MASK_THRESHOLD, NUM_CLASSES, PolygonShape, Rng, VALIDATION_SEED, crc32,
  encodePng, generateScene, sdEllipse, toCocoGroundTruth, validationSeed, validationSet,
} from '../../src/data';
import type { Scene } from '../../src/data';
import { evaluateDetections } from '../../src/eval';
import type { CocoDetection } from '../../src/eval';

function fnv1a(bytes: ArrayLike<number>): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** Bounding box [x0, y0, x1, y1] (inclusive) of mask >= thr, or null. */
function maskBox(mask: Float32Array, w: number, h: number, thr = MASK_THRESHOLD): [number, number, number, number] | null {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (mask[y * w + x] >= thr) {
        x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
      }
    }
  }
  return x1 >= x0 ? [x0, y0, x1, y1] : null;
}

describe('determinism', () => {
  it('same seed gives identical bytes and annotations; other seeds differ', () => {
    const a = generateScene(1234);
    const b = generateScene(1234);
    expect(a.pixels).toEqual(b.pixels);
    expect(a.objects).toEqual(b.objects);
    const c = generateScene(1235);
    expect(fnv1a(c.pixels)).not.toBe(fnv1a(a.pixels));
    // debug output does not change the rendering
    const d = generateScene(1234, { debugMasks: true });
    expect(d.pixels).toEqual(a.pixels);
    expect(d.objects).toEqual(a.objects);
  });

  it('all pixels of 100 scenes are pairwise distinct images', () => {
    const hashes = new Set<string>();
    for (let i = 0; i < 100; i++) hashes.add(fnv1a(generateScene(validationSeed(i)).pixels));
    expect(hashes.size).toBe(100);
  });

  it('golden checksums (update deliberately when the generator changes)', () => {
    // Guards bit-exactness across refactors and engines (Node vs Chromium run the same code).
    const sums = [0, 1, 42].map((s) => fnv1a(generateScene(s).pixels));
    const ann = JSON.stringify(generateScene(42).objects.map((o) => [o.classId, o.bbox]));
    console.log('golden', sums, ann);
    expect(sums).toEqual(GOLDEN_PIXELS);
    expect(ann).toBe(GOLDEN_ANN_42);
  });

  it('Rng is reproducible and roughly uniform; rotations are unit vectors', () => {
    const r1 = new Rng(7);
    const r2 = new Rng(7);
    const xs = Array.from({ length: 20000 }, () => r1.next());
    expect(xs.slice(0, 100)).toEqual(Array.from({ length: 100 }, () => r2.next()));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const r = new Rng(3);
    for (let i = 0; i < 100; i++) {
      const [c, s] = r.rotation();
      expect(Math.abs(c * c + s * s - 1)).toBeLessThan(1e-12);
    }
  });
});

const GOLDEN_PIXELS = ['35110d70', 'bf3f77c8', 'b6546aa5'];
const GOLDEN_ANN_42 = '[[3,[17,113,23,15]],[0,[13,41,54,63]],[4,[91,107,23,17]],[3,[63,85,28,24]],[4,[107,59,14,11]]]';

describe('scene content', () => {
  const N = 300;
  const scenes: Scene[] = [];
  for (let i = 0; i < N; i++) scenes.push(generateScene(validationSeed(i, 99)));

  it('covers every class, 0..10 objects per image', () => {
    const counts = new Array<number>(NUM_CLASSES).fill(0);
    const perImage: number[] = [];
    for (const s of scenes) {
      perImage.push(s.objects.length + s.hidden.length);
      for (const o of s.objects) counts[o.classId]++;
    }
    console.log('class counts', Object.fromEntries(CLASS_NAMES.map((n, i) => [n, counts[i]])));
    expect(NUM_CLASSES).toBeGreaterThanOrEqual(6);
    const total = counts.reduce((a, b) => a + b, 0);
    for (const c of counts) expect(c).toBeGreaterThan(total / NUM_CLASSES / 2);
    expect(Math.min(...perImage)).toBe(0);
    expect(Math.max(...perImage)).toBeGreaterThanOrEqual(9);
    expect(Math.max(...perImage)).toBeLessThanOrEqual(10);
  });

  it('has small and large objects and partial occlusion', () => {
    const sides = scenes.flatMap((s) => s.objects.map((o) => Math.max(o.bbox[2], o.bbox[3])));
    expect(Math.min(...sides)).toBeLessThanOrEqual(9);
    expect(Math.max(...sides)).toBeGreaterThanOrEqual(56);
    const occluded = scenes.flatMap((s) => s.objects).filter((o) => o.visibleFraction < 0.8);
    expect(occluded.length).toBeGreaterThan(10);
    for (const s of scenes) for (const o of s.objects) expect(o.visibleFraction).toBeGreaterThanOrEqual(0.3 - 1e-9);
    for (const s of scenes) for (const o of s.hidden) expect(o.visibleFraction < 0.3 || o.bbox[2] < 2 || o.bbox[3] < 2).toBe(true);
  });
});

describe('boxes', () => {
  it('bbox is the tight box of the visible mask; area is its coverage sum', () => {
    for (const [w, h] of [[128, 128], [200, 96], [64, 150]] as const) {
      for (let i = 0; i < 40; i++) {
        const s = generateScene(validationSeed(i, w * 1000 + h), { width: w, height: h, debugMasks: true });
        expect(s.pixels.length).toBe(w * h * 3);
        expect(s.masks!.length).toBe(s.objects.length);
        s.objects.forEach((o, k) => {
          const mb = maskBox(s.masks![k], w, h)!;
          expect(mb).not.toBeNull();
          expect(o.bbox).toEqual([mb[0], mb[1], mb[2] - mb[0] + 1, mb[3] - mb[1] + 1]);
          expect(o.bbox[0] + o.bbox[2]).toBeLessThanOrEqual(w);
          expect(o.bbox[1] + o.bbox[3]).toBeLessThanOrEqual(h);
          const sum = s.masks![k].reduce((a, b) => a + b, 0);
          expect(Math.abs(sum - o.area)).toBeLessThan(1e-3 * Math.max(1, sum));
        });
      }
    }
  });

  it('bbox lies between independent 8x8-supersampled inner and outer boxes of unoccluded shapes', () => {
    // A pixel is in the mask iff its centre is inside the shape (coverage 0.5 - d >= 0.5).
    // So the bbox must contain every pixel that is mostly (> 62.5%) covered, and no pixel
    // that is not covered at all.
    let checked = 0;
    for (let i = 0; i < 60; i++) {
      const s = generateScene(validationSeed(i, 5), { debugMasks: true });
      s.objects.forEach((o, k) => {
        if (o.visibleFraction < 0.999) return;
        const shape = s.shapes![k];
        const ss = 8;
        const inner = [Infinity, Infinity, -Infinity, -Infinity];
        const outer = [Infinity, Infinity, -Infinity, -Infinity];
        const grow = (bx: number[], x: number, y: number) => {
          bx[0] = Math.min(bx[0], x); bx[1] = Math.min(bx[1], y); bx[2] = Math.max(bx[2], x); bx[3] = Math.max(bx[3], y);
        };
        for (let y = 0; y < s.height; y++) {
          for (let x = 0; x < s.width; x++) {
            let inside = 0;
            for (let sy = 0; sy < ss; sy++) for (let sx = 0; sx < ss; sx++) {
              if (shape.sdf(x + (sx + 0.5) / ss, y + (sy + 0.5) / ss) < 0) inside++;
            }
            if (inside > (ss * ss * 5) / 8) grow(inner, x, y);
            if (inside > 0) grow(outer, x, y);
          }
        }
        const [bx, by, bw, bh] = o.bbox;
        const b = [bx, by, bx + bw - 1, by + bh - 1];
        expect(b[0]).toBeGreaterThanOrEqual(outer[0]);
        expect(b[1]).toBeGreaterThanOrEqual(outer[1]);
        expect(b[2]).toBeLessThanOrEqual(outer[2]);
        expect(b[3]).toBeLessThanOrEqual(outer[3]);
        if (inner[2] >= inner[0]) {
          expect(b[0]).toBeLessThanOrEqual(inner[0]);
          expect(b[1]).toBeLessThanOrEqual(inner[1]);
          expect(b[2]).toBeGreaterThanOrEqual(inner[2]);
          expect(b[3]).toBeGreaterThanOrEqual(inner[3]);
        }
        checked++;
      });
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('objects are visible in the pixels: mask pixels differ from the scene without objects', () => {
    let diffSum = 0;
    let n = 0;
    for (let i = 0; i < 20; i++) {
      const opts = { debugMasks: true, noise: false };
      const s = generateScene(validationSeed(i, 8), opts);
      const bare = generateScene(validationSeed(i, 8), { ...opts, maxObjects: 0 });
      // the background stream is drawn before the object count, so it is the same scene without objects
      s.objects.forEach((o, k) => {
        if (o.visibleFraction < 0.999) return;
        const m = s.masks![k];
        for (let p = 0; p < m.length; p++) {
          if (m[p] < 0.99) continue;
          for (let c = 0; c < 3; c++) diffSum += Math.abs(s.pixels[p * 3 + c] - bare.pixels[p * 3 + c]);
          n++;
        }
      });
    }
    const meanDiff = diffSum / n / 3;
    console.log(`mean |object - background| per channel: ${meanDiff.toFixed(1)}`);
    expect(meanDiff).toBeGreaterThan(25);
  });
});

describe('shapes', () => {
  it('polygon sdf: sign by point-in-polygon, magnitude by brute-force edge distance', () => {
    const xs = [10, 30, 25, 12];
    const ys = [5, 8, 30, 22];
    const poly = new PolygonShape(xs, ys);
    const rng = new Rng(1);
    for (let i = 0; i < 500; i++) {
      const px = rng.range(0, 40);
      const py = rng.range(0, 35);
      let inside = false;
      let dmin = Infinity;
      for (let a = 0, b = 3; a < 4; b = a, a++) {
        if ((ys[a] > py) !== (ys[b] > py) && px < ((xs[b] - xs[a]) * (py - ys[a])) / (ys[b] - ys[a]) + xs[a]) inside = !inside;
        const ex = xs[b] - xs[a], ey = ys[b] - ys[a];
        const t = Math.max(0, Math.min(1, ((px - xs[a]) * ex + (py - ys[a]) * ey) / (ex * ex + ey * ey)));
        dmin = Math.min(dmin, Math.hypot(px - xs[a] - t * ex, py - ys[a] - t * ey));
      }
      expect(poly.sdf(px, py)).toBeCloseTo(inside ? -dmin : dmin, 9);
    }
  });

  it('ellipse sdf: exact sign, ~distance near the boundary', () => {
    const rng = new Rng(2);
    for (let i = 0; i < 500; i++) {
      const rx = rng.range(3, 30), ry = rng.range(3, 30);
      const x = rng.range(-40, 40), y = rng.range(-40, 40);
      const inside = (x / rx) ** 2 + (y / ry) ** 2 < 1;
      const d = sdEllipse(x, y, rx, ry);
      if (Math.abs((x / rx) ** 2 + (y / ry) ** 2 - 1) > 1e-9) expect(d < 0).toBe(inside);
    }
    // points at distance 0.5 outside along the normal of a circle
    expect(sdEllipse(10.5, 0, 10, 10)).toBeCloseTo(0.5, 6);
    const e = new EllipticShape({ cx: 0, cy: 0, cos: 1, sin: 0 }, 10, 5, 'ring', 0.5);
    expect(e.sdf(0, 0)).toBeGreaterThan(0); // hole
    expect(e.sdf(7.5, 0)).toBeLessThan(0); // band
  });
});

describe('COCO export', () => {
  const scenes = validationSet(30);

  it('is valid COCO instances JSON with category id = classId + 1', () => {
    const gt = toCocoGroundTruth(scenes, 'val_');
    expect(gt.categories.map((c) => c.id)).toEqual(CLASS_NAMES.map((_, i) => i + 1));
    expect(gt.categories.map((c) => c.name)).toEqual([...CLASS_NAMES]);
    expect(gt.images.length).toBe(30);
    expect(new Set(gt.images.map((im) => im.id)).size).toBe(30);
    expect(gt.images[3].file_name).toBe('val_00003.png');
    expect(gt.images[3].seed).toBe(validationSeed(3, VALIDATION_SEED));
    const imgs = new Map(gt.images.map((im) => [im.id, im]));
    const nObj = scenes.reduce((a, s) => a + s.objects.length, 0);
    expect(gt.annotations.length).toBe(nObj);
    expect(new Set(gt.annotations.map((a) => a.id)).size).toBe(nObj);
    for (const a of gt.annotations) {
      const im = imgs.get(a.image_id)!;
      expect(im).toBeDefined();
      expect(a.iscrowd).toBe(0);
      expect(a.category_id).toBeGreaterThanOrEqual(1);
      expect(a.category_id).toBeLessThanOrEqual(NUM_CLASSES);
      const [x, y, w, h] = a.bbox;
      expect(x).toBeGreaterThanOrEqual(0);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(w).toBeGreaterThan(0);
      expect(h).toBeGreaterThan(0);
      expect(x + w).toBeLessThanOrEqual(im.width);
      expect(y + h).toBeLessThanOrEqual(im.height);
      expect(a.area).toBeGreaterThan(0);
      // area = summed coverage, which includes the antialiased fringe just outside the box
      expect(a.area).toBeLessThanOrEqual((w + 2) * (h + 2));
    }
    // round trip through JSON and the evaluator: ground truth as detections scores AP = 1
    const parsed = JSON.parse(JSON.stringify(gt)) as typeof gt;
    const dets: CocoDetection[] = parsed.annotations.map((a) => ({ image_id: a.image_id, category_id: a.category_id, bbox: a.bbox, score: 1 }));
    const stats = evaluateDetections(parsed, dets);
    expect(stats.AP).toBeCloseTo(1, 9);
    expect(stats.AR100).toBeCloseTo(1, 9);
  });

  it('can export hidden objects as crowd regions', () => {
    const withHidden = validationSet(200, 4242).filter((s) => s.hidden.some((o) => o.bbox[2] > 0));
    expect(withHidden.length).toBeGreaterThan(0);
    const gt = toCocoGroundTruth(withHidden, 'x_', { hiddenAsCrowd: true });
    expect(gt.annotations.some((a) => a.iscrowd === 1)).toBe(true);
  });
});

describe('PNG', () => {
  function decode(png: Uint8Array): { w: number; h: number; ct: number; data: Uint8Array } {
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
    let o = 8;
    let w = 0, h = 0, ct = 0;
    const idat: Uint8Array[] = [];
    const types: string[] = [];
    while (o < png.length) {
      const len = dv.getUint32(o);
      const type = String.fromCharCode(...png.subarray(o + 4, o + 8));
      types.push(type);
      expect(dv.getUint32(o + 8 + len)).toBe(crc32(png, o + 4, o + 8 + len));
      if (type === 'IHDR') { w = dv.getUint32(o + 8); h = dv.getUint32(o + 12); ct = png[o + 17]; expect(png[o + 16]).toBe(8); }
      if (type === 'IDAT') idat.push(png.subarray(o + 8, o + 8 + len));
      o += 12 + len;
    }
    expect(types).toEqual(['IHDR', 'IDAT', 'IEND']);
    const ch = ct === 0 ? 1 : ct === 2 ? 3 : 4;
    const raw = new Uint8Array(inflateSync(Buffer.concat(idat)));
    const stride = w * ch;
    const out = new Uint8Array(w * h * ch);
    for (let y = 0; y < h; y++) {
      const f = raw[y * (stride + 1)];
      for (let i = 0; i < stride; i++) {
        const v = raw[y * (stride + 1) + 1 + i];
        const a = i >= ch ? out[y * stride + i - ch] : 0;
        const b = y > 0 ? out[(y - 1) * stride + i] : 0;
        const c = i >= ch && y > 0 ? out[(y - 1) * stride + i - ch] : 0;
        let pred = 0;
        if (f === 1) pred = a;
        else if (f === 2) pred = b;
        else if (f === 3) pred = (a + b) >> 1;
        else if (f === 4) {
          const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
          pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
        }
        out[y * stride + i] = (v + pred) & 0xff;
      }
    }
    return { w, h, ct, data: out };
  }

  it('round-trips RGB scenes with zlib and stored deflate', () => {
    const s = generateScene(77, { width: 50, height: 31 });
    for (const deflate of [undefined, (d: Uint8Array) => new Uint8Array(deflateSync(d))]) {
      const png = encodePng(s.width, s.height, s.pixels, 3, deflate);
      const d = decode(png);
      expect([d.w, d.h, d.ct]).toEqual([50, 31, 2]);
      expect(d.data).toEqual(new Uint8Array(s.pixels));
    }
  });

  it('writes grey and RGBA, and large stored images (multiple blocks)', () => {
    const grey = Uint8Array.from({ length: 300 * 300 }, (_, i) => (i * 7) & 255);
    const d = decode(encodePng(300, 300, grey, 1));
    expect(d.ct).toBe(0);
    expect(d.data).toEqual(grey);
    const rgba = Uint8Array.from({ length: 4 * 5 * 4 }, (_, i) => (i * 13) & 255);
    const d2 = decode(encodePng(4, 5, rgba, 4, (x) => new Uint8Array(deflateSync(x))));
    expect(d2.ct).toBe(6);
    expect(d2.data).toEqual(rgba);
  });
});
