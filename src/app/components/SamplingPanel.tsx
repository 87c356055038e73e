import { useEffect, useRef } from 'react';
import type { EncoderPointsSlice } from '../../worker/messages';
import type { Pt } from '../geometry';
import { levelShares, maxWeight, type SamplingMark } from '../multiScale';
import { headColor } from '../palette';
import { headVisible } from '../state';
import { SamplingLegend } from './SamplingLegend';
import { drawSamplingThumb } from './view/samplingThumb';

interface Props {
  image: HTMLCanvasElement | null;
  imgW: number;
  imgH: number;
  points: EncoderPointsSlice;
  /** The visible heads' marks (image px), as the main view draws them. */
  marks: SamplingMark[];
  /** The clicked location (image px) and its cell of the stride-8 grid. */
  location: Pt | null;
  cell: { col: number; row: number } | null;
  /** Head visibility mask (the head toggles). */
  mask: number;
  onShow: (h: number) => void;
  onSolo: (h: number) => void;
  /** Moves the location by whole cells (keyboard access to what a click picks). */
  onMove: (dx: number, dy: number) => void;
}

const W = 132;
const MOVES: [string, string, number, number][] = [
  ['←', 'left', -1, 0], ['↑', 'up', 0, -1], ['↓', 'down', 0, 1], ['→', 'right', 1, 0],
];

/**
 * Multi-scale encoder tab: where the deformable self-attention of the clicked location samples
 * (Deformable DETR's Figure 6), with its legend, one panel per head (hidden heads collapse to a
 * button, as in the small multiples) giving the head's weight on each level, buttons that move
 * the location by keyboard, and the same numbers as a table for screen readers.
 */
export function SamplingPanel(p: Props) {
  const { points } = p;
  const levels = points.levels;
  const P = points.points[0]?.[0]?.length ?? 0;
  const visible = Array.from({ length: points.heads }, (_, h) => h).filter((h) => headVisible(p.mask, h));
  const where = p.cell ? `cell (${p.cell.col}, ${p.cell.row}) of the stride-${levels[0]?.stride} grid` : 'the clicked location';
  return (
    <section className="small-multiples sampling" data-testid="sampling-panel" data-layer={points.layer + 1} data-index={points.index} aria-label="Deformable encoder attention of the clicked location">
      <h3>
        Deformable encoder attention, layer {points.layer + 1}: where {where} samples ({points.heads} heads × {levels.length} levels × {P} points)
      </h3>
      <div className="sampling-bar">
        <SamplingLegend levels={levels} top={maxWeight(points, visible)} />
        <span className="cell-nav" role="group" aria-label="Move the location one cell">
          <span className="muted" aria-hidden="true">
            move by a cell
          </span>
          {MOVES.map(([arrow, dir, dx, dy]) => (
            <button key={dir} type="button" data-testid={`move-location-${dir}`} aria-label={`Move the location one cell ${dir}`} onClick={() => p.onMove(dx, dy)}>
              {arrow}
            </button>
          ))}
        </span>
      </div>
      <div className="sm-grid">
        {Array.from({ length: points.heads }, (_, h) =>
          headVisible(p.mask, h) ? (
            <HeadPanel key={h} head={h} props={p} />
          ) : (
            <button key={h} type="button" className="sm-hidden" onClick={() => p.onShow(h)} style={{ width: W }}>
              head {h + 1} hidden — show
            </button>
          ),
        )}
      </div>
      <table className="sr-only">
        <caption>Share of each head&apos;s attention weight per level</caption>
        <thead>
          <tr>
            <th>head</th>
            {levels.map((g) => (
              <th key={g.stride}>stride {g.stride}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {visible.map((h) => (
            <tr key={h}>
              <td>{h + 1}</td>
              {levelShares(points, h).map((v, i) => (
                <td key={i}>{(v * 100).toFixed(0)}%</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function HeadPanel({ head, props }: { head: number; props: Props }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const { image, imgW, imgH, marks, location, points } = props;
  const h = Math.max(1, Math.round((W * imgH) / Math.max(1, imgW)));
  const shares = levelShares(points, head);
  const locKey = location?.join() ?? '';
  useEffect(() => {
    const loc = locKey ? (locKey.split(',').map(Number) as Pt) : null;
    if (ref.current) drawSamplingThumb(ref.current, W, { image, imgW, imgH, location: loc, marks: marks.filter((m) => m.head === head) });
  }, [image, imgW, imgH, marks, head, locKey]);
  const text = points.levels.map((g, i) => `/${g.stride} ${(shares[i] * 100).toFixed(0)}%`).join(' · ');
  return (
    <figure className="sm-cell" style={{ '--head': headColor(head) } as React.CSSProperties}>
      <canvas
        ref={ref} width={W} height={h} data-testid="sampling-head" data-head={head} data-shares={shares.map((v) => v.toFixed(4)).join(',')}
        role="img" aria-label={`Head ${head + 1}: weight per level ${text}`} onDoubleClick={() => props.onSolo(head)} title="double-click: only this head"
      />
      <figcaption>
        <span className="swatch" aria-hidden="true" /> head {head + 1}
        <span className="level-shares">{text}</span>
      </figcaption>
    </figure>
  );
}
