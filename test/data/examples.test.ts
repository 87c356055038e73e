/**
 * The app's example images are generator scenes outside the validation set (the examples must
 * not be the scenes the models are scored on), and between them they span a clean scene to a
 * cluttered one, as docs/training.md says.
 */
import { describe, expect, it } from 'vitest';
import { EXAMPLES } from '../../src/data/examples';
import { generateScene, validationSeed } from '../../src/data/scene';

describe('the example images', () => {
  it('are not validation scenes (seeds of the 500-scene set)', () => {
    const validation = new Set(Array.from({ length: 500 }, (_, i) => validationSeed(i)));
    for (const { seed } of EXAMPLES) expect(validation.has(seed), `example seed ${seed}`).toBe(false);
  });

  it('run from 2 isolated objects to 9 with overlaps, each with an object of at least 24 px', () => {
    const scenes = EXAMPLES.map(({ seed }) => generateScene(seed, { width: 160, height: 160 }));
    expect(scenes.map((s) => s.objects.length)).toEqual([2, 4, 6, 9]);
    for (const s of scenes) expect(Math.max(...s.objects.map((o) => Math.max(o.bbox[2], o.bbox[3])))).toBeGreaterThanOrEqual(24);
  });
});
