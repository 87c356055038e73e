import { describe, expect, it } from 'vitest';
import { secondsLeft } from '../../src/app/components/TopBar';

describe('time left of a long read or run', () => {
  it('from the bytes read so far', () => {
    // 4 s in, a quarter read: 12 s to go.
    expect(secondsLeft({ label: 'Reading', since: 1000, done: 25, total: 100 }, 5000)).toBeCloseTo(12, 6);
  });
  it('from the last run of the same model and sizes, never below zero', () => {
    expect(secondsLeft({ label: 'Running', since: 0, expectMs: 10_000 }, 4000)).toBeCloseTo(6, 6);
    expect(secondsLeft({ label: 'Running', since: 0, expectMs: 3000 }, 4000)).toBe(0);
  });
  it('nothing in the first 2 s, or with nothing to go on', () => {
    expect(secondsLeft({ label: 'Running', since: 0, expectMs: 10_000 }, 1500)).toBeNull();
    expect(secondsLeft({ label: 'Running', since: 0 }, 5000)).toBeNull();
    expect(secondsLeft(null, 5000)).toBeNull();
  });
});
