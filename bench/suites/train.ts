/**
 * npm run bench -- train [--json] [--width 64] [--batch 8] [--size 128] [--iters 3] [--cpu-iters 1]
 *   [--cpu-batch 1] [--no-cpu] [--no-layers] [--profile]
 *
 * The training kernels (src/train/wasmGradients.ts) on a small ResNet-like block (stem 7x7/2,
 * maxpool, one basic block, one downsampling block with a 1x1/2 shortcut, one dilated 3x3 conv as
 * in DC5, frozen-BN-style affines) at --batch x --size x --size x 3, in Node:
 * - layers: per-layer wasm timings of the conv forward, dW and dx kernels, dx with the stock
 *   Conv2DBackpropInput and with the XNNPACK-based replacement (dilated: through the Conv2D
 *   gradient override, minus its forward), and a linear layer's backward products (transposed
 *   matMuls) stock against the fast wrapper;
 * - block: forward and forward+backward on wasm (training kernels installed), and on the cpu
 *   backend at --cpu-batch scaled linearly to --batch (the cpu backend takes minutes a step);
 * - --profile: wasm kernel time per kernel in one forward+backward (tf.profile), top 12.
 * Times are the minimum over --iters (the machine is shared; the minimum is the least noisy).
 *
 * JSON: config.{width, batch, size, params}, layers.{matmul: {plain, transpose_b_stock, transpose_b_fast,
 * transpose_a_stock, transpose_a_fast}, conv[]: {name, fwd, dw, dx_stock, dx_fast}} (ms),
 * wasm.{fwd_ms, fwd_bwd_ms, steps_per_s, profile?}, cpu.{batch, fwd_ms, fwd_bwd_ms, scaled_fwd_bwd_ms,
 * speedup_wasm}, machine.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { join } from 'node:path';
import { registerWasmFastKernels, registerWasmTrainingKernels } from '../../src/train/wasmGradients';
import { parseCount, type Values } from '../lib/args';
import { machine, ROOT, type Json, type Log } from '../lib/machine';
import { round1 } from '../lib/stats';
import type { Suite } from '../lib/suite';

interface Params { [k: string]: tf.Variable }
interface Cfg { W: number; BATCH: number; SIZE: number }

function makeParams({ W }: Cfg): Params {
  const conv = (name: string, k: number, ci: number, co: number) => tf.variable(tf.randomNormal([k, k, ci, co], 0, Math.sqrt(2 / (k * k * ci))), true, name);
  const vec = (name: string, n: number, v: number) => tf.variable(tf.fill([n], v), true, name);
  const vars = [
    conv('stem.w', 7, 3, W), vec('stem.s', W, 1), vec('stem.b', W, 0),
    conv('b1.c1', 3, W, W), vec('b1.s1', W, 1), vec('b1.b1', W, 0),
    conv('b1.c2', 3, W, W), vec('b1.s2', W, 1), vec('b1.b2', W, 0),
    conv('b2.c1', 3, W, 2 * W), vec('b2.s1', 2 * W, 1), vec('b2.b1', 2 * W, 0),
    conv('b2.c2', 3, 2 * W, 2 * W), vec('b2.s2', 2 * W, 1), vec('b2.b2', 2 * W, 0),
    conv('b2.down', 1, W, 2 * W), conv('dc5.c', 3, 2 * W, 2 * W),
  ];
  return Object.fromEntries(vars.map((v) => [v.name, v]));
}

const paramCount = ({ W }: Cfg) => {
  const k = (kk: number, ci: number, co: number) => kk * kk * ci * co;
  return k(7, 3, W) + 2 * k(3, W, W) + k(3, W, 2 * W) + 2 * k(3, 2 * W, 2 * W) + k(1, W, 2 * W) + 2 * (W * 3 + 2 * W * 2);
};

/** Frozen-BN style affine after each conv, as a detector backbone uses. */
function forward(p: Params, x: tf.Tensor4D): tf.Scalar {
  const affine = (t: tf.Tensor4D, s: tf.Variable, b: tf.Variable) => tf.add(tf.mul(t, s), b) as tf.Tensor4D;
  let h = tf.relu(affine(tf.conv2d(x, p['stem.w'] as tf.Tensor4D, 2, [[0, 0], [3, 3], [3, 3], [0, 0]]), p['stem.s'], p['stem.b'])) as tf.Tensor4D;
  h = tf.maxPool(h, 3, 2, 'same');
  let y = tf.relu(affine(tf.conv2d(h, p['b1.c1'] as tf.Tensor4D, 1, 'same'), p['b1.s1'], p['b1.b1'])) as tf.Tensor4D;
  y = affine(tf.conv2d(y, p['b1.c2'] as tf.Tensor4D, 1, 'same'), p['b1.s2'], p['b1.b2']);
  h = tf.relu(tf.add(y, h)) as tf.Tensor4D;
  let z = tf.relu(affine(tf.conv2d(h, p['b2.c1'] as tf.Tensor4D, 2, [[0, 0], [1, 1], [1, 1], [0, 0]]), p['b2.s1'], p['b2.b1'])) as tf.Tensor4D;
  z = affine(tf.conv2d(z, p['b2.c2'] as tf.Tensor4D, 1, 'same'), p['b2.s2'], p['b2.b2']);
  h = tf.relu(tf.add(z, tf.conv2d(h, p['b2.down'] as tf.Tensor4D, 2, 'valid'))) as tf.Tensor4D;
  h = tf.relu(tf.conv2d(h, p['dc5.c'] as tf.Tensor4D, 1, 'same', 'NHWC', 2)) as tf.Tensor4D;
  return tf.mean(tf.square(h));
}

/** The least of `iters` timed calls (ms). */
function best(f: () => void, iters: number): number {
  let m = Infinity;
  for (let i = 0; i < iters; i++) {
    const t0 = performance.now();
    f();
    m = Math.min(m, performance.now() - t0);
  }
  return m;
}

/** A kernel's time: one untimed call, then the best of `iters`. */
function kernelMs(f: () => tf.Tensor, iters: number): number {
  const once = () => { const t = f(); t.dataSync(); t.dispose(); };
  once();
  return best(once, iters);
}

interface LayerCase { name: string; x: [number, number, number, number]; k: [number, number, number, number]; stride: number; pad: 'same' | 'valid'; dil: number }

function layerCases({ W, BATCH, SIZE }: Cfg): LayerCase[] {
  const s2 = SIZE / 4;
  const s3 = SIZE / 8;
  return [
    { name: `3x3 ${W}->${W} s1 @${s2}`, x: [BATCH, s2, s2, W], k: [3, 3, W, W], stride: 1, pad: 'same', dil: 1 },
    { name: `3x3 ${W}->${2 * W} s2 @${s2}`, x: [BATCH, s2, s2, W], k: [3, 3, W, 2 * W], stride: 2, pad: 'same', dil: 1 },
    { name: `1x1 ${W}->${2 * W} s2 @${s2}`, x: [BATCH, s2, s2, W], k: [1, 1, W, 2 * W], stride: 2, pad: 'valid', dil: 1 },
    { name: `3x3 ${2 * W}->${2 * W} d2 @${s3}`, x: [BATCH, s3, s3, 2 * W], k: [3, 3, 2 * W, 2 * W], stride: 1, pad: 'same', dil: 2 },
  ];
}

/** Per-layer wasm timings (ms) of the forward, dx and dW kernels. */
function layerTimings(c: LayerCase, iters: number): { fwd: number; dx: number; dw: number } {
  const x = tf.randomNormal(c.x) as tf.Tensor4D;
  const w = tf.randomNormal(c.k) as tf.Tensor4D;
  const y = tf.conv2d(x, w, c.stride, c.pad, 'NHWC', c.dil);
  const dy = tf.randomNormal(y.shape) as tf.Tensor4D;
  const fwd = kernelMs(() => tf.conv2d(x, w, c.stride, c.pad, 'NHWC', c.dil), iters);
  let dx: number;
  let dw: number;
  if (c.dil === 1) {
    const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC' };
    dx = kernelMs(() => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: c.x }) as tf.Tensor, iters);
    dw = kernelMs(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: c.k }) as tf.Tensor, iters);
  } else {
    // Through the (overridden) Conv2D gradient, which includes one forward conv: minus its time.
    dx = kernelMs(() => tf.tidy(() => tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, w, 1, c.pad, 'NHWC', c.dil), dy)))(x)), iters) - fwd;
    dw = kernelMs(() => tf.tidy(() => tf.grad((b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, b as tf.Tensor4D, 1, c.pad, 'NHWC', c.dil), dy)))(w)), iters) - fwd;
  }
  tf.dispose([x, w, y, dy]);
  return { fwd, dx, dw };
}

/** A linear layer's backward products at batch 1: dy W^T and x^T dy (transposed matMuls). */
function matMulTimings(n: number, iters: number): { plain: number; tB: number; tA: number } {
  const x = tf.randomNormal([n, 256]);
  const w = tf.randomNormal([256, 256]);
  const dy = tf.randomNormal([n, 256]);
  const r = { plain: kernelMs(() => tf.matMul(x, w), iters), tB: kernelMs(() => tf.matMul(dy, w, false, true), iters), tA: kernelMs(() => tf.matMul(x, dy, true, false), iters) };
  tf.dispose([x, w, dy]);
  return r;
}

async function block(cfg: Cfg, backend: 'wasm' | 'cpu', iters: number, batch: number, profile: boolean): Promise<Json> {
  await tf.setBackend(backend);
  await tf.ready();
  const p = makeParams(cfg);
  const x = tf.randomNormal([batch, cfg.SIZE, cfg.SIZE, 3]) as tf.Tensor4D;
  const fwd = () => tf.tidy(() => { forward(p, x).dataSync(); });
  const fwdBwd = () => {
    const { value, grads } = tf.variableGrads(() => forward(p, x));
    value.dataSync();
    for (const g of Object.values(grads)) g.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
  if (backend === 'wasm') fwd(); // warm-up (also builds XNNPACK operators)
  const f = best(fwd, iters);
  if (backend === 'wasm') fwdBwd();
  const fb = best(fwdBwd, iters);
  const out: Json = { batch, fwd_ms: round1(f), fwd_bwd_ms: round1(fb), iters };
  if (profile) {
    const prof = await tf.profile(() => { fwdBwd(); });
    const byKernel = new Map<string, number>();
    for (const k of prof.kernels) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + (k.kernelTimeMs as number));
    out.profile = [...byKernel.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([name, ms]) => ({ name, ms: round1(ms) }));
  }
  tf.dispose([x, ...Object.values(p)]);
  return out;
}

export const train: Suite = {
  options: {
    width: { type: 'string', default: '64' },
    batch: { type: 'string', default: '8' },
    size: { type: 'string', default: '128' },
    iters: { type: 'string', default: '3' },
    'cpu-iters': { type: 'string', default: '1' },
    'cpu-batch': { type: 'string', default: '1' },
    'no-cpu': { type: 'boolean', default: false },
    'no-layers': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
  },
  help: {
    width: 'channels of the stem (the blocks use 1x and 2x)', batch: 'batch', size: 'input side', iters: 'timed iterations (the minimum is kept)',
    'cpu-iters': 'cpu backend iterations', 'cpu-batch': 'cpu backend batch (scaled to --batch)', 'no-cpu': 'skip the cpu backend',
    'no-layers': 'skip the per-layer kernels', profile: 'wasm time per kernel of one forward+backward',
  },

  async run(v: Values, log: Log): Promise<Json> {
    const cfg: Cfg = { W: parseCount(v.width, 64, 'width'), BATCH: parseCount(v.batch, 8, 'batch'), SIZE: parseCount(v.size, 128, 'size') };
    const iters = parseCount(v.iters, 3, 'iters');
    setWasmPaths(join(ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist') + '/');
    // Kernels wasm lacks first (stock Conv2DBackpropInput), for the stock-against-fast layer timings.
    registerWasmTrainingKernels({ fast: false });
    const result: Json = { config: { width: cfg.W, batch: cfg.BATCH, size: cfg.SIZE, params: paramCount(cfg) }, machine: machine() };
    if (!v['no-layers']) {
      await tf.setBackend('wasm');
      await tf.ready();
      log('per-layer kernels on wasm: stock, then the fast kernels');
      const cases = layerCases(cfg);
      const stock = cases.map((c) => layerTimings(c, iters));
      const mmStock = matMulTimings(cfg.BATCH * 256, iters);
      registerWasmFastKernels();
      const fast = cases.map((c) => layerTimings(c, iters));
      const mmFast = matMulTimings(cfg.BATCH * 256, iters);
      result.layers = {
        matmul: { shape: `[${cfg.BATCH * 256}x256]x[256x256]`, plain: round1(mmStock.plain), transpose_b_stock: round1(mmStock.tB), transpose_b_fast: round1(mmFast.tB), transpose_a_stock: round1(mmStock.tA), transpose_a_fast: round1(mmFast.tA) },
        conv: cases.map((c, i) => ({ name: c.name, fwd: round1(stock[i].fwd), dw: round1(fast[i].dw), dx_stock: round1(stock[i].dx), dx_fast: round1(fast[i].dx) })),
      };
    }
    registerWasmTrainingKernels();
    log(`block on wasm: width ${cfg.W}, batch ${cfg.BATCH}, ${cfg.SIZE}x${cfg.SIZE}`);
    const w = await block(cfg, 'wasm', iters, cfg.BATCH, !!v.profile);
    w.steps_per_s = Math.round((1000 / (w.fwd_bwd_ms as number)) * 100) / 100;
    result.wasm = w;
    if (!v['no-cpu']) {
      const cpuBatch = parseCount(v['cpu-batch'], 1, 'cpu-batch');
      log(`block on cpu at batch ${cpuBatch} (slow)`);
      const c = await block(cfg, 'cpu', parseCount(v['cpu-iters'], 1, 'cpu-iters'), cpuBatch, false);
      const k = cfg.BATCH / cpuBatch;
      c.scaled_fwd_ms = round1((c.fwd_ms as number) * k);
      c.scaled_fwd_bwd_ms = round1((c.fwd_bwd_ms as number) * k);
      c.speedup_wasm = Math.round((c.scaled_fwd_bwd_ms as number) / (w.fwd_bwd_ms as number));
      result.cpu = c;
    }
    return result;
  },

  format(r: Json): string[] {
    const cfg = r.config as Json;
    const lines: string[] = [];
    const layers = r.layers as Json | undefined;
    if (layers) {
      const mm = layers.matmul as Json;
      lines.push(`matMul ${mm.shape} on wasm (ms): plain ${mm.plain} | dy W^T (transposeB) ${mm.transpose_b_stock} -> ${mm.transpose_b_fast} | x^T dy (transposeA) ${mm.transpose_a_stock} -> ${mm.transpose_a_fast}  (stock -> fast wrapper)`);
      lines.push(`conv layers on wasm, batch ${cfg.batch} (ms): forward | dW | dx stock -> dx fast (dilated: through the Conv2D gradient override)`);
      for (const c of layers.conv as Json[]) lines.push(`  ${String(c.name).padEnd(22)} fwd ${String(c.fwd).padStart(7)} | dW ${String(c.dw).padStart(7)} | dx ${String(c.dx_stock).padStart(7)} -> ${String(c.dx_fast).padStart(7)}`);
    }
    lines.push(`ResNet-like block (stem 7x7/2 + maxpool, basic block, downsampling block, dilated 3x3), width ${cfg.width}, batch ${cfg.batch}, ${cfg.size}x${cfg.size}, ${cfg.params} parameters`);
    const w = r.wasm as Json;
    lines.push(`wasm: forward ${w.fwd_ms} ms, forward+backward ${w.fwd_bwd_ms} ms -> ${w.steps_per_s} steps/s (best of ${w.iters})`);
    for (const k of (w.profile as Json[] | undefined) ?? []) lines.push(`    ${String(k.name).padEnd(24)} ${k.ms} ms`);
    const c = r.cpu as Json | undefined;
    if (c) {
      lines.push(`cpu:  at batch ${c.batch}: forward ${c.fwd_ms} ms, forward+backward ${c.fwd_bwd_ms} ms (best of ${c.iters}); scaled to batch ${cfg.batch}: forward ~${c.scaled_fwd_ms} ms, forward+backward ~${c.scaled_fwd_bwd_ms} ms`);
      lines.push(`wasm speed-up on forward+backward: ~${c.speedup_wasm}x`);
    }
    return lines;
  },
};
