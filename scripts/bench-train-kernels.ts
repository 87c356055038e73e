/**
 * Micro benchmark: forward and forward+backward of a small ResNet-like block (stem 7x7/2,
 * maxpool, one basic block, one downsampling block with a 1x1/2 shortcut, one dilated 3x3
 * conv as in DC5) at batch 8, 128x128x3, on the wasm backend (with the training kernels of
 * src/train/wasmGradients.ts) and on the cpu backend.
 *
 *   npx tsx scripts/bench-train-kernels.ts [--width 64] [--batch 8] [--size 128] [--iters 3]
 *                                         [--cpu-iters 1] [--cpu-batch 1] [--no-cpu] [--no-layers] [--profile]
 *
 * --profile prints the wasm time per kernel (from tf.profile) for one forward+backward.
 * Also prints per-layer timings of the three conv kernels on wasm, with the stock
 * Conv2DBackpropInput kernel and with the XNNPACK-based replacement. Times are the minimum
 * over the iterations (the machine is shared; the minimum is the least noisy statistic).
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import path from 'node:path';
import { registerWasmFastKernels, registerWasmTrainingKernels } from '../src/train/wasmGradients';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const flag = (name: string) => process.argv.includes(`--${name}`);

const W = arg('width', 64);
const BATCH = arg('batch', 8);
const SIZE = arg('size', 128);
const ITERS = arg('iters', 3);
const CPU_ITERS = arg('cpu-iters', 1);
/** The cpu backend needs minutes per step at batch 8; it runs at this batch and is scaled linearly. */
const CPU_BATCH = arg('cpu-batch', 1);

interface Params { [k: string]: tf.Variable }

function makeParams(): Params {
  const conv = (name: string, k: number, ci: number, co: number) =>
    tf.variable(tf.randomNormal([k, k, ci, co], 0, Math.sqrt(2 / (k * k * ci))), true, name);
  const vec = (name: string, n: number, v: number) => tf.variable(tf.fill([n], v), true, name);
  const p: Params = {};
  const add = (v: tf.Variable) => { p[v.name] = v; };
  add(conv('stem.w', 7, 3, W)); add(vec('stem.s', W, 1)); add(vec('stem.b', W, 0));
  add(conv('b1.c1', 3, W, W)); add(vec('b1.s1', W, 1)); add(vec('b1.b1', W, 0));
  add(conv('b1.c2', 3, W, W)); add(vec('b1.s2', W, 1)); add(vec('b1.b2', W, 0));
  add(conv('b2.c1', 3, W, 2 * W)); add(vec('b2.s1', 2 * W, 1)); add(vec('b2.b1', 2 * W, 0));
  add(conv('b2.c2', 3, 2 * W, 2 * W)); add(vec('b2.s2', 2 * W, 1)); add(vec('b2.b2', 2 * W, 0));
  add(conv('b2.down', 1, W, 2 * W));
  add(conv('dc5.c', 3, 2 * W, 2 * W));
  return p;
}

/** Frozen-BN style affine after each conv, as a detector backbone uses. */
function forward(p: Params, x: tf.Tensor4D): tf.Scalar {
  const affine = (t: tf.Tensor4D, s: tf.Variable, b: tf.Variable) => tf.add(tf.mul(t, s), b) as tf.Tensor4D;
  let h = tf.relu(affine(tf.conv2d(x, p['stem.w'] as tf.Tensor4D, 2, [[0, 0], [3, 3], [3, 3], [0, 0]]), p['stem.s'], p['stem.b'])) as tf.Tensor4D;
  h = tf.maxPool(h, 3, 2, 'same');
  // basic block
  let y = tf.relu(affine(tf.conv2d(h, p['b1.c1'] as tf.Tensor4D, 1, 'same'), p['b1.s1'], p['b1.b1'])) as tf.Tensor4D;
  y = affine(tf.conv2d(y, p['b1.c2'] as tf.Tensor4D, 1, 'same'), p['b1.s2'], p['b1.b2']);
  h = tf.relu(tf.add(y, h)) as tf.Tensor4D;
  // downsampling block
  let z = tf.relu(affine(tf.conv2d(h, p['b2.c1'] as tf.Tensor4D, 2, [[0, 0], [1, 1], [1, 1], [0, 0]]), p['b2.s1'], p['b2.b1'])) as tf.Tensor4D;
  z = affine(tf.conv2d(z, p['b2.c2'] as tf.Tensor4D, 1, 'same'), p['b2.s2'], p['b2.b2']);
  h = tf.relu(tf.add(z, tf.conv2d(h, p['b2.down'] as tf.Tensor4D, 2, 'valid'))) as tf.Tensor4D;
  // dilated conv (DC5-style)
  h = tf.relu(tf.conv2d(h, p['dc5.c'] as tf.Tensor4D, 1, 'same', 'NHWC', 2)) as tf.Tensor4D;
  return tf.mean(tf.square(h));
}

function time(f: () => void, iters: number): number[] {
  const ts: number[] = [];
  for (let i = 0; i < iters; i++) {
    const t0 = performance.now();
    f();
    ts.push(performance.now() - t0);
  }
  return ts;
}

const best = (a: number[]) => Math.min(...a);

interface LayerCase { name: string; x: [number, number, number, number]; k: [number, number, number, number]; stride: number; pad: 'same' | 'valid'; dil: number }

function layerCases(): LayerCase[] {
  const s2 = SIZE / 4, s3 = SIZE / 8;
  return [
    { name: `3x3 ${W}->${W} s1 @${s2}`, x: [BATCH, s2, s2, W], k: [3, 3, W, W], stride: 1, pad: 'same', dil: 1 },
    { name: `3x3 ${W}->${2 * W} s2 @${s2}`, x: [BATCH, s2, s2, W], k: [3, 3, W, 2 * W], stride: 2, pad: 'same', dil: 1 },
    { name: `1x1 ${W}->${2 * W} s2 @${s2}`, x: [BATCH, s2, s2, W], k: [1, 1, W, 2 * W], stride: 2, pad: 'valid', dil: 1 },
    { name: `3x3 ${2 * W}->${2 * W} d2 @${s3}`, x: [BATCH, s3, s3, 2 * W], k: [3, 3, 2 * W, 2 * W], stride: 1, pad: 'same', dil: 2 },
  ];
}

/** Per-layer wasm timings (ms) of forward, dx and dW kernels. */
function layerTimings(c: LayerCase, iters: number): { fwd: number; dx: number; dw: number } {
  const x = tf.randomNormal(c.x) as tf.Tensor4D;
  const w = tf.randomNormal(c.k) as tf.Tensor4D;
  const y = tf.conv2d(x, w, c.stride, c.pad, 'NHWC', c.dil);
  const dy = tf.randomNormal(y.shape) as tf.Tensor4D;
  const run = (f: () => tf.Tensor) => best(time(() => { const t = f(); t.dataSync(); t.dispose(); }, iters + 1).slice(1));
  const fwd = run(() => tf.conv2d(x, w, c.stride, c.pad, 'NHWC', c.dil));
  let dx: number, dw: number;
  if (c.dil === 1) {
    const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC' };
    dx = run(() => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: c.x }) as tf.Tensor);
    dw = run(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: c.k }) as tf.Tensor);
  } else {
    // Through the (overridden) Conv2D gradient, which includes one forward conv: minus its time.
    dx = run(() => tf.tidy(() => tf.grad((a: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, w, 1, c.pad, 'NHWC', c.dil), dy)))(x))) - fwd;
    dw = run(() => tf.tidy(() => tf.grad((b: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(x, b as tf.Tensor4D, 1, c.pad, 'NHWC', c.dil), dy)))(w))) - fwd;
  }
  tf.dispose([x, w, y, dy]);
  return { fwd, dx, dw };
}

/** A linear layer's backward products at batch 1: dy W^T and x^T dy (transposed matMuls). */
function matMulTimings(iters: number): { plain: number; tB: number; tA: number } {
  const n = BATCH * 256, d = 256;
  const x = tf.randomNormal([n, d]);
  const w = tf.randomNormal([d, d]);
  const dy = tf.randomNormal([n, d]);
  const run = (f: () => tf.Tensor) => best(time(() => { const t = f(); t.dataSync(); t.dispose(); }, iters + 1).slice(1));
  const r = { plain: run(() => tf.matMul(x, w)), tB: run(() => tf.matMul(dy, w, false, true)), tA: run(() => tf.matMul(x, dy, true, false)) };
  tf.dispose([x, w, dy]);
  return r;
}

async function layerReport(): Promise<void> {
  await tf.setBackend('wasm');
  await tf.ready();
  const cases = layerCases();
  const stock = cases.map((c) => layerTimings(c, ITERS));
  const mmStock = matMulTimings(ITERS);
  registerWasmFastKernels();
  const fast = cases.map((c) => layerTimings(c, ITERS));
  const mmFast = matMulTimings(ITERS);
  const n = BATCH * 256;
  console.log(`matMul [${n}x256]x[256x256] on wasm (ms): plain ${mmStock.plain.toFixed(1)} | dy W^T (transposeB) ${mmStock.tB.toFixed(1)} -> ${mmFast.tB.toFixed(1)} | x^T dy (transposeA) ${mmStock.tA.toFixed(1)} -> ${mmFast.tA.toFixed(1)}  (stock -> fast wrapper)`);
  console.log('conv layers on wasm, batch ' + BATCH + ' (ms): forward | dW | dx stock -> dx fast (stride 1 dilated: through the Conv2D gradient override)');
  cases.forEach((c, i) => {
    console.log(`  ${c.name.padEnd(22)} fwd ${stock[i].fwd.toFixed(1).padStart(7)} | dW ${fast[i].dw.toFixed(1).padStart(7)} | dx ${stock[i].dx.toFixed(1).padStart(7)} -> ${fast[i].dx.toFixed(1).padStart(7)}`);
  });
}

async function bench(backend: 'wasm' | 'cpu', iters: number, batch = BATCH): Promise<{ fwd: number; fwdBwd: number }> {
  await tf.setBackend(backend);
  await tf.ready();
  tf.randomUniform([1]).dispose();
  const p = makeParams();
  const x = tf.randomNormal([batch, SIZE, SIZE, 3]) as tf.Tensor4D;
  const fwd = () => tf.tidy(() => { forward(p, x).dataSync(); });
  const fwdBwd = () => {
    const { value, grads } = tf.variableGrads(() => forward(p, x));
    value.dataSync();
    for (const g of Object.values(grads)) g.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
  if (backend === 'wasm') fwd(); // warm-up (also builds XNNPACK operators)
  const tf1 = best(time(fwd, iters));
  if (backend === 'cpu') console.log(`  cpu forward at batch ${batch}: ${tf1.toFixed(0)} ms; running forward+backward...`);
  if (backend === 'wasm') fwdBwd();
  const tf2 = best(time(fwdBwd, iters));
  if (backend === 'wasm' && flag('profile')) {
    const prof = await tf.profile(() => { fwdBwd(); });
    const byKernel = new Map<string, number>();
    for (const k of prof.kernels) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + (k.kernelTimeMs as number));
    const rows = [...byKernel.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12);
    console.log('  wasm kernel time in one forward+backward (ms):');
    for (const [name, ms] of rows) console.log(`    ${name.padEnd(24)} ${ms.toFixed(1)}`);
  }
  tf.dispose([x, ...Object.values(p)]);
  return { fwd: tf1, fwdBwd: tf2 };
}

async function main(): Promise<void> {
  setWasmPaths(path.resolve('node_modules/@tensorflow/tfjs-backend-wasm/dist') + '/');
  // Kernels wasm lacks first (stock Conv2DBackpropInput), for the stock-vs-fast layer timings.
  registerWasmTrainingKernels({ fast: false });
  if (!flag('no-layers')) await layerReport(); // installs the fast kernels half-way
  registerWasmTrainingKernels();
  const params = makeParamsCount();
  console.log(`ResNet-like block (stem 7x7/2 + maxpool, basic block, downsampling block, dilated 3x3), width ${W}, batch ${BATCH}, ${SIZE}x${SIZE}, ${params} parameters`);
  const w = await bench('wasm', ITERS);
  console.log(`wasm: forward ${w.fwd.toFixed(0)} ms, forward+backward ${w.fwdBwd.toFixed(0)} ms -> ${(1000 / w.fwdBwd).toFixed(2)} steps/s (best of ${ITERS})`);
  if (!flag('no-cpu')) {
    const c = await bench('cpu', CPU_ITERS, CPU_BATCH);
    const k = BATCH / CPU_BATCH;
    console.log(`cpu:  at batch ${CPU_BATCH}: forward ${c.fwd.toFixed(0)} ms, forward+backward ${c.fwdBwd.toFixed(0)} ms (best of ${CPU_ITERS})`);
    console.log(`cpu:  scaled to batch ${BATCH} (x${k}): forward ~${(c.fwd * k).toFixed(0)} ms, forward+backward ~${(c.fwdBwd * k).toFixed(0)} ms -> ~${(1000 / (c.fwdBwd * k)).toFixed(4)} steps/s`);
    console.log(`wasm speed-up on forward+backward: ~${((c.fwdBwd * k) / w.fwdBwd).toFixed(0)}x`);
  }
}

function makeParamsCount(): number {
  const k = (kk: number, ci: number, co: number) => kk * kk * ci * co;
  return k(7, 3, W) + 2 * k(3, W, W) + k(3, W, 2 * W) + 2 * k(3, 2 * W, 2 * W) + k(1, W, 2 * W) + 2 * (W * 3 + 2 * W * 2);
}

main().catch((e) => { console.error(e); process.exit(1); });

