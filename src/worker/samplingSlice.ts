/**
 * Deformable DETR's part of a query's slice (querySlice.ts threads it through both of its ways):
 * where each decoder layer's cross-attention samples and with what weight, the reference the
 * layer reads, and for two-stage the encoder proposal the query was taken from. Flat arrays, layer
 * after layer, so the two ways compare value for value (test/worker/querySlice.test.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { DecoderOutput } from '../model/types';

type Layer = DecoderOutput['layers'][number];

/** One query's values; every field null for a decoder without sampling points. */
export interface SamplingSliceArrays {
  /** Per layer heads x levels x points x [x, y, weight]. */
  sampling: Float32Array | null;
  /** Per layer levels x (2 or 4): the reference as each level reads it (times its valid ratio). */
  levelRefs: Float32Array | null;
  /** Per layer the reference point (x, y) or box (cx, cy, w, h): 2 or 4 values by layer (box refinement switches after layer 0). */
  refs: Float32Array | null;
  /** Two-stage: [memory token taken, cx, cy, w, h] of the encoder proposal the query came from. */
  proposal: Float32Array | null;
}

const NONE: SamplingSliceArrays = { sampling: null, levelRefs: null, refs: null, proposal: null };

/** The reference a layer reads: a box once box refinement has made one, else the point. */
const refOf = (l: Layer) => l.referenceBoxes ?? l.referencePoints;

const hasSampling = (dec: DecoderOutput) => !!dec.layers[0]?.samplingLocations && !!dec.layers[0]?.samplingWeights;

/** The query's row `[1, 1, ...rest]` of a `[B, nq, ...rest]` tensor, flattened. */
function row(x: tf.Tensor, query: number): tf.Tensor1D {
  return tf.slice(x, [0, query, ...x.shape.slice(2).map(() => 0)], [1, 1, ...x.shape.slice(2)]).reshape([-1]);
}

/** The query's values as tensors on the backend (the caller disposes them); all null without sampling points. */
export function samplingSliceTensors(dec: DecoderOutput, query: number): Record<keyof SamplingSliceArrays, tf.Tensor | null> {
  if (!hasSampling(dec)) return { sampling: null, levelRefs: null, refs: null, proposal: null };
  const t: { [k: string]: tf.Tensor } = tf.tidy((): { [k: string]: tf.Tensor } => {
    const sampling = tf.concat(dec.layers.map((l) => {
      const loc = row(l.samplingLocations!, query).reshape([-1, 2]);
      return tf.concat([loc, row(l.samplingWeights!, query).reshape([-1, 1])], 1).reshape([-1]);
    }));
    const levelRefs = tf.concat(dec.layers.map((l) => row(l.levelReferences!, query)));
    const refs = tf.concat(dec.layers.map((l) => row(refOf(l)!, query)));
    const p = dec.proposals;
    if (!p) return { sampling, levelRefs, refs } as { [k: string]: tf.Tensor };
    const token = tf.slice(p.taken, [0, query], [1, 1]).reshape([1]);
    const box = tf.gather(p.boxes.slice([0, 0, 0], [1, p.boxes.shape[1], 4]).reshape([-1, 4]), token).reshape([-1]);
    return { sampling, levelRefs, refs, proposal: tf.concat([token.cast('float32'), box]) };
  });
  return { sampling: t.sampling, levelRefs: t.levelRefs, refs: t.refs, proposal: t.proposal ?? null };
}

/** Values the whole-trace way reads for sampling: all layers, all queries. */
export function samplingSize(dec: DecoderOutput): number {
  if (!hasSampling(dec)) return 0;
  let n = 0;
  for (const l of dec.layers) n += l.samplingLocations!.size + l.samplingWeights!.size + l.levelReferences!.size + refOf(l)!.size;
  if (dec.proposals) n += dec.proposals.taken.size + dec.proposals.boxes.size;
  return n;
}

type Read = { data: Float32Array; shape: number[] };
/** Every layer's sampling tensors, read whole (for pickSampling); null without sampling points. */
export type WholeSampling = {
  layers: { loc: Read; w: Read; levelRefs: Read; ref: Read }[];
  proposals: { taken: Int32Array | Float32Array; boxes: Float32Array } | null;
} | null;

export async function wholeSampling(dec: DecoderOutput): Promise<WholeSampling> {
  if (!hasSampling(dec)) return null;
  const read = async (t: tf.Tensor): Promise<Read> => ({ data: (await t.data()) as Float32Array, shape: t.shape });
  const layers = await Promise.all(dec.layers.map(async (l) => {
    const [loc, w, levelRefs, ref] = await Promise.all([read(l.samplingLocations!), read(l.samplingWeights!), read(l.levelReferences!), read(refOf(l)!)]);
    return { loc, w, levelRefs, ref };
  }));
  const p = dec.proposals;
  const proposals = p ? { taken: (await p.taken.data()) as Int32Array, boxes: (await p.boxes.data()) as Float32Array } : null;
  return { layers, proposals };
}

/** The query's part of a whole read: the same values samplingSliceTensors gives. */
export function pickSampling(whole: WholeSampling, query: number): SamplingSliceArrays {
  if (!whole) return { ...NONE };
  const rowOf = ({ data, shape }: Read) => {
    const r = shape.slice(2).reduce((a, b) => a * b, 1);
    return data.subarray(query * r, (query + 1) * r);
  };
  const sampling: number[] = [];
  const levelRefs: number[] = [];
  const refs: number[] = [];
  for (const l of whole.layers) {
    const loc = rowOf(l.loc);
    const w = rowOf(l.w);
    for (let i = 0; i < w.length; i++) sampling.push(loc[2 * i], loc[2 * i + 1], w[i]);
    levelRefs.push(...rowOf(l.levelRefs));
    refs.push(...rowOf(l.ref));
  }
  let proposal: Float32Array | null = null;
  const p = whole.proposals;
  if (p) {
    const token = p.taken[query]; // image 0
    proposal = Float32Array.from([token, ...p.boxes.subarray(token * 4, token * 4 + 4)]);
  }
  return { sampling: Float32Array.from(sampling), levelRefs: Float32Array.from(levelRefs), refs: Float32Array.from(refs), proposal };
}

/** What splits a sampling trace into layers: heads and points per level, and each layer's reference size (2: point, 4: box). */
export function samplingShape(dec: DecoderOutput): { heads: number; points: number; refDims: number[] } | null {
  if (!hasSampling(dec)) return null;
  const [, , heads, , points] = dec.layers[0].samplingWeights!.shape;
  return { heads, points, refDims: dec.layers.map((l) => refOf(l)!.shape[2]) };
}
