import { describe, it, expect } from 'vitest';
import { OFFICIAL_VARIANTS, OFFICIAL_VARIANT_NAMES } from '../../src/bench/officialVariants';
import { variantConfig } from '../../src/checkpoint/formulaCheckpoint';

// `npm run bench -- official --repo-*` times the official PyTorch model of each row under its
// variant name (tools/official_bench.py); that name must describe the row's own config.
const sorted = (o: object) => JSON.stringify(Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b))));

describe('official bench variants', () => {
  it.each(OFFICIAL_VARIANT_NAMES)('%s: its variant name gives the same config', (key) => {
    const v = OFFICIAL_VARIANTS[key];
    expect(sorted(variantConfig(v.variant).config)).toBe(sorted(v.config));
  });
});
