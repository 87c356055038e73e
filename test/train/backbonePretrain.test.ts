import { describe, it, expect } from 'vitest';
import { useBackend } from '../../src/backend/useBackend';
import { registerWasmTrainingKernels } from '../../src/train/wasmGradients';
import { initWeights } from '../../src/train/init';
import { generateScene, NUM_CLASSES, validationSeed } from '../../src/data/scene';
import { cellTargets, pretrainBackbone, pretrainSeeds } from '../../src/train/backbonePretrain';
import { BUNDLED } from '../../src/train/bundledConfigs';

describe('backbone pretraining', () => {
  it('cell targets: a distribution per cell; an object covers its own cells with its class', () => {
    const s = generateScene(5, { width: 64, height: 64, minObjects: 1, maxObjects: 1, distractors: false, debugMasks: true });
    expect(s.objects.length + s.hidden.length).toBe(1);
    const t = cellTargets(s, 16);
    const k = NUM_CLASSES + 1;
    expect(t.length).toBe(16 * k);
    for (let c = 0; c < 16; c++) {
      const row = Array.from(t.subarray(c * k, (c + 1) * k));
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(Math.min(...row)).toBeGreaterThanOrEqual(0);
    }
    // The class's total coverage equals the object's visible area, in cells (16x16 px each).
    const obj = [...s.objects, ...s.hidden][0];
    let covered = 0;
    for (let c = 0; c < 16; c++) covered += t[c * k + obj.classId];
    const maskArea = s.masks?.[0] ?? s.hiddenMasks![0];
    expect(covered * 256).toBeCloseTo(maskArea.reduce((a, b) => a + b, 0), 1);
    // The cell that holds the object's box centre is mostly that class or background, never another class.
    const [x, y, w, h] = obj.bbox;
    const cell = Math.floor((y + h / 2) / 16) * 4 + Math.floor((x + w / 2) / 16);
    for (let j = 0; j < NUM_CLASSES; j++) if (j !== obj.classId) expect(t[cell * k + j]).toBe(0);
  });

  it('never renders a validation scene (the bundled backbone: 1500 steps of 8, seed 0xb0)', () => {
    const val = new Set(Array.from({ length: 500 }, (_, i) => validationSeed(i)));
    const seeds = [...pretrainSeeds(0xb0, 'eval', 48)];
    for (let step = 0; step < 1500; step++) seeds.push(...pretrainSeeds(0xb0, step, 8));
    expect(new Set(seeds).size).toBe(seeds.length);
    expect(seeds.filter((s) => val.has(s))).toEqual([]);
  });

  it('refuses scenes rendered without masks', () => {
    expect(() => cellTargets(generateScene(5, { width: 32, height: 32, minObjects: 1 }), 16)).toThrow(/debugMasks/);
  });

  it('a few steps train only the backbone and return its entries', async () => {
    await useBackend('wasm');
    registerWasmTrainingKernels();
    const config = BUNDLED['sam-detr'].config;
    const weights = initWeights(config, 3);
    const losses: number[] = [];
    const res = await pretrainBackbone({ config, weights, steps: 6, batchSize: 2, imageSize: 64, lr: 1e-3, dataSeed: 1, evalImages: 2, logEvery: 1, onLog: (r) => r.loss !== undefined && losses.push(r.loss) });
    expect(losses.length).toBe(6);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[5]).toBeLessThan(losses[0]);
    const names = [...res.backbone.keys()];
    expect(names.length).toBeGreaterThan(0);
    expect(names.every((n) => n.startsWith('backbone.'))).toBe(true);
    expect(names.length).toBe([...weights.keys()].filter((n) => n.startsWith('backbone.')).length);
    const conv1 = 'backbone.0.body.conv1.weight';
    expect(res.backbone.get(conv1)!.data).not.toEqual(weights.get(conv1)!.data);
    expect(res.accuracyAfter).toBeGreaterThanOrEqual(0);
    expect(res.accuracyAfter).toBeLessThanOrEqual(1);
  }, 120_000);
});
