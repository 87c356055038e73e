/**
 * Deformable DETR's decoder in a query slice: its sampling points per layer, head, level and
 * point, the reference each layer reads, and the two-stage proposal, in the protocol's shape
 * (QuerySlice.sampling), built from the flat arrays of samplingSlice.ts.
 */
import type { LayerGrid } from './messages';
import type { SamplingSliceArrays } from './samplingSlice';

/** Where one query's deformable cross-attention samples, layer by layer. */
export interface DecoderSampling {
  /** Per level (finest first: strides 8, 16, 32, 64 for Deformable DETR): its grid. */
  levels: LayerGrid[];
  /**
   * [L][heads][levels][points] = [x, y, weight]: x, y relative to that level's padded map (the
   * model's normalised coordinates; outside [0, 1] the sample reads zeros), weight the softmax
   * over the head's levels x points (a head's weights sum to 1).
   */
  points: number[][][][][];
  /** [L] the reference the layer reads, of the padded input: a point (x, y) or, after box refinement or two-stage, a box (cx, cy, w, h). */
  references: number[][];
  /** [L][levels] the reference as each level reads it (times the level's valid ratio), 2 or 4 values. */
  levelReferences: number[][][];
  /** Two-stage only: the encoder proposal the query was taken from. */
  proposal?: DecoderProposal;
}

export interface DecoderProposal {
  /** Its memory token (levels concatenated, finest first). */
  token: number;
  /** The level and the cell (col, row) of that level's grid the token is. */
  level: number;
  col: number;
  row: number;
  /** The proposal's box after the encoder's box head (sigmoid cxcywh of the padded input). */
  box: number[];
}

/** The level and cell of a memory token of the concatenated levels. */
export function tokenCell(levels: LayerGrid[], token: number): { level: number; col: number; row: number } {
  let rest = token;
  for (let level = 0; level < levels.length; level++) {
    const n = levels[level].featH * levels[level].featW;
    if (rest < n) return { level, col: rest % levels[level].featW, row: Math.floor(rest / levels[level].featW) };
    rest -= n;
  }
  throw new Error(`memory token ${token} beyond the ${levels.length} levels`);
}

/**
 * The protocol's form of a query's sampling trace. `heads`, `points`: per head and level;
 * `refDims`: per layer, 2 (a point) or 4 (a box), as the trace's layers hold them.
 */
export function decoderSampling(t: SamplingSliceArrays, levels: LayerGrid[], heads: number, points: number, refDims: number[]): DecoderSampling | undefined {
  if (!t.sampling || !t.levelRefs || !t.refs) return undefined;
  const L = levels.length;
  const perLayer = heads * L * points * 3;
  let refAt = 0;
  let levelRefAt = 0;
  const out: DecoderSampling = { levels, points: [], references: [], levelReferences: [] };
  refDims.forEach((d, l) => {
    const s = t.sampling!.subarray(l * perLayer, (l + 1) * perLayer);
    out.points.push(Array.from({ length: heads }, (_, h) => Array.from({ length: L }, (_, lv) => Array.from({ length: points }, (_, p) => {
      const i = ((h * L + lv) * points + p) * 3;
      return [s[i], s[i + 1], s[i + 2]];
    }))));
    out.references.push(Array.from(t.refs!.subarray(refAt, refAt + d)));
    refAt += d;
    out.levelReferences.push(Array.from({ length: L }, (_, lv) => Array.from(t.levelRefs!.subarray(levelRefAt + lv * d, levelRefAt + (lv + 1) * d))));
    levelRefAt += L * d;
  });
  if (t.proposal) {
    const token = Math.round(t.proposal[0]);
    out.proposal = { token, ...tokenCell(levels, token), box: Array.from(t.proposal.subarray(1, 5)) };
  }
  return out;
}
