import type { ModelConfig } from './config';
import { stateDictLayout } from './stateDictLayout';
import type { StateDict } from './types';

/**
 * The deterministic weight formula of the parity fixtures (test/fixtures/official/README.md):
 * every tensor is a hash of its name and element index, so any implementation can rebuild
 * the exact weights the official model was run with.
 */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(s)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** u in [-1, 1) for element i of a tensor keyed k (all uint32 arithmetic). */
function hashUniform(i: number, k: number): number {
  let z = (Math.imul(i, 0x9e3779b1) + k) >>> 0;
  z = (z ^ (z >>> 16)) >>> 0;
  z = Math.imul(z, 0x85ebca6b) >>> 0;
  z = (z ^ (z >>> 13)) >>> 0;
  z = Math.imul(z, 0xc2b2ae35) >>> 0;
  z = (z ^ (z >>> 16)) >>> 0;
  return (z / 4294967296) * 2 - 1;
}

export function formulaTensor(name: string, shape: number[], seed: number): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const k = (fnv1a32(name) ^ seed) >>> 0;
  const out = new Float32Array(n);
  const fanIn = shape.length >= 2 ? n / shape[0] : 1;
  const gain = Math.sqrt(3 / fanIn);
  // The tensor kind is decided once, not per element; each expression is the README's, in float64.
  const value: (u: number) => number = name.endsWith('running_var')
    ? (u) => 1 + 0.25 * (u + 1)
    : name.endsWith('running_mean')
      ? (u) => 0.1 * u
      : shape.length >= 2
        ? (u) => u * gain
        : name.endsWith('.weight')
          ? (u) => 1 + 0.1 * u
          : (u) => 0.1 * u;
  for (let i = 0; i < n; i++) out[i] = value(hashUniform(i, k)); // Float32Array rounds once
  return out;
}

/** Formula weights for every tensor of a config (useful for parity and for tests). */
export function formulaWeights(config: ModelConfig, seed = 0): StateDict {
  const sd: StateDict = new Map();
  for (const [name, shape] of stateDictLayout(config)) sd.set(name, { shape, data: formulaTensor(name, shape, seed) });
  return sd;
}
