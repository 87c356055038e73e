/**
 * Int8 weights with one scale per group of GROUP consecutive values of an output channel, for the
 * training timeline's snapshots (27 of them must fit in 40 MB: float16 would take twice that). A
 * matrix or conv kernel of at least MIN_ELEMENTS values is stored as I8 (row r = dim 0, the
 * output channel, as PyTorch lays it out) beside `<name>.int8_scale`, float16 [dim 0, groups]:
 * value = int8 x scale, scale = max |group| / 127. Measured against float16 on the bundled
 * snapshots (scripts/publish-snapshots.ts prints the table): the effect measures agree within
 * 0.01; for SAM-DETR + SMCA 0.03-0.15% of attention cells move by more than 5% of the colour bar
 * (a few query maps visibly), for the baseline none; groups of 32 had fewer such cells than one
 * scale per channel.
 * Everything else (biases, norms, small tables) keeps its float16. The file says so in its
 * metadata, so a reader never mistakes a plain I8 tensor for a quantized one.
 */
import type { StateDict } from '../model/types';
import { CheckpointError } from './errors';
import { f16ToF32, f32ToF16 } from './float16';

export const QUANT_KEY = 'quantization';
export const QUANT_INT8 = 'int8-grouped';
export const SCALE_SUFFIX = '.int8_scale';
/** Smaller tensors gain nothing worth their rounding. */
export const MIN_ELEMENTS = 256;
/** Values per scale along a row (the last group of a row may be shorter). */
export const GROUP = 32;

export interface Quantized {
  /** The I8 tensors hold integers in [-127, 127] (as float32, for the writer), scales beside them. */
  stateDict: StateDict;
  dtype: (name: string) => 'I8' | 'F16';
  metadata: Record<string, string>;
}

const quantizable = (t: { shape: number[]; data: Float32Array }) => t.shape.length >= 2 && t.data.length >= MIN_ELEMENTS;

/** Quantizes every large matrix or kernel of a state dict, one scale per GROUP values of a row. */
export function quantizeInt8(sd: StateDict): Quantized {
  const out: StateDict = new Map();
  const int8 = new Set<string>();
  for (const [name, t] of sd) {
    if (!quantizable(t)) {
      out.set(name, t);
      continue;
    }
    const rows = t.shape[0];
    const per = t.data.length / rows;
    const groups = Math.ceil(per / GROUP);
    const q = new Float32Array(t.data.length);
    const scale = new Float32Array(rows * groups);
    for (let r = 0; r < rows; r++) {
      for (let g = 0; g < groups; g++) {
        const from = r * per + g * GROUP, to = Math.min((r + 1) * per, from + GROUP);
        let max = 0;
        for (let i = from; i < to; i++) max = Math.max(max, Math.abs(t.data[i]));
        // The scale is stored as float16: quantize against the value the reader will multiply by.
        const s = f16ToF32(f32ToF16(max / 127));
        scale[r * groups + g] = s;
        if (s > 0) for (let i = from; i < to; i++) q[i] = Math.max(-127, Math.min(127, Math.round(t.data[i] / s)));
      }
    }
    out.set(name, { shape: t.shape.slice(), data: q });
    out.set(name + SCALE_SUFFIX, { shape: [rows, groups], data: scale });
    int8.add(name);
  }
  return { stateDict: out, dtype: (n) => (int8.has(n) ? 'I8' : 'F16'), metadata: { [QUANT_KEY]: QUANT_INT8 } };
}

/**
 * Turns a quantized file's tensors back into float32 weights, in place, and drops the scales. A
 * file without the metadata is left as it is. A scale without its tensor, of the wrong size, or
 * a quantized tensor of another dtype than I8 is `corrupt`.
 */
export function dequantizeInt8(sd: StateDict, metadata: Record<string, string>, dtypes: ReadonlyMap<string, string>): void {
  if (metadata[QUANT_KEY] === undefined) return;
  if (metadata[QUANT_KEY] !== QUANT_INT8) throw new CheckpointError('unsupported', `unknown quantization "${metadata[QUANT_KEY].slice(0, 40)}"`);
  for (const name of [...sd.keys()]) {
    if (!name.endsWith(SCALE_SUFFIX)) continue;
    const base = name.slice(0, -SCALE_SUFFIX.length);
    const t = sd.get(base);
    const scale = sd.get(name)!;
    if (!t) throw new CheckpointError('corrupt', `quantization scale ${JSON.stringify(name.slice(0, 80))} has no tensor`);
    if (dtypes.get(base) !== 'I8') throw new CheckpointError('corrupt', `quantized tensor ${JSON.stringify(base.slice(0, 80))} is ${dtypes.get(base)}, not I8`);
    const per = t.data.length / t.shape[0];
    const groups = Math.ceil(per / GROUP);
    if (scale.shape.length !== 2 || scale.shape[0] !== t.shape[0] || scale.shape[1] !== groups) {
      throw new CheckpointError('corrupt', `quantization scale of ${JSON.stringify(base.slice(0, 80))}: [${scale.shape}] for ${t.shape[0]} channels of ${groups} groups`);
    }
    for (let r = 0; r < t.shape[0]; r++) {
      for (let g = 0; g < groups; g++) {
        const s = scale.data[r * groups + g];
        const from = r * per + g * GROUP, to = Math.min((r + 1) * per, from + GROUP);
        for (let i = from; i < to; i++) t.data[i] *= s;
      }
    }
    sd.delete(name);
  }
}
