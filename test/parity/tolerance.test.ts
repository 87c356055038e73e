import { describe, it, expect } from 'vitest';
import { CPU_TOLERANCE, WEBGPU_TOLERANCE, webgpuTolerance } from '../../src/parity/tolerance';
import { OFFICIAL_DEFORMABLE_DETR_R50, OFFICIAL_R50 } from '../../src/model/config';

describe('WebGPU tolerances', () => {
  it('loosen only the named tensors, and the encoder outputs only for a multi-scale model (SAM-DETR\'s or Deformable DETR)', () => {
    expect(webgpuTolerance(OFFICIAL_DEFORMABLE_DETR_R50)('encoder.memory')).toEqual({ atol: 5e-4, rtol: CPU_TOLERANCE('x').rtol });
    expect(webgpuTolerance(OFFICIAL_DEFORMABLE_DETR_R50)('decoder.5.sampling_locations')).toEqual(CPU_TOLERANCE('x'));
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
