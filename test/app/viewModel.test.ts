import { describe, expect, it } from 'vitest';
import { dedupe, headMaps, headPanels, matchQuery, modelChoices, pairFor, shownDetections, smcaChanges, panelCaption } from '../../src/app/viewModel';
import type { ModelInfo } from '../../src/worker/messages';
import type { QuerySlice, RunResult } from '../../src/worker/messages';
import type { Detection } from '../../src/model/types';

const det = (query: number, label: number, score: number, box: number[]): Detection => ({ query, label, score, box: box as Detection['box'] });
const run = (detections: Detection[]): RunResult => ({ slot: 0, variant: 'main', detections, featH: 2, featW: 2, resized: [2, 2], padded: [2, 2], timings: [], backend: 'wasm' });

describe('view model selectors', () => {
  it('one detection per query, its best label, best first; threshold applies', () => {
    const r = run([det(1, 0, 0.2, [0, 0, 1, 1]), det(1, 3, 0.6, [0, 0, 1, 1]), det(2, 1, 0.9, [5, 5, 6, 6])]);
    expect(dedupe(r.detections).map((d) => [d.query, d.label])).toEqual([[2, 1], [1, 3]]);
    expect(shownDetections(r, null, 0.7).map((d) => [d.query, d.name])).toEqual([[2, 'class 1']]);
  });

  it('merging duplicates keeps the best box of each object, whatever the class', () => {
    const r = run([det(1, 0, 0.9, [0, 0, 10, 10]), det(2, 3, 0.8, [0, 0, 10, 11]), det(3, 0, 0.7, [20, 20, 30, 30])]);
    expect(shownDetections(r, null, 0, true).map((d) => d.query)).toEqual([1, 3]);
    expect(shownDetections(r, null, 0, false).map((d) => d.query)).toEqual([1, 2, 3]);
  });

  it('matches a query across models by IoU, preferring the same label', () => {
    const a = run([det(1, 0, 0.9, [0, 0, 10, 10])]);
    const b = run([det(5, 1, 0.9, [0, 0, 10, 10]), det(6, 0, 0.9, [1, 1, 10, 10]), det(7, 0, 0.9, [50, 50, 60, 60])]);
    expect(matchQuery(a, b, 1, true)).toBe(6); // IoU 0.81 same label beats 1.0 x 0.5
    expect(matchQuery(a, b, 1, false)).toBe(5);
    expect(matchQuery(a, run([det(7, 0, 0.9, [50, 50, 60, 60])]), 1, true)).toBeNull();
  });

  it('SMCA changes: lost, gained, class change, moved box', () => {
    const on = run([det(1, 0, 0.9, [0, 0, 10, 10]), det(2, 0, 0.9, [0, 0, 10, 10]), det(3, 0, 0.9, [0, 0, 10, 10]), det(4, 0, 0.1, [0, 0, 1, 1])]);
    const off = run([det(1, 0, 0.1, [0, 0, 10, 10]), det(2, 1, 0.9, [0, 0, 10, 10]), det(3, 0, 0.9, [20, 20, 30, 30]), det(4, 0, 0.8, [0, 0, 1, 1])]);
    const byQuery = Object.fromEntries(smcaChanges(on, off, 0.5).map((c) => [c.query, c.what]));
    expect(byQuery).toEqual({ 1: 'lost without prior', 2: 'class changes', 3: 'box moves', 4: 'only without prior' });
  });

  it('the difference overlay is prior-on minus prior-off attention, per head', () => {
    const sl = (v: number[]) => ({ slot: 0, variant: 'main', query: 1, layers: 1, attention: [[Float32Array.from(v)]], gaussian: null }) as unknown as QuerySlice;
    const on = sl([0.7, 0.1, 0.1, 0.1]);
    const off = sl([0.25, 0.25, 0.25, 0.25]);
    const hm = headMaps({ mode: 'decoder' }, on, 'diff', 0, true, { on, off }, null, 0);
    expect(Array.from(hm.maps![0]).map((v) => +v.toFixed(2))).toEqual([0.45, -0.15, -0.15, -0.15]);
    expect(headMaps({ mode: 'decoder' }, on, 'diff', 0, false, { on, off }, null, 0).note).toMatch(/needs an SMCA model/);
    expect(headMaps({ mode: 'decoder' }, on, 'gaussian', 0, true, { on, off }, null, 0).note).toMatch(/prior is off/);
    expect(panelCaption({ mode: 'decoder', overlay: 'diff' }, 3)).toMatch(/difference.*layer 3/);
  });

  it('model choices: bundled, then checkpoints of this page and stored ones (once each), and a named one that is neither', () => {
    const index = [{ name: 'sam-detr-smca', label: 'SAM-DETR + SMCA' }];
    const uploads = [{ name: 'upload:a.pth' }] as ModelInfo[];
    const stored = [{ name: 'a.pth', size: 1, storedAt: 1, kind: 'DETR, resnet50' }, { name: 'b.pth', size: 1, storedAt: 1, kind: 'SAM-DETR, resnet50' }];
    expect(modelChoices(index, uploads, stored, 'upload:c.pth')).toEqual([
      { value: 'sam-detr-smca', label: 'SAM-DETR + SMCA' },
      { value: 'upload:a.pth', label: 'a.pth (checkpoint)' },
      { value: 'upload:b.pth', label: 'b.pth (stored checkpoint)' },
      { value: 'upload:c.pth', label: 'c.pth (not stored here)' },
    ]);
    expect(modelChoices(index, [], stored, 'upload:b.pth').map((o) => o.value)).toEqual(['sam-detr-smca', 'upload:a.pth', 'upload:b.pth']);
  });

  it('the default second model: the chosen one, a bundled pair, a stored checkpoint of the other family, else a bundled model', () => {
    const index = [{ name: 'smca', label: '', smca: true, pair: 'sam' }, { name: 'sam', label: '', smca: false }];
    const stored = [
      { name: 'detr.pth', size: 1, storedAt: 3, kind: 'DETR, resnet50' },
      { name: 'detr2.pth', size: 1, storedAt: 2, kind: 'DETR, resnet101' },
      { name: 'samdetr.pth', size: 1, storedAt: 1, kind: 'SAM-DETR + SMCA, resnet50' },
    ];
    expect(pairFor('smca', 'x', index, stored)).toBe('x');
    expect(pairFor('smca', null, index, stored)).toBe('sam');
    expect(pairFor('upload:detr.pth', null, index, stored)).toBe('upload:samdetr.pth');
    expect(pairFor('upload:samdetr.pth', null, index, stored)).toBe('upload:detr.pth');
    expect(pairFor('upload:detr.pth', null, index, stored.slice(0, 2))).toBe('smca');
  });

  it('head panels: each head with its map and visibility; salient points only for SAM-DETR in the decoder tab', () => {
    const sl = { layers: 2, salientPoints: [[[0.5, 0.5], [0.25, 0.25]], [[1, 1], [0, 0]]] } as unknown as QuerySlice;
    const frame = { imgW: 100, imgH: 50, resizedW: 100, resizedH: 50, padW: 100, padH: 50 };
    const maps = [new Float32Array(1), new Float32Array(1)];
    const hm = { maps, kind: 'seq' as const, key: 'k' };
    const p = headPanels({ heads: 0b10, mode: 'decoder' }, 2, 1, hm, sl, frame);
    expect(p.map((x) => [x.head, x.visible, x.point])).toEqual([[0, false, [100, 50]], [1, true, [0, 0]]]);
    expect(p[1].map).toBe(maps[1]);
    expect(headPanels({ heads: 3, mode: 'encoder' }, 2, 1, hm, sl, frame).every((x) => x.point === null)).toBe(true);
    expect(headPanels({ heads: 3, mode: 'decoder' }, 2, 0, hm, { ...sl, salientPoints: null }, frame).every((x) => x.point === null)).toBe(true);
  });
});
