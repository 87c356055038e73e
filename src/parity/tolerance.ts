import { ATOL, RTOL, type Tolerance } from './compare';

/** Which tolerance a tensor of the fixture is checked at. */
export type ToleranceFor = (tensorName: string) => Tolerance;

/** cpu and wasm: one tolerance for every tensor, |d| <= 1e-4 + 1e-3 |ref|. */
export const CPU_TOLERANCE: ToleranceFor = () => ({ atol: ATOL, rtol: RTOL });

/**
 * WebGPU (measured on SwiftShader, r50_dc5_smca_e12, docs/parity/r50_dc5_smca_e12.webgpu.txt):
 * every tensor but two stays within the cpu/wasm tolerance (largest abs error 2.1e-5, in
 * decoder.5.hs), so that is the default. The two exceptions get bounds about twice what was
 * measured, each for a reason of its own:
 * - backbone.pos: 1.9e-4 measured. sin/cos of arguments up to 2π in the GPU's float32
 *   transcendental functions (PyTorch's CPU uses correctly rounded libm); the error does not
 *   grow downstream (input_proj, which adds it, is within 5.6e-6).
 * - postprocess.b.boxes: 2.2e-4 px measured. These are pixels: the normalised box error
 *   (<= 4.3e-6 in outputs.5.pred_boxes) times the target size, so at the top of the atol
 *   where coordinates are near 0; the normalised check (postprocess.b.decoded) keeps the
 *   cpu/wasm tolerance.
 */
export const WEBGPU_TOLERANCE: ToleranceFor = (name) => {
  if (name === 'backbone.pos') return { atol: 4e-4, rtol: RTOL };
  if (/^postprocess\.\d+\.boxes$/.test(name)) return { atol: 5e-4, rtol: RTOL };
  return { atol: ATOL, rtol: RTOL };
};
