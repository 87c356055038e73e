import { describe, expect, it } from 'vitest';
import { ownFloatBuffers } from '../../src/worker/transfer';

describe('transferred slice buffers', () => {
  it('takes the buffers of maps that own them, once each, and leaves views into shared buffers alone', () => {
    const a = new Float32Array(4);
    const b = new Float32Array(4);
    const shared = new Float32Array(8);
    const view = shared.subarray(2, 4);
    const slice = { attention: [[a, b], [a]], gaussian: null, meta: { v: view }, n: 3 };
    const bufs = ownFloatBuffers(slice);
    expect(bufs).toHaveLength(2);
    expect(bufs).toContain(a.buffer);
    expect(bufs).toContain(b.buffer);
    expect(bufs).not.toContain(shared.buffer);
  });
});
