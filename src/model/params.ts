import * as tf from '@tensorflow/tfjs';
import type { StateDict } from './types';

let nextId = 0;

/**
 * Model parameters, keyed by the official state_dict names and handed out in the layouts
 * TF.js kernels want: Linear [out, in] -> [in, out]; Conv2d [out, in, kh, kw] -> [kh, kw, in, out].
 *
 * Inference: each converted tensor is made once and cached.
 * Training (`trainable`): one tf.Variable per state_dict entry, in PyTorch layout, and the
 * conversions run as ops in every forward pass, so gradients reach the variables and the
 * trained weights export back to a state_dict unchanged in meaning.
 */
export class Params {
  private readonly cache = new Map<string, tf.Tensor>();
  private readonly sources = new Map<string, tf.Variable>();

  constructor(private readonly sd: StateDict, readonly trainable = false) {}

  has(name: string): boolean {
    return this.sd.has(name);
  }

  private entry(name: string) {
    const e = this.sd.get(name);
    if (!e) throw new Error(`missing weight "${name}"`);
    return e;
  }

  /** The trainable variable of state_dict entry `name` (training mode only). */
  private source(name: string): tf.Variable {
    let v = this.sources.get(name);
    if (!v) {
      const e = this.entry(name);
      const isBuffer = name.endsWith('running_mean') || name.endsWith('running_var');
      v = tf.variable(tf.tensor(e.data, e.shape, 'float32'), !isBuffer, `${name}#${nextId++}`);
      this.sources.set(name, v);
    }
    return v;
  }

  private make(name: string, build: (t: tf.Tensor) => tf.Tensor, key = name): tf.Tensor {
    if (this.trainable) return name === key && build === identity ? this.source(name) : build(this.source(name));
    const cached = this.cache.get(key);
    if (cached) return cached;
    const e = this.entry(name);
    const t = tf.tidy(() => tf.keep(build(tf.tensor(e.data, e.shape, 'float32'))));
    this.cache.set(key, t);
    return t;
  }

  /** A tensor as stored (biases, norm scales, embeddings). */
  raw(name: string): tf.Tensor {
    return this.make(name, identity);
  }

  /** A Linear weight as [in, out]. */
  linear(name: string): tf.Tensor2D {
    return this.make(name, (t) => t.transpose(), `${name}#linear`) as tf.Tensor2D;
  }

  /** A Conv2d weight as [kh, kw, in, out]. */
  conv(name: string): tf.Tensor4D {
    return this.make(name, (t) => t.transpose([2, 3, 1, 0]), `${name}#conv`) as tf.Tensor4D;
  }

  /** Weight `key`'s part before '#', converted by `build` (e.g. a column permutation), cached under `key`. */
  custom(key: string, build: (t: tf.Tensor) => tf.Tensor): tf.Tensor {
    return this.make(key.split('#')[0], build, key);
  }

  /** A constant derived from other parameters (e.g. a folded norm), computed once (inference only). */
  derived(key: string, build: () => tf.Tensor): tf.Tensor {
    if (this.trainable) throw new Error(`derived constant ${key} requested while training`);
    const cached = this.cache.get(key);
    if (cached) return cached;
    const t = tf.tidy(() => tf.keep(build()));
    this.cache.set(key, t);
    return t;
  }

  /** Training variables by state_dict name (created as the forward pass first uses them). */
  variables(): Map<string, tf.Variable> {
    return this.sources;
  }

  /** Current values as a state_dict (training mode: the variables; otherwise the original). */
  async stateDict(): Promise<StateDict> {
    const out: StateDict = new Map();
    for (const [name, e] of this.sd) {
      const v = this.sources.get(name);
      out.set(name, { shape: e.shape, data: v ? ((await v.data()) as Float32Array) : e.data });
    }
    return out;
  }

  dispose(): void {
    for (const t of this.cache.values()) t.dispose();
    for (const v of this.sources.values()) v.dispose();
    this.cache.clear();
    this.sources.clear();
  }
}

function identity(t: tf.Tensor): tf.Tensor {
  return t;
}
