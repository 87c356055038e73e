import * as tf from '@tensorflow/tfjs';
import type { StateDict } from './types';

/**
 * Model parameters as tf variables in the layouts TF.js kernels want, converted once from
 * PyTorch layouts: Linear [out, in] -> [in, out]; Conv2d [out, in, kh, kw] -> [kh, kw, in, out].
 * Variables (not plain tensors) so the same model object can be trained.
 */
let nextId = 0;

export class Params {
  private readonly vars = new Map<string, tf.Variable>();
  private readonly consts = new Map<string, tf.Tensor>();

  constructor(private readonly sd: StateDict, readonly trainable = false) {}

  private make(name: string, build: (t: tf.Tensor) => tf.Tensor, key = name): tf.Variable {
    const cached = this.vars.get(key);
    if (cached) return cached;
    const e = this.sd.get(name);
    if (!e) throw new Error(`missing weight "${name}"`);
    const v = tf.tidy(() => tf.variable(build(tf.tensor(e.data, e.shape, 'float32')), this.trainable, `${key}#${nextId++}`));
    this.vars.set(key, v);
    return v;
  }

  /**
   * A constant derived from other parameters (e.g. a folded norm scale), computed once.
   * Not trainable: it would go stale when its sources change.
   */
  derived(key: string, build: () => tf.Tensor): tf.Tensor {
    const cached = this.consts.get(key);
    if (cached) return cached;
    const t = tf.tidy(() => tf.keep(build()));
    this.consts.set(key, t);
    return t;
  }

  has(name: string): boolean {
    return this.sd.has(name);
  }

  /** A tensor as stored (biases, norm scales, embeddings). */
  raw(name: string): tf.Tensor {
    return this.make(name, (t) => t.clone());
  }

  /** A Linear weight as [in, out]. */
  linear(name: string): tf.Tensor2D {
    return this.make(name, (t) => t.transpose()) as tf.Tensor2D;
  }

  /** A Conv2d weight as [kh, kw, in, out]. */
  conv(name: string): tf.Tensor4D {
    return this.make(name, (t) => t.transpose([2, 3, 1, 0])) as tf.Tensor4D;
  }

  /** Weight `name` converted by `build` (e.g. a column permutation), cached under `key`. */
  custom(key: string, build: (t: tf.Tensor) => tf.Tensor): tf.Tensor {
    return this.make(key.split('#')[0], build, key);
  }

  /** All variables created so far (the trainable set once the model has run once). */
  variables(): Map<string, tf.Variable> {
    return this.vars;
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    for (const t of this.consts.values()) t.dispose();
    this.vars.clear();
    this.consts.clear();
  }
}
