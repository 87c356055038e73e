import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/backend/useBackend';
import { roiAlign } from '../../src/model/roiAlign';
import { ROI_ALIGN_KERNEL } from '../../src/backend/kernelNames';
import { compileKernel, generatedModule, generatedPath } from '../../scripts/build-kernels';
import { readFileSync } from 'node:fs';

// The WebAssembly SIMD RoIAlign kernel (assembly/roiAlign.ts via src/backend/wasmRoiAlign.ts)
// against the stock kernels: the separable tf-op form on wasm and the dense form on cpu.

let seed = 7;
const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;

/** x1y1x2y2 boxes in cells: spread over the map, tiny, whole-map, past the edges, degenerate. */
function boxes(b: number, nq: number, h: number, w: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < b * nq; i++) {
    const k = i % 8;
    if (k === 0) out.push(0, 0, w, h); // the whole map
    else if (k === 1) out.push(3.2, 2.7, 3.4, 2.9); // tiny
    else if (k === 2) out.push(-2, -1.5, w + 1, h + 2); // past every edge
    else if (k === 3) out.push(5, 4, 5.01, 6.5); // a sliver
    else if (k === 4) out.push(w - 1.2, h - 0.7, w, h); // corner
    else {
      const x1 = rnd() * w, y1 = rnd() * h;
      out.push(x1, y1, x1 + rnd() * (w - x1), y1 + rnd() * (h - y1));
    }
  }
  return out;
}

function maxRel(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (1e-4 + 1e-3 * Math.abs(b[i])));
  return worst;
}

const CASES: [string, number, number, number, number, number][] = [
  ['official-size map (25x34, 256 channels), 40 RoIs', 1, 40, 25, 34, 256],
  ['batch 2, small map, 8 channels', 2, 16, 9, 13, 8],
  ['tall map, 4 channels', 1, 24, 40, 6, 4],
];

describe('wasm RoIAlign kernel', () => {
  it('the committed module is what its AssemblyScript source compiles to', async () => {
    const fresh = generatedModule('roiAlign', await compileKernel('roiAlign'));
    expect(readFileSync(generatedPath('roiAlign'), 'utf8')).toBe(fresh);
  });

  it.each(CASES)('%s matches the separable form (wasm) and the dense form (cpu)', async (_name, b, nq, h, w, c) => {
    const feat = Float32Array.from({ length: b * h * w * c }, () => rnd() * 2 - 1);
    const bx = boxes(b, nq, h, w);
    await useBackend('cpu');
    const dense = await tf.tidy(() => roiAlign(tf.tensor4d(feat, [b, h, w, c]), tf.tensor3d(bx, [b, nq, 4]), 'dense')).data() as Float32Array;
    await useBackend('wasm');
    const run = (form: 'kernel' | 'separable') => tf.tidy(() => roiAlign(tf.tensor4d(feat, [b, h, w, c]), tf.tensor3d(bx, [b, nq, 4]), form));
    const k = run('kernel');
    expect(k.shape).toEqual([b * nq, 7, 7, c]);
    const kernel = await k.data() as Float32Array;
    k.dispose();
    const separable = await run('separable').data() as Float32Array;
    expect(maxRel(kernel, separable)).toBeLessThan(0.05); // i.e. |d| <= 5e-6 + 5e-5 |ref|
    expect(maxRel(kernel, dense)).toBeLessThan(0.05);
    // Not all zeros (a kernel that wrote nothing would fail here too).
    expect(kernel.some((v) => v !== 0)).toBe(true);
  });

  it("'auto' takes the kernel on wasm, and the tf-op form (with gradients) while a gradient is recorded", async () => {
    await useBackend('wasm');
    const f = tf.randomUniform([1, 10, 12, 8]) as tf.Tensor4D;
    const bx = tf.tensor3d(boxes(1, 8, 10, 12), [1, 8, 4]);
    const prof = await tf.profile(() => roiAlign(f, bx));
    expect(prof.kernels.map((k) => k.name)).toContain(ROI_ALIGN_KERNEL);
    const g = tf.grad((x: tf.Tensor) => roiAlign(x as tf.Tensor4D, bx).sum());
    const gw = await g(f).data();
    await useBackend('cpu');
    const gc = await tf.grad((x: tf.Tensor) => roiAlign(x as tf.Tensor4D, bx, 'dense').sum())(f).data();
    expect(maxRel(gw as Float32Array, gc as Float32Array)).toBeLessThan(0.05);
    await useBackend('wasm');
    tf.dispose([f, bx]);
  });

  it('refuses inconsistent shapes and channels not a multiple of 4', async () => {
    await useBackend('wasm');
    const f = tf.zeros([1, 5, 5, 6]);
    const ay = tf.zeros([2, 7, 5]);
    const ax = tf.zeros([2, 7, 5]);
    expect(() => tf.engine().runKernel(ROI_ALIGN_KERNEL, { features: f, ay, ax }, { nq: 2 } as unknown as tf.NamedAttrMap)).toThrow(/multiple of 4/);
    const f8 = tf.zeros([1, 5, 5, 8]);
    expect(() => tf.engine().runKernel(ROI_ALIGN_KERNEL, { features: f8, ay, ax }, { nq: 3 } as unknown as tf.NamedAttrMap)).toThrow(/inconsistent shapes/);
    tf.dispose([f, f8, ay, ax]);
  });
});
