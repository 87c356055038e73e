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
 *
 * Inference keeps the state dict's float32 arrays only until `release()`: after a forward pass
 * has made the backend's tensors, the arrays are a second copy of the model (237 MB for an
 * official R50), held for nothing. Released entries come back, exactly, from the tensor made
 * of them when a conversion or stateDict() asks again.
 */
export class Params {
  private readonly cache = new Map<string, tf.Tensor>();
  private readonly sources = new Map<string, tf.Variable>();
  private readonly sd: StateDict;
  /** Per entry, the first tensor made of it as is, transposed (linear) or permuted (conv): its way back. */
  private readonly ways = new Map<string, { key: string; back: (t: tf.Tensor) => tf.Tensor }>();
  /** Entries whose float32 array was let go (see release). */
  private readonly released = new Set<string>();
  /** Inside uncached(): conversions are made for the caller and not kept. */
  private uncachedDepth = 0;

  constructor(sd: StateDict, readonly trainable = false) {
    // A copy of the map (not of the arrays): release() must not empty the caller's state dict.
    this.sd = new Map(sd);
  }

  has(name: string): boolean {
    return this.sd.has(name);
  }

  private entry(name: string) {
    const e = this.sd.get(name);
    if (!e) throw new Error(`missing weight "${name}"`);
    if (this.released.has(name)) throw new Error(`weight "${name}" was released`);
    return e;
  }

  /** Entry `name` as a new tensor in state_dict layout (call inside tidy): from its array, or back from the tensor made of it. */
  private sourceTensor(name: string): tf.Tensor {
    if (this.released.has(name)) {
      const way = this.ways.get(name)!;
      return way.back(this.cache.get(way.key)!);
    }
    const e = this.entry(name);
    return tf.tensor(e.data, e.shape, 'float32');
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

  /**
   * Runs `fn` reading the cache but not adding to it, except entries as stored made from their
   * arrays: a conversion asked for inside (a transpose, a folded norm) is made in the caller's
   * scope and goes with it. For passes whose kernels compute nothing, WebGPU's compile-only
   * pass (src/worker/gpuCompile.ts): a conversion cached there would hold a buffer never written.
   */
  uncached<T>(fn: () => T): T {
    this.uncachedDepth++;
    try {
      return fn();
    } finally {
      this.uncachedDepth--;
    }
  }

  private make(name: string, build: (t: tf.Tensor) => tf.Tensor, key = name): tf.Tensor {
    if (this.trainable) return name === key && build === identity ? this.source(name) : build(this.source(name));
    const cached = this.cache.get(key);
    if (cached) return cached;
    // An entry as stored, from its array, holds its values whatever the kernels do; anything else waits for a real pass.
    if (this.uncachedDepth > 0 && !(build === identity && !this.released.has(name))) return build(this.sourceTensor(name));
    const t = tf.tidy(() => tf.keep(build(this.sourceTensor(name))));
    this.cache.set(key, t);
    const back = BACK.get(build);
    if (back && !this.ways.has(name)) this.ways.set(name, { key, back });
    return t;
  }

  /** A tensor as stored (biases, norm scales, embeddings). */
  raw(name: string): tf.Tensor {
    return this.make(name, identity);
  }

  /** A Linear weight as [in, out]. */
  linear(name: string): tf.Tensor2D {
    return this.make(name, toLinear, `${name}#linear`) as tf.Tensor2D;
  }

  /** A Conv2d weight as [kh, kw, in, out]. */
  conv(name: string): tf.Tensor4D {
    return this.make(name, toConv, `${name}#conv`) as tf.Tensor4D;
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
    if (this.uncachedDepth > 0) return build();
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
    for (const name of this.sd.keys()) out.set(name, await this.entryNow(name));
    return out;
  }

  /** The names of the state dict and their shapes, in its order. */
  shapes(): [string, number[]][] {
    return [...this.sd].map(([name, e]) => [name, e.shape]);
  }

  /**
   * One entry's current values (what stateDict() gives for it), made on demand: writing a model
   * out entry by entry holds one released entry's copy at a time, not a second model.
   */
  async entryNow(name: string): Promise<{ shape: number[]; data: Float32Array }> {
    const e = this.sd.get(name);
    if (!e) throw new Error(`missing weight "${name}"`);
    const v = this.sources.get(name);
    if (v) return { shape: e.shape, data: (await v.data()) as Float32Array };
    if (!this.released.has(name)) return e;
    const t = tf.tidy(() => this.sourceTensor(name));
    try {
      return { shape: e.shape, data: (await t.data()) as Float32Array };
    } finally {
      // `back` of an entry made as is returns the cached tensor itself.
      if (!t.isDisposed && t !== this.cache.get(this.ways.get(name)!.key)) t.dispose();
    }
  }

  /**
   * Inference: lets go of the float32 array of every entry a tensor was made of as is, transposed
   * or permuted (those can be made back exactly); entries only used through other conversions
   * (column reorders, slices of in_proj, folded norms) keep theirs. Call once the model has run:
   * entries not used yet keep their arrays too. Returns the bytes let go.
   */
  release(): number {
    if (this.trainable) return 0;
    let bytes = 0;
    for (const [name, e] of this.sd) {
      if (this.released.has(name) || !this.ways.has(name)) continue;
      this.released.add(name);
      // The shape stays (has(), shapes()); the array goes.
      this.sd.set(name, { shape: e.shape, data: EMPTY });
      bytes += e.data.byteLength;
    }
    return bytes;
  }

  /** Bytes of the state dict's float32 arrays still held (all of them until release()). */
  heldBytes(): number {
    let n = 0;
    for (const e of this.sd.values()) n += e.data.byteLength;
    return n;
  }

  dispose(): void {
    for (const t of this.cache.values()) t.dispose();
    for (const v of this.sources.values()) v.dispose();
    this.cache.clear();
    this.sources.clear();
  }
}

const EMPTY = new Float32Array(0);

function identity(t: tf.Tensor): tf.Tensor {
  return t;
}

function toLinear(t: tf.Tensor): tf.Tensor {
  return t.transpose();
}

function toConv(t: tf.Tensor): tf.Tensor {
  return t.transpose([2, 3, 1, 0]);
}

/** The conversions that can be undone exactly (a transpose moves values, never changes them), and how. */
const BACK = new Map<(t: tf.Tensor) => tf.Tensor, (t: tf.Tensor) => tf.Tensor>([
  [identity, identity],
  [toLinear, (t) => t.transpose()],
  [toConv, (t) => t.transpose([3, 2, 0, 1])],
]);
