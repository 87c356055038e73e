/**
 * AdamW as PyTorch's torch.optim.AdamW (decoupled weight decay), with parameter groups,
 * gradient clipping by global norm (torch.nn.utils.clip_grad_norm_) and a step LR schedule
 * (torch.optim.lr_scheduler.StepLR: lr = base * gamma^floor(epoch / stepSize)).
 * DETR / SAM-DETR defaults: lr 1e-4, backbone lr 1e-5, weight decay 1e-4, clip 0.1.
 */
import * as tf from '@tensorflow/tfjs';

export interface ParamGroup {
  name?: string;
  params: tf.Variable[];
  lr: number;
  /** Defaults to the optimizer's weightDecay. */
  weightDecay?: number;
}

export interface AdamWOptions {
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  /** Clip gradients to this global L2 norm (over all groups); default 0.1, 0 disables. */
  maxGradNorm?: number;
  /** StepLR step size in epochs (e.g. 40 for DETR's lr_drop); default Infinity = no drop. */
  lrDrop?: number;
  /** Explicit drop epochs (0-based, each x gamma from that epoch on) instead of the lrDrop period; empty = use lrDrop. */
  lrDrops?: number[];
  /** Warm restarts: from each of these epochs the rate is back at its base, and only later drops count. */
  lrRestarts?: number[];
  /** StepLR gamma (default 0.1). */
  lrGamma?: number;
}

export const DETR_ADAMW: Required<AdamWOptions> = {
  betas: [0.9, 0.999],
  eps: 1e-8,
  weightDecay: 1e-4,
  maxGradNorm: 0.1,
  lrDrop: Infinity,
  lrDrops: [],
  lrRestarts: [],
  lrGamma: 0.1,
};

/**
 * How many times the rate has dropped at a (0-based) epoch: with explicit drops, those since the
 * last warm restart (a run resumed past its drop with the rate back up, then dropped again);
 * else StepLR's floor(epoch / lrDrop).
 */
export function lrDropCount(epoch: number, o: Pick<Required<AdamWOptions>, 'lrDrop' | 'lrDrops' | 'lrRestarts'>): number {
  if (o.lrDrops.length) {
    const since = Math.max(0, ...o.lrRestarts.filter((r) => r <= epoch));
    return o.lrDrops.filter((d) => d >= since && d <= epoch).length;
  }
  return Number.isFinite(o.lrDrop) && o.lrDrop > 0 ? Math.floor(epoch / o.lrDrop) : 0;
}

/**
 * Scales `grads` (returns new tensors when it clips; disposes nothing) so their global L2 norm is
 * at most maxNorm, as torch.nn.utils.clip_grad_norm_: coef = maxNorm / (norm + 1e-6), applied
 * when < 1. Returns the norm before clipping.
 */
export function clipGradNorm(grads: tf.Tensor[], maxNorm: number): { grads: tf.Tensor[]; totalNorm: number } {
  if (grads.length === 0) return { grads, totalNorm: 0 };
  const totalNorm = tf.tidy(() => tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))).dataSync()[0]);
  const coef = maxNorm / (totalNorm + 1e-6);
  if (!(maxNorm > 0) || coef >= 1) return { grads, totalNorm };
  return { grads: grads.map((g) => tf.mul(g, coef)), totalNorm };
}

interface Slot {
  m: tf.Variable;
  v: tf.Variable;
}

export interface StepResult {
  /** Global gradient norm before clipping (over the parameters that had a gradient). */
  gradNorm: number;
  step: number;
}

export interface AdamWState {
  step: number;
  /** Current lr of each group. */
  lrs: number[];
  slots: { name: string; m: tf.Tensor; v: tf.Tensor }[];
}

export class AdamW {
  readonly groups: (ParamGroup & { baseLr: number })[];
  readonly opts: Required<AdamWOptions>;
  private slots = new Map<tf.Variable, Slot>();
  private t = 0;

  constructor(groups: ParamGroup[], opts: AdamWOptions = {}) {
    const o: Required<AdamWOptions> = { ...DETR_ADAMW };
    for (const [k, v] of Object.entries(opts)) if (v !== undefined) (o as unknown as Record<string, unknown>)[k] = v;
    this.opts = o;
    const seen = new Set<tf.Variable>();
    for (const g of groups) for (const p of g.params) {
      if (seen.has(p)) throw new Error(`variable ${p.name} is in two parameter groups`);
      seen.add(p);
    }
    this.groups = groups.map((g) => ({ ...g, baseLr: g.lr }));
  }

  /** Number of steps taken. */
  get stepCount(): number {
    return this.t;
  }

  /** Current learning rate of a group. */
  getLr(group = 0): number {
    return this.groups[group].lr;
  }

  /** Applies the step schedule for the given (0-based) epoch: lr = baseLr * gamma^lrDropCount(epoch). */
  setEpoch(epoch: number): void {
    const k = lrDropCount(epoch, this.opts);
    for (const g of this.groups) g.lr = g.baseLr * Math.pow(this.opts.lrGamma, k);
  }

  /**
   * One update. `grads` maps variable names to gradients (what tf.variableGrads returns);
   * variables without a gradient are left untouched (as PyTorch skips p.grad None).
   * Does not dispose `grads`.
   */
  step(grads: tf.NamedTensorMap): StepResult {
    const present: { p: tf.Variable; g: tf.Tensor; lr: number; wd: number }[] = [];
    for (const grp of this.groups) {
      for (const p of grp.params) {
        const g = grads[p.name];
        if (g) present.push({ p, g, lr: grp.lr, wd: grp.weightDecay ?? this.opts.weightDecay });
      }
    }
    const { grads: clipped, totalNorm } = clipGradNorm(present.map((x) => x.g), this.opts.maxGradNorm);
    this.t += 1;
    const [b1, b2] = this.opts.betas;
    const bc1 = 1 - Math.pow(b1, this.t);
    const bc2 = 1 - Math.pow(b2, this.t);
    present.forEach(({ p, lr, wd }, i) => {
      const g = clipped[i];
      let s = this.slots.get(p);
      if (!s) {
        s = { m: tf.variable(tf.zerosLike(p), false), v: tf.variable(tf.zerosLike(p), false) };
        this.slots.set(p, s);
      }
      const slot = s;
      tf.tidy(() => {
        const m = tf.add(tf.mul(slot.m, b1), tf.mul(g, 1 - b1));
        const v = tf.add(tf.mul(slot.v, b2), tf.mul(tf.square(g), 1 - b2));
        slot.m.assign(m);
        slot.v.assign(v);
        const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(bc2)), this.opts.eps);
        const decayed = wd !== 0 ? tf.mul(p, 1 - lr * wd) : p;
        p.assign(tf.sub(decayed, tf.mul(tf.div(m, denom), lr / bc1)));
      });
    });
    // Dispose the scaled copies made by clipping (not the caller's gradients).
    clipped.forEach((c, i) => { if (c !== present[i].g) c.dispose(); });
    return { gradNorm: totalNorm, step: this.t };
  }

  /** Copies of the step count and moment buffers, keyed by variable name (for checkpoints). */
  getState(): AdamWState {
    const slots: AdamWState['slots'] = [];
    for (const [p, s] of this.slots) slots.push({ name: p.name, m: tf.clone(s.m), v: tf.clone(s.v) });
    return { step: this.t, lrs: this.groups.map((g) => g.lr), slots };
  }

  /** Restores a state from `getState` (matching variables by name; takes copies). */
  setState(state: AdamWState): void {
    const byName = new Map<string, tf.Variable>();
    for (const g of this.groups) for (const p of g.params) byName.set(p.name, p);
    this.dispose();
    this.t = state.step;
    state.lrs.forEach((lr, i) => { if (this.groups[i]) this.groups[i].lr = lr; });
    for (const s of state.slots) {
      const p = byName.get(s.name);
      if (!p) continue;
      this.slots.set(p, { m: tf.variable(tf.clone(s.m), false), v: tf.variable(tf.clone(s.v), false) });
    }
  }

  /** Frees the moment buffers. */
  dispose(): void {
    for (const s of this.slots.values()) { s.m.dispose(); s.v.dispose(); }
    this.slots.clear();
  }
}

/** Backbone parameters (state_dict names, or variable names that start with them): the lower-lr group. */
export const isBackboneParam = (name: string) => name.startsWith('backbone.');

/**
 * DETR-style groups: variables whose name matches `isBackbone` get `backboneLr`, the rest `lr`.
 */
export function detrParamGroups(
  vars: tf.Variable[], isBackbone: (name: string) => boolean, lr = 1e-4, backboneLr = 1e-5,
): ParamGroup[] {
  const bb = vars.filter((v) => isBackbone(v.name));
  const rest = vars.filter((v) => !isBackbone(v.name));
  return [
    { name: 'main', params: rest, lr },
    { name: 'backbone', params: bb, lr: backboneLr },
  ].filter((g) => g.params.length > 0);
}
