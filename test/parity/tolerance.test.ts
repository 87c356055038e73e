import { describe, it, expect } from 'vitest';
import { CPU_TOLERANCE, WEBGPU_TOLERANCE, webgpuTolerance } from '../../src/parity/tolerance';
import { OFFICIAL_R50 } from '../../src/model/config';

describe('WebGPU tolerances', () => {
  it('loosen only the named tensors, and the encoder outputs only for a multi-scale model', () => {
    const cpu = CPU_TOLERANCE('x');
    const single = webgpuTolerance(OFFICIAL_R50);
    const ms = webgpuTolerance({ ...OFFICIAL_R50, multiscale: true });
    expect(single).toBe(WEBGPU_TOLERANCE);
    for (const name of ['encoder.5.output', 'encoder.memory']) {
      expect(single(name)).toEqual(cpu);
      expect(ms(name)).toEqual({ atol: 5e-4, rtol: cpu.rtol });
    }
    for (const name of ['encoder.5.sampling_locations', 'encoder.5.attention_weights', 'decoder.5.hs', 'encoder.memoryx', 'xencoder.memory']) expect(ms(name)).toEqual(cpu);
    expect(ms('backbone.pos')).toEqual(WEBGPU_TOLERANCE('backbone.pos'));
  });
});
