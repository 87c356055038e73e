/**
 * One query's slice of the decoder's trace: its part of every layer (boxes, points, scales,
 * attention maps, class logits), as flat arrays per kind, what a querySlice request downloads
 * (the engine shapes it into the protocol's QuerySlice). "Trace" is the whole decoder run's
 * tensors (DecoderLayerTrace); a "slice" is one query's part of it, in the page and here.
 *
 * Two ways to get it, equal value for value (test/worker/querySlice.test.ts):
 * - `downloadQuerySlice`: slice the query out of each layer's tensors on the backend and read
 *   only that (an official-size run's maps are 8 heads x 300 queries x 850 keys a layer: reading
 *   them whole would cost far more than one query's part).
 * - `wholeTrace` + `pickQuerySlice`: read every layer's tensors once, then cut each query's part
 *   out in JavaScript. For a small run (the bundled models: a few hundred thousand values in
 *   all) the later requests then run no tensor op at all; a slice request made ~40 small ops and
 *   8 reads, 1-13 ms in the worker while the page waited for it.
 */
import * as tf from '@tensorflow/tfjs';
import type { DecoderOutput } from '../model/types';
import { pickSampling, samplingSize, samplingSliceTensors, wholeSampling, type SamplingSliceArrays, type WholeSampling } from './samplingSlice';

type Layer = DecoderOutput['layers'][number];

/** Per kind, the query's values of every layer, layer after layer; null where the model has none (Deformable DETR: its sampling, see samplingSlice.ts). */
export interface QuerySliceArrays extends SamplingSliceArrays {
  ref: Float32Array | null;
  roi: Float32Array | null;
  sal: Float32Array | null;
  scales: Float32Array | null;
  /** Absent for Deformable DETR, whose cross-attention has no dense map. */
  attn: Float32Array | null;
  gauss: Float32Array | null;
  /** Conditional DETR: its reference point [L][2], and its cross-attention's spatial and content parts alone (maps as attn). */
  refPt: Float32Array | null;
  spatial: Float32Array | null;
  content: Float32Array | null;
  logits: Float32Array;
  boxes: Float32Array;
}

/** Per-query tensors `[batch, queries, ...]` (batch 0 is the image). */
const ROW_KINDS = {
  ref: (l: Layer) => l.referenceBoxes, // absent for official DETR (no reference boxes)
  roi: (l: Layer) => l.roiBoxes,
  sal: (l: Layer) => l.salientPoints,
  scales: (l: Layer) => l.smcaScales,
  logits: (l: Layer) => l.predLogits,
  boxes: (l: Layer) => l.predBoxes,
  // Conditional DETR's point (the one layer with a spatial query embedding): Deformable DETR's
  // with box refinement exists in layer 0 only, and rows need it in every layer.
  refPt: (l: Layer) => (l.querySineEmbed ? l.referencePoints : undefined),
} as const;
/** Attention maps `[batch, heads, queries, keys]`; keys differ by layer on multi-scale models. */
const MAP_KINDS = {
  attn: (l: Layer) => l.crossAttn, gauss: (l: Layer) => l.gaussian, spatial: (l: Layer) => l.spatialAttn, content: (l: Layer) => l.contentAttn,
} as const;
type RowKind = keyof typeof ROW_KINDS;
type MapKind = keyof typeof MAP_KINDS;

/**
 * Per kind, the query's part of every layer as one tensor on the backend (the caller disposes
 * them). `hws`: each layer's map size (multi-scale layers' maps differ, so they are concatenated,
 * not stacked).
 */
export function querySliceTensors(dec: DecoderOutput, query: number, H: number, hws: number[], smcaPrior: boolean) {
  const l0 = dec.layers[0];
  const rows = (get: (l: Layer) => tf.Tensor | undefined) => {
    if (!get(l0)) return null;
    return tf.tidy(() => tf.stack(dec.layers.map((l) => {
      const x = get(l)!;
      return tf.slice(x, [0, query, ...x.shape.slice(2).map(() => 0)], [1, 1, ...x.shape.slice(2)]).reshape([-1]);
    })));
  };
  const maps = (get: (l: Layer) => tf.Tensor4D | undefined) => {
    if (!get(l0)) return null;
    return tf.tidy(() => tf.concat(dec.layers.map((l, i) => tf.slice(get(l)!, [0, 0, query, 0], [1, H, 1, hws[i]]).reshape([-1]))));
  };
  return {
    ref: rows(ROW_KINDS.ref), roi: rows(ROW_KINDS.roi), sal: rows(ROW_KINDS.sal), scales: rows(ROW_KINDS.scales),
    logits: rows(ROW_KINDS.logits), boxes: rows(ROW_KINDS.boxes),
    attn: maps(MAP_KINDS.attn), gauss: smcaPrior ? maps(MAP_KINDS.gauss) : null,
    refPt: rows(ROW_KINDS.refPt), spatial: maps(MAP_KINDS.spatial), content: maps(MAP_KINDS.content),
    ...samplingSliceTensors(dec, query),
  };
}

/** The query's part of every layer, read from the backend (one read per kind). */
export async function downloadQuerySlice(dec: DecoderOutput, query: number, H: number, hws: number[], smcaPrior: boolean): Promise<QuerySliceArrays> {
  const tensors = querySliceTensors(dec, query, H, hws, smcaPrior);
  try {
    const read = async (t: tf.Tensor | null) => (t ? ((await t.data()) as Float32Array) : null);
    const [ref, roi, sal, scales, logits, boxes, attn, gauss] = await Promise.all([
      read(tensors.ref), read(tensors.roi), read(tensors.sal), read(tensors.scales), read(tensors.logits), read(tensors.boxes),
      read(tensors.attn), read(tensors.gauss),
    ]);
    const [refPt, spatial, content] = await Promise.all([read(tensors.refPt), read(tensors.spatial), read(tensors.content)]);
    const [sampling, levelRefs, refs, proposal] = await Promise.all([read(tensors.sampling), read(tensors.levelRefs), read(tensors.refs), read(tensors.proposal)]);
    return { ref, roi, sal, scales, attn, gauss, refPt, spatial, content, logits: logits!, boxes: boxes!, sampling, levelRefs, refs, proposal };
  } finally {
    for (const t of Object.values(tensors)) t?.dispose();
  }
}

/** Every layer's trace tensors, read whole: per kind, per layer, values and shape (null: none). */
export type WholeTrace = Record<RowKind | MapKind, { data: Float32Array; shape: number[] }[] | null> & { sampling?: WholeSampling };

/** Values in a decoder's trace tensors, all layers and kinds: what `wholeTrace` would read. */
export function traceSize(dec: DecoderOutput): number {
  let n = 0;
  for (const l of dec.layers) for (const get of [...Object.values(ROW_KINDS), ...Object.values(MAP_KINDS)]) n += get(l)?.size ?? 0;
  return n + samplingSize(dec);
}

/** Reads every layer's trace tensors once (for `pickQuerySlice`). */
export async function wholeTrace(dec: DecoderOutput): Promise<WholeTrace> {
  const kinds = { ...ROW_KINDS, ...MAP_KINDS } as Record<RowKind | MapKind, (l: Layer) => tf.Tensor | undefined>;
  const entries = await Promise.all(Object.entries(kinds).map(async ([kind, get]) => {
    if (!get(dec.layers[0])) return [kind, null] as const;
    const layers = await Promise.all(dec.layers.map(async (l) => {
      const t = get(l)!;
      return { data: (await t.data()) as Float32Array, shape: t.shape };
    }));
    return [kind, layers] as const;
  }));
  return { ...(Object.fromEntries(entries) as WholeTrace), sampling: await wholeSampling(dec) };
}

/** The query's part of a whole trace: the same values `downloadQuerySlice` reads. */
export function pickQuerySlice(whole: WholeTrace, query: number, smcaPrior: boolean): QuerySliceArrays {
  const rows = (layers: WholeTrace[RowKind]) => {
    if (!layers) return null;
    const parts = layers.map(({ data, shape }) => {
      const r = shape.slice(2).reduce((a, b) => a * b, 1);
      return data.subarray(query * r, (query + 1) * r);
    });
    return concat(parts);
  };
  const maps = (layers: WholeTrace[MapKind]) => {
    if (!layers) return null;
    const parts: Float32Array[] = [];
    for (const { data, shape } of layers) {
      const [, H, Q, hw] = shape;
      for (let h = 0; h < H; h++) parts.push(data.subarray((h * Q + query) * hw, (h * Q + query + 1) * hw));
    }
    return concat(parts);
  };
  return {
    ref: rows(whole.ref), roi: rows(whole.roi), sal: rows(whole.sal), scales: rows(whole.scales),
    attn: maps(whole.attn), gauss: smcaPrior ? maps(whole.gauss) : null, logits: rows(whole.logits)!, boxes: rows(whole.boxes)!,
    refPt: rows(whole.refPt), spatial: maps(whole.spatial), content: maps(whole.content),
    ...pickSampling(whole.sampling ?? null, query),
  };
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
