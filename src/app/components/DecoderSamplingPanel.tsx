import type { QuerySlice } from '../../worker/messages';
import { layerPoints, proposalLabel, samplingCount } from '../deformable';
import { levelShares, maxWeight } from '../multiScale';
import { headColor } from '../palette';
import { SamplingLegend } from './SamplingLegend';

interface Props {
  title?: string;
  slice: QuerySlice;
  /** 0-based decoder layer. */
  layer: number;
  /** Visible heads. */
  heads: number[];
}

const fmt = (v: number[]) => v.map((x) => x.toFixed(3)).join(', ');

/**
 * Deformable DETR, decoder tab: how to read the selected query's sampling points at the layer
 * (level shapes, marker area per weight), the reference the layer reads, the two-stage proposal,
 * and each visible head's share of weight per level.
 */
export function DecoderSamplingPanel({ title, slice, layer, heads }: Props) {
  const s = slice.sampling;
  if (!s) return null;
  const l = Math.max(0, Math.min(layer, s.points.length - 1));
  const pts = layerPoints(s, l);
  const top = maxWeight(pts, heads);
  const ref = s.references[l] ?? [];
  return (
    <section className="small-multiples sampling" data-testid="decoder-sampling" data-layer={l + 1} data-query={slice.query} aria-label="Deformable cross-attention of the selected query">
      <h3>
        {title ? `${title}: ` : ''}query #{slice.query}, decoder layer {l + 1}: where its deformable cross-attention samples ({samplingCount(s)}); marker area ∝ attention weight
        (the largest shown, {top.toFixed(3)}, gets the largest marker; a head&apos;s weights sum to 1)
      </h3>
      <SamplingLegend levels={s.levels} top={top} />
      <p className="muted" data-testid="deformable-reference">
        {ref.length === 4 ? `reference box (cx, cy, w, h) ${fmt(ref)}, its centre marked ⊕` : `reference point (x, y) ${fmt(ref)}, marked ⊕`}
        {s.proposal ? ` · ${proposalLabel(s)} (dotted cyan box)` : ''}
      </p>
      <table className="level-share-table" data-testid="decoder-level-shares">
        <caption className="sr-only">Share of each visible head&apos;s weight per level</caption>
        <thead>
          <tr>
            <th>head</th>
            {s.levels.map((g) => (
              <th key={g.stride}>/{g.stride}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {heads.filter((h) => h < pts.heads).map((h) => (
            <tr key={h}>
              <td style={{ color: headColor(h) }}>■ {h + 1}</td>
              {levelShares(pts, h).map((v, i) => (
                <td key={i}>{(v * 100).toFixed(0)}%</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
