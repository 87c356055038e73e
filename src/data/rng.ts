/**
 * Seeded pseudo-random numbers that are bit-identical in every JS engine: only 32-bit integer
 * operations (`Math.imul`, shifts, xor) and exact divisions by powers of two.
 */

/** splitmix32-style integer finaliser: a good 32-bit hash of a 32-bit integer. */
export function mix32(x: number): number {
  x |= 0;
  x = Math.imul(x ^ (x >>> 16), 0x21f0aaad);
  x = Math.imul(x ^ (x >>> 15), 0x735a2d97);
  return (x ^ (x >>> 15)) >>> 0;
}

/** Seed of the i-th member of a family derived from `seed` (e.g. the i-th validation scene). */
export function deriveSeed(seed: number, index: number): number {
  return mix32(mix32(seed ^ 0x5bd1e995) + Math.imul(index + 1, 0x9e3779b9));
}

/** Hash of integer coordinates and a seed to a float in [0, 1). */
export function hash3(x: number, y: number, seed: number): number {
  let h = mix32(seed ^ Math.imul(x, 0x27d4eb2d));
  h = mix32(h ^ Math.imul(y, 0x165667b1));
  return h / 4294967296;
}

/** sfc32 generator seeded through splitmix; period ~2^127. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      return mix32(s);
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next() | 1;
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** true with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Index drawn with probability proportional to `weights`. */
  weighted(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    let r = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i];
      if (r < 0) return i;
    }
    return weights.length - 1;
  }

  /** Approximately normal (Irwin-Hall, 4 uniforms), mean 0, std 1. */
  normal(): number {
    return (this.next() + this.next() + this.next() + this.next() - 2) * 1.7320508075688772;
  }

  /**
   * A random rotation as (cos, sin) without trigonometric functions (which may differ between
   * engines): the rational parametrisation ((1 - t^2), 2t) / (1 + t^2) covers half a turn for
   * t in [-1, 1]; a random sign flip covers the other half.
   */
  rotation(): [number, number] {
    const t = this.range(-1, 1);
    const q = 1 + t * t;
    let c = (1 - t * t) / q;
    let s = (2 * t) / q;
    if (this.chance(0.5)) {
      c = -c;
      s = -s;
    }
    return [c, s];
  }
}
