import { describe, expect, it } from 'vitest';
import { baseModelName, epochOfName, modelAtEpoch, sharedEpochs } from '../../src/app/timeline';
import type { IndexEntry } from '../../src/app/hooks/useModelIndex';

const index: IndexEntry[] = [
  { name: 'sam-detr-smca', label: 'SAM-DETR + SMCA', snapshots: [1, 2, 3, 5, 8, 12, 20] },
  { name: 'sam-detr', label: 'SAM-DETR', snapshots: [5, 1, 3, 2] },
  { name: 'detr-baseline', label: 'DETR-style baseline', snapshots: [1, 2, 3, 5, 8, 12, 20] },
  { name: 'plain', label: 'no snapshots' },
];

describe('training timeline', () => {
  it('loads a snapshot where the model ships one, else the model itself', () => {
    expect(modelAtEpoch('sam-detr', 3, index)).toBe('sam-detr/snapshots/epoch-3');
    expect(modelAtEpoch('sam-detr', 8, index)).toBe('sam-detr');
    expect(modelAtEpoch('sam-detr', 0, index)).toBe('sam-detr');
    expect(modelAtEpoch('upload:abc', 3, index)).toBe('upload:abc');
    expect(modelAtEpoch('sam-detr', 3, null)).toBe('sam-detr');
  });

  it('reads the model and epoch back from a snapshot name', () => {
    expect(baseModelName('sam-detr/snapshots/epoch-12')).toBe('sam-detr');
    expect(epochOfName('sam-detr/snapshots/epoch-12')).toBe(12);
    expect(baseModelName('sam-detr')).toBe('sam-detr');
    expect(epochOfName('sam-detr')).toBe(0);
  });

  it('offers only the epochs every shown model has, in order', () => {
    expect(sharedEpochs(index, ['sam-detr-smca', 'detr-baseline'])).toEqual([1, 2, 3, 5, 8, 12, 20]);
    expect(sharedEpochs(index, ['sam-detr', 'detr-baseline'])).toEqual([1, 2, 3, 5]);
    expect(sharedEpochs(index, ['detr-baseline', null])).toEqual([1, 2, 3, 5, 8, 12, 20]);
    expect(sharedEpochs(index, ['sam-detr', 'plain'])).toEqual([]);
    expect(sharedEpochs(index, [null, null])).toEqual([]);
  });
});
