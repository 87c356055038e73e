import { describe, expect, it } from 'vitest';
import { DEFAULT_STATE, allHeads, parseState, serializeState, soloHead, toggleHead, visibleHeads, type ViewState } from '../../src/app/state';
import { checkPng, sniff } from '../../src/app/imageInput';
import { cocoImageId, toCocoResults } from '../../src/app/exporters';
import { blendHeadsRGBA, diffMaps, gaussianWeight, mapToRGBA, meanMaps } from '../../src/app/heatmap';
import { HEAD_COLORS } from '../../src/app/palette';
import { encodePng } from '../../src/data/png';
import { deflateSync } from 'node:zlib';

describe('URL state', () => {
  it('round-trips every field', () => {
    const s: ViewState = {
      ...DEFAULT_STATE, model: 'placeholder-sam-smca', model2: 'placeholder-sam', image: 'scene:1234', query: 17, layer: 2,
      heads: 0b10100101, threshold: 0.45, thresholdPinned: true, smcaPrior: false, compare: 'prior-off', overlay: 'diff', grid: false, mode: 'encoder',
      encPoint: [12.5, 40.1], zoom: { z: 2.5, cx: 100.25, cy: 80 }, backend: 'wasm', threads: 2,
    };
    expect(parseState('?' + serializeState(s))).toEqual(s);
    expect(serializeState(DEFAULT_STATE)).toBe('');
    expect(parseState('')).toEqual(DEFAULT_STATE);
  });
  it('ignores junk', () => {
    const s = parseState('?q=abc&layer=-5&t=7&compare=nope&overlay=x&backend=cuda&zoom=0,1,2&heads=zz&threads=99');
    expect(s.query).toBeNull();
    expect(s.layer).toBe(1);
    expect(s.threshold).toBe(1);
    expect(s.compare).toBe('none');
    expect(s.overlay).toBe('attention');
    expect(s.backend).toBe('');
    expect(s.zoom).toBeNull();
    expect(s.heads).toBe(DEFAULT_STATE.heads);
    expect(s.threads).toBe(8);
    expect(parseState('?threads=x').threads).toBe(0);
  });
  it('head masks: toggle, solo, all', () => {
    expect(visibleHeads(toggleHead(allHeads(8), 2), 8)).toEqual([0, 1, 3, 4, 5, 6, 7]);
    expect(visibleHeads(soloHead(4), 8)).toEqual([4]);
    expect(visibleHeads(toggleHead(toggleHead(allHeads(8), 5), 5), 8)).toHaveLength(8);
  });
  it('has 8 distinct head colours', () => {
    expect(new Set(HEAD_COLORS).size).toBe(8);
  });
});

describe('file sniffing', () => {
  const png = encodePng(4, 3, new Uint8Array(36).fill(7), 3, (d) => deflateSync(d));
  it('accepts a whole PNG and reads its size', () => {
    expect(sniff(png, 'a.png')).toEqual({ kind: 'image', format: 'png', size: [4, 3] });
  });
  it('reports a truncated PNG', () => {
    const s = sniff(png.subarray(0, png.length - 5), 'a.png');
    expect(s.kind).toBe('image');
    expect(s.problem).toMatch(/truncated PNG/);
    expect(checkPng(png.subarray(0, 20)).problem).toMatch(/truncated PNG/);
  });
  it('recognises text, checkpoints and junk', () => {
    expect(sniff(new TextEncoder().encode('hello world\nthis is text'), 'x.png').kind).toBe('text');
    expect(sniff(new Uint8Array([0x50, 0x4b, 3, 4, 0, 0]), 'model.pth').kind).toBe('checkpoint');
    expect(sniff(new Uint8Array([0x80, 2, 0x8a, 0x0a]), 'old.pth').kind).toBe('checkpoint');
    expect(sniff(new Uint8Array([1, 0, 0xff, 0]), 'x.bin').kind).toBe('checkpoint');
    expect(sniff(new Uint8Array([1, 0, 0xff, 0]), 'x.dat').kind).toBe('unknown');
  });
  it('reads JPEG size and notices a missing end marker', () => {
    const jpg = new Uint8Array([0xff, 0xd8, 0xff, 0xc0, 0, 11, 8, 0, 30, 0, 40, 3, 0, 0, 0, 0xff, 0xd9]);
    expect(sniff(jpg)).toMatchObject({ kind: 'image', format: 'jpeg', size: [40, 30] });
    expect(sniff(jpg.subarray(0, 14)).problem).toMatch(/truncated JPEG/);
  });
});

describe('COCO results export', () => {
  it('writes xywh in original-file pixels with category ids', () => {
    const r = toCocoResults([{ score: 0.91234567, label: 2, box: [10, 20, 50, 80], query: 3 }], 42, 2, 2, 1);
    expect(r).toEqual([{ image_id: 42, category_id: 3, bbox: [20, 40, 80, 120], score: 0.91235 }]);
  });
  it('names the file and the class, with an image id a user can map back', () => {
    const r = toCocoResults([{ score: 0.5, label: 1, box: [0, 0, 1, 1], query: 0 }], cocoImageId('upload', 'cat.jpg'), 1, 1, 0, { fileName: 'cat.jpg', names: ['a', 'b'] });
    expect(r[0]).toMatchObject({ file_name: 'cat.jpg', category_name: 'b' });
    expect(cocoImageId('upload', 'cat.jpg')).toBe(cocoImageId('upload', 'cat.jpg'));
    expect(cocoImageId('upload', 'cat.jpg')).not.toBe(cocoImageId('upload', 'dog.jpg'));
    expect(cocoImageId('scene:1234', 'x')).toBe(1234);
  });
});

describe('heatmaps', () => {
  it('averages the visible heads only', () => {
    const maps = [new Float32Array([1, 0]), new Float32Array([0, 1]), new Float32Array([1, 1])];
    expect(Array.from(meanMaps(maps, [0, 2])!)).toEqual([1, 0.5]);
    expect(meanMaps(maps, [])).toBeNull();
  });
  it('turns SMCA log-weights into a weight with max 1', () => {
    const g = gaussianWeight(new Float32Array([0, -1, -10]));
    expect(g[0]).toBe(1);
    expect(g[1]).toBeCloseTo(Math.exp(-1));
  });
  it('colours the max opaque and the min transparent; differences by sign', () => {
    const { rgba } = mapToRGBA(new Float32Array([0.1, 0.2, 0.7]), 'seq', 1, 'per-map');
    expect(rgba[3]).toBe(0);
    expect(rgba[11]).toBe(255);
    const d = mapToRGBA(diffMaps(new Float32Array([1, 0, 0]), new Float32Array([0, 0, 1])), 'div', 1, 'per-map').rgba;
    expect(d[3]).toBe(255);
    expect(d[7]).toBe(0);
    expect(d[11]).toBe(255);
    expect(d[0]).not.toBe(d[8]); // opposite signs get opposite hues
  });
  it('blends heads in their own colours', () => {
    const maps = [new Float32Array([1, 0, 0]), new Float32Array([0, 0, 1])];
    const px = blendHeadsRGBA(maps, [0, 1], [[255, 0, 0], [0, 0, 255]], 1, 'per-map');
    expect(Array.from(px.subarray(0, 4))).toEqual([255, 0, 0, 255]);
    expect(px[7]).toBe(0);
    expect(Array.from(px.subarray(8, 12))).toEqual([0, 0, 255, 255]);
    // a hidden head contributes nothing
    expect(blendHeadsRGBA(maps, [1], [[255, 0, 0], [0, 0, 255]], 1, 'per-map')[3]).toBe(0);
  });
});
