import { describe, it, expect } from 'vitest';
import { compareTensor } from '../../src/parity/compare';
import { alignTiedDetections } from '../../src/parity/ties';
import { configFromFixture } from '../../src/parity/fixture';

describe('parity comparison', () => {
  it('applies atol + rtol * |ref| elementwise and fails outside it', () => {
    expect(compareTensor('a', [1.0009, 0], [1, 0], false).pass).toBe(true);
    expect(compareTensor('a', [1.0012, 0], [1, 0], false).pass).toBe(false);
    expect(compareTensor('a', [0, 0.0002], [0, 0], false).pass).toBe(false);
    expect(compareTensor('a', [NaN], [0], false).pass).toBe(false);
    expect(compareTensor('labels', [3, 4], [3, 5], true).pass).toBe(false);
    expect(compareTensor('missing', undefined, [1], false).error).toBe('not produced');
  });

  it('counts the elements it compared, and fails a tensor with none compared', () => {
    const partly = compareTensor('s', [1, 99, 3], [1, 2, 3], false, undefined, undefined, new Set([1]));
    expect([partly.pass, partly.compared, partly.total]).toEqual([true, 2, 3]);
    const none = compareTensor('s', [5, 6], [1, 2], false, undefined, undefined, new Set([0, 1]));
    expect([none.pass, none.compared, none.error]).toEqual([false, 0, 'no element compared']);
  });

  it('reorders tied ranks only, and excludes only tie members cut by top-k', () => {
    // Two tied detections swapped: accepted after reordering.
    const s = [0.9, 0.5, 0.5];
    const l = [1, 2, 2];
    const b = [0, 0, 1, 1, 10, 10, 20, 20, 30, 30, 40, 40];
    const ob = [0, 0, 1, 1, 30, 30, 40, 40, 10, 10, 20, 20];
    const r = alignTiedDetections(s, l, b, l, ob);
    expect(r.order).toEqual([0, 2, 1]);
    expect(r.excluded.size).toBe(0);
    // Not tied: no reordering, so the mismatch stays visible.
    const r2 = alignTiedDetections([0.9, 0.8, 0.7], l, b, l, ob);
    expect(r2.order).toEqual([0, 1, 2]);
    // Last run cut by top-k with a different member: excluded, and only that one.
    const r3 = alignTiedDetections([0.9, 0.5, 0.5], l, b, l, [0, 0, 1, 1, 10, 10, 20, 20, 99, 99, 99, 99]);
    expect([...r3.excluded]).toEqual([2]);
  });

  it('rejects unknown fixture config keys instead of guessing', () => {
    expect(() => configFromFixture({ backbone: 'resnet50', look_forward_twice: true })).toThrow(/unknown config keys.*look_forward_twice/);
    // Deformable DETR's keys are known, but only in a Deformable DETR fixture.
    expect(() => configFromFixture({ backbone: 'resnet50', two_stage: true })).toThrow(/Deformable DETR config keys in a fixture of another family/);
    expect(() => configFromFixture({ backbone: 'vit' })).toThrow(/unknown backbone/);
    expect(() => configFromFixture({}, 'deformable_detr')).toThrow(/unknown model family/);
    expect(() => configFromFixture({ pre_norm: true }, 'detr')).toThrow(/pre_norm/);
    expect(() => configFromFixture({ class_head: 'sigmoid' }, 'detr')).toThrow(/class_head/);
  });

  it('reads a DETR fixture config as official DETR', () => {
    const c = configFromFixture({ backbone: 'resnet101', dilation: true, num_queries: 100, class_head: 'softmax, 91 + no-object', pre_norm: false }, 'detr');
    expect(c).toMatchObject({ decoder: 'detr', detrStyle: 'official', backbone: 'resnet101', dilation: true, numQueries: 100, numClasses: 91, inputProjGroupNorm: false });
  });
});
