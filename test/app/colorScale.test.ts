import { describe, expect, it } from 'vitest';
import { legendSpec, mapPositions, ratioPosition, RATIO_MAX, signedPosition } from '../../src/app/colorScale';
import { mapToRGBA } from '../../src/app/heatmap';

describe('absolute attention scale', () => {
  it('puts a uniform map at 0 (not coloured) whatever its size', () => {
    for (const n of [100, 400, 850]) {
      const pos = mapPositions(new Float32Array(n).fill(1 / n), 'seq', 'absolute');
      expect(Math.max(...pos)).toBeCloseTo(0, 6);
    }
  });
  it('puts a one-cell map at the top and the rest at 0', () => {
    const m = new Float32Array(400);
    m[17] = 1;
    const pos = mapPositions(m, 'seq', 'absolute');
    expect(pos[17]).toBe(1);
    expect(pos.reduce((a, v, i) => (i === 17 ? a : Math.max(a, v)), 0)).toBe(0);
  });
  it('is a log axis in multiples of the uniform share: 10x is half-way to 100x', () => {
    expect(RATIO_MAX).toBe(100);
    expect(ratioPosition(10 / 400, 400)).toBeCloseTo(0.5, 6);
    expect(ratioPosition(1 / 400, 400)).toBe(0);
    expect(ratioPosition(0.5 / 400, 400)).toBe(0);
  });
  it('colours a nearly uniform map faintly and a focused one strongly, unlike per-map contrast', () => {
    const n = 400;
    const flat = new Float32Array(n).fill(1 / n);
    flat[0] += 0.001;
    flat[1] -= 0.001;
    const alphaMax = (m: Float32Array, c: 'absolute' | 'per-map') => {
      const { rgba } = mapToRGBA(m, 'seq', 1, c);
      let a = 0;
      for (let i = 3; i < rgba.length; i += 4) a = Math.max(a, rgba[i]);
      return a;
    };
    expect(alphaMax(flat, 'absolute')).toBeLessThan(60);
    expect(alphaMax(flat, 'per-map')).toBe(255);
    const peaked = new Float32Array(n);
    peaked[5] = 1;
    expect(alphaMax(peaked, 'absolute')).toBe(255);
  });
  it('signs a difference on a symmetric axis with 0 at the centre', () => {
    expect(signedPosition(0, 400)).toBe(0);
    expect(signedPosition(1, 400)).toBe(1);
    expect(signedPosition(-1, 400)).toBe(-1);
    expect(signedPosition(1 / 400, 400)).toBeCloseTo(-signedPosition(-1 / 400, 400), 9);
  });
  it('draws a positive difference (the prior adds attention) purple, a negative one orange', () => {
    const { rgba } = mapToRGBA(new Float32Array([0.5, -0.5]), 'div', 1, 'absolute');
    // purple: blue above red; orange-brown: red above blue
    expect(rgba[2]).toBeGreaterThan(rgba[0]);
    expect(rgba[4]).toBeGreaterThan(rgba[6]);
    expect(legendSpec('div', 'absolute').title).toMatch(/purple: the prior adds/);
  });
  it('numbers every legend tick in order along the bar', () => {
    for (const kind of ['seq', 'div', 'weight'] as const) {
      for (const c of ['absolute', 'per-map'] as const) {
        const { ticks } = legendSpec(kind, c);
        expect(ticks.length).toBeGreaterThanOrEqual(2);
        for (let i = 1; i < ticks.length; i++) expect(ticks[i].at).toBeGreaterThan(ticks[i - 1].at);
      }
    }
    expect(legendSpec('seq', 'absolute').ticks.map((t) => t.label)).toEqual(['1×', '3×', '10×', '30×', '≥100×']);
  });
});
