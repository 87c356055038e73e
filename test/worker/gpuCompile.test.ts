/**
 * WebGPU's compile-only first pass (src/worker/gpuCompile.ts, Engine.compileFirst) and the
 * parameter cache it must not fill (Params.uncached), in Node on the cpu backend with a stand-in
 * for the WebGPU backend's parallel compiler. The pass on WebGPU itself, in Chromium: e2e/specs/backends.ts
 * ("first WebGPU run compiles its shaders in parallel ...").
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Engine } from '../../src/worker/engine';
import { COMPILE_ONLY_FLAG, compileInParallel, parallelCompiler, type ParallelCompiler } from '../../src/worker/gpuCompile';
import { buildModel, formulaWeights } from '../../src/model';
import { Params } from '../../src/model/params';
import type { ModelConfig } from '../../src/model/config';
import { generateScene } from '../../src/data/scene';
import type { ModelInfo } from '../../src/worker/messages';

const config: ModelConfig = {
  backbone: 'resnet18', backboneWidth: 8, dilation: false, decoder: 'sam', smca: true, inputProjGroupNorm: false,
  hiddenDim: 32, nheads: 8, numQueries: 12, encLayers: 1, decLayers: 2, dimFeedforward: 64, numClasses: 8, point2Hidden: [32, 64, 64],
};
const info: ModelInfo = { slot: 0, name: 't', source: 'bundled', config, classNames: [], inputSize: 64, maxSize: 107, placeholder: true, params: 0, loadMs: 0 };

/** Stands in for the WebGPU backend: counts waits, and holds data on the "GPU" (no values) or the CPU. */
class FakeGpu implements ParallelCompiler {
  waits = 0;
  tensorMap = new Map<unknown, { values?: unknown }>([['cpu', { values: [1] }], ['gpu', {}]]);
  async checkCompileCompletionAsync() {
    this.waits++;
  }
  read(dataId: unknown): unknown {
    return `read ${String(dataId)}`;
  }
  readSync(dataId: unknown): unknown {
    return `readSync ${String(dataId)}`;
  }
}

describe('compile-only pass (WebGPU parallel shader compilation)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    // Registered by @tensorflow/tfjs-backend-webgpu, which Node does not load here.
    try {
      tf.env().get(COMPILE_ONLY_FLAG);
    } catch {
      tf.env().registerFlag(COMPILE_ONLY_FLAG, () => false);
    }
  });

  it('is not offered off WebGPU', () => {
    expect(parallelCompiler()).toBeNull();
  });

  it('sets the flag only while the pass runs, frees what it made, waits for the pipelines, blocks reads of GPU-only data', async () => {
    const gpu = new FakeGpu();
    const base = tf.memory().numTensors;
    const seen: unknown[] = [];
    await compileInParallel(gpu, () => {
      seen.push(tf.env().getBool(COMPILE_ONLY_FLAG));
      tf.matMul(tf.ones([4, 4]), tf.ones([4, 4]));
      seen.push(gpu.readSync('cpu'), gpu.read('cpu')); // a copy on the CPU: read as ever
      expect(() => gpu.readSync('gpu')).toThrow(/compile-only pass/);
      expect(() => gpu.read('gpu')).toThrow(/compile-only pass/);
    });
    expect(seen).toEqual([true, 'readSync cpu', 'read cpu']);
    expect(tf.env().getBool(COMPILE_ONLY_FLAG)).toBe(false);
    expect(tf.memory().numTensors).toBe(base);
    expect(gpu.waits).toBe(1);
    // The backend's own methods are back.
    expect(Object.prototype.hasOwnProperty.call(gpu, 'read')).toBe(false);
    expect(gpu.readSync('gpu')).toBe('readSync gpu');
  });

  it('clears the flag and still waits when the pass throws', async () => {
    const gpu = new FakeGpu();
    const base = tf.memory().numTensors;
    await expect(compileInParallel(gpu, () => {
      tf.ones([8]);
      throw new Error('boom');
    })).rejects.toThrow('boom');
    expect(tf.env().getBool(COMPILE_ONLY_FLAG)).toBe(false);
    expect(gpu.waits).toBe(1);
    expect(tf.memory().numTensors).toBe(base);
    expect(gpu.read('gpu')).toBe('read gpu');
  });

  it('Params.uncached keeps weights as stored but no conversion made inside it', () => {
    const p = new Params(new Map([
      ['a.weight', { shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) }],
      ['b.bias', { shape: [3], data: new Float32Array([7, 8, 9]) }],
    ]));
    let lin!: tf.Tensor;
    let raw!: tf.Tensor;
    let der!: tf.Tensor;
    tf.tidy(() => p.uncached(() => {
      lin = p.linear('a.weight');
      raw = p.raw('b.bias');
      der = p.derived('a.weight#twice', () => tf.mul(p.raw('a.weight'), 2));
    }));
    expect(lin.isDisposed).toBe(true); // the transpose went with the pass
    expect(der.isDisposed).toBe(true);
    expect(raw.isDisposed).toBe(false); // made from its array: real values, kept
    expect(p.raw('b.bias')).toBe(raw);
    const lin2 = p.linear('a.weight'); // now made for real and cached
    expect(lin2.isDisposed).toBe(false);
    expect(Array.from(lin2.dataSync())).toEqual([1, 4, 2, 5, 3, 6]);
    expect(p.uncached(() => p.linear('a.weight'))).toBe(lin2); // inside, the cache is still read
    p.dispose();
  });

  it('runs once per model and padded input shape before the first run, leaves nothing behind, and changes no detection', async () => {
    const gpu = new FakeGpu();
    const engine = new Engine(() => 'cpu', { compiler: () => gpu });
    const plain = new Engine(() => 'cpu', { compiler: () => null });
    engine.install(0, buildModel(config, formulaWeights(config, 4)), info);
    plain.install(0, buildModel(config, formulaWeights(config, 4)), info);
    const sc = generateScene(3, { width: 96, height: 64 });
    const stages: string[] = [];
    const base = tf.memory().numTensors;
    const first = await engine.detect(0, sc.pixels, 96, 64, {}, (p) => stages.push(p.stage));
    // Stages repeat while a part reports its layers; their order is what this test pins.
    const order = stages.filter((s, i) => s !== stages[i - 1]);
    expect(order).toEqual(['preprocess', 'compiling shaders', 'backbone', 'encoder', 'decoder', 'postprocess']);
    expect(first.timings.map((t) => t.stage)).toContain('compile shaders');
    expect(gpu.waits).toBe(1);
    const afterFirst = tf.memory().numTensors;
    const second = await engine.detect(0, sc.pixels, 96, 64, {}, () => {});
    expect(second.timings.map((t) => t.stage)).not.toContain('compile shaders');
    expect(gpu.waits).toBe(1);
    // The pass left no tensor: the second run (parameters all cached, the first run's trace replaced) holds as many.
    expect(tf.memory().numTensors).toBe(afterFirst);
    expect(afterFirst).toBeGreaterThan(base);
    const ref = await plain.detect(0, sc.pixels, 96, 64, {}, () => {});
    expect(first.detections).toEqual(ref.detections);
    expect(second.detections).toEqual(ref.detections);
    // The trace the pass compiled is still answered.
    const q = await engine.querySlice(0, 'main', first.detections[0].query);
    const qRef = await plain.querySlice(0, 'main', first.detections[0].query);
    expect(q.attention).toEqual(qRef.attention);
    // Another input size: another pass.
    await engine.detect(0, sc.pixels, 96, 64, { inputSize: 32 }, () => {});
    expect(gpu.waits).toBe(2);
    engine.disposeAll();
    plain.disposeAll();
  });
});
