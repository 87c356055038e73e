import { describe, expect, it } from 'vitest';
import { fmtMs, medianOf, ratio, round1, round2 } from '../../bench/lib/stats';
import { officialRatios } from '../../bench/suites/official';

// The numbers the bench reports: medians of runs, ours / theirs ratios (>1: we are slower).
describe('bench statistics', () => {
  it('rounds, takes medians of present values and formats times', () => {
    expect(round1(12.345)).toBe(12.3);
    expect(round2(1.23456)).toBe(1.23);
    expect(medianOf([{ ms: 3 }, { ms: 1 }, { ms: 2 }], (r) => r.ms)).toBe(2);
    expect(medianOf([{ ms: 3 }, {}, { ms: Number.NaN }], (r: { ms?: number }) => r.ms)).toBe(3);
    expect(medianOf([], (r: { ms?: number }) => r.ms)).toBeNull();
    expect(fmtMs(950.5)).toBe('950.5 ms');
    expect(fmtMs(12_345)).toBe('12.3 s');
    expect(fmtMs(undefined)).toBe('-');
  });

  it('gives a ratio only of two measured times', () => {
    expect(ratio(3130, 2900)).toBe(1.08);
    expect(ratio(1000, 2000)).toBe(0.5);
    expect(ratio(null, 2900)).toBeNull();
    expect(ratio(3130, 0)).toBeNull();
    expect(ratio(3130, undefined)).toBeNull();
  });

  it('compares the same stages with the official PyTorch reference', () => {
    const row = { backbone_ms: 2450, encoder_ms: 400, decoder_ms: 850, postprocess_ms: 0.6, preprocess_ms: 40, threads: 2 };
    const ref = { whole_ms: 2510, after_backbone_ms: 1020, threads: 2 };
    // whole: backbone + encoder + decoder + postprocess (no preprocessing) / model + PostProcess
    expect(officialRatios(row, ref)).toEqual({ ratio_whole: 1.47, ratio_transformer: 1.23, ratio_threads: 'wasm 2 / torch 2' });
    expect(officialRatios(row, { skipped: 'no --repo-sam' })).toEqual({});
  });
});
