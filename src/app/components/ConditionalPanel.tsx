import { useEffect, useMemo, useRef } from 'react';
import type { QuerySlice } from '../../worker/messages';
import { cxcywhToImageBox, heatmapRect, type Frame, type Pt } from '../geometry';
import { PART_LABELS, REFERENCE_POINT_NOTE, attentionParts, referenceMark, type AttentionPart } from '../conditional';
import { drawThumb } from './view/thumb';
import { ColorLegend } from './ColorLegend';
import type { Contrast } from '../colorScale';
import type { Overlay } from '../state';

/** One Conditional DETR view: its title (side by side), selected or matched query's slice and frame. */
export interface ConditionalSide {
  title?: string;
  slice: QuerySlice;
  frame: Frame;
}

interface Props {
  image: HTMLCanvasElement;
  imgW: number;
  imgH: number;
  sides: ConditionalSide[];
  /** Visible heads (the head toggles apply here too). */
  heads: number[];
  /** 0-based decoder layer. */
  layer: number;
  overlay: Overlay;
  contrast: Contrast;
  onOverlay: (o: Overlay) => void;
}

const W = 150;

/**
 * Conditional DETR, for the selected query at the chosen layer: its cross-attention beside the
 * two parts its logit is the sum of, the spatial part alone (the paper's Figure 1: where the
 * reference point's embedding looks) and the content part alone, each the mean of the visible
 * heads on the one absolute scale of the other maps, with the reference point marked. A map
 * clicked becomes the image's overlay.
 */
export function ConditionalPanel({ image, imgW, imgH, sides, heads, layer, overlay, contrast, onOverlay }: Props) {
  return (
    <section className="conditional-panel" data-testid="conditional-panel" aria-label="Conditional DETR: cross-attention and its spatial and content parts">
      <h3>Conditional DETR cross-attention and its two parts, decoder layer {layer + 1}</h3>
      <p className="caption">
        Its cross-attention logit per head is q_content·k_content + q_spatial·k_pos, scaled by 1/√(2C/heads) (the head width of the concatenated query); each part is shown
        here through a softmax of its own, the mean of the {heads.length} visible head{heads.length === 1 ? '' : 's'}, on the same absolute scale as the
        combined map (dashed: the layer&apos;s predicted box; white dot: the reference point). In layer 1 the content part also carries DETR&apos;s query
        and key positions, as the official first layer adds them.
      </p>
      {sides.map((side, i) => (
        <PartRow key={i} side={side} image={image} imgW={imgW} imgH={imgH} heads={heads} layer={layer} overlay={overlay} contrast={contrast} onOverlay={onOverlay} />
      ))}
      <ColorLegend kind="seq" contrast={contrast} />
      <p className="caption" data-testid="reference-point-legend">
        <svg width="22" height="22" viewBox="-11 -11 22 22" aria-hidden="true" className="refpt-key">
          <circle r="8" fill="none" stroke="#000" strokeWidth="4" strokeOpacity="0.7" />
          <circle r="8" fill="none" stroke="#fff" strokeWidth="2" />
          <path d="M-11,0H-4M4,0H11M0,-11V-4M0,4V11" stroke="#888" strokeWidth="2" />
        </svg>{' '}
        on the image: {REFERENCE_POINT_NOTE}
      </p>
    </section>
  );
}

interface RowProps {
  side: ConditionalSide;
  image: HTMLCanvasElement;
  imgW: number;
  imgH: number;
  heads: number[];
  layer: number;
  overlay: Overlay;
  contrast: Contrast;
  onOverlay: (o: Overlay) => void;
}

function PartRow({ side, image, imgW, imgH, heads, layer, overlay, contrast, onOverlay }: RowProps) {
  const { slice, frame } = side;
  const headsKey = heads.join();
  // Recomputed only when the slice, layer or visible heads change (not on hover or zoom).
  const parts = useMemo(() => attentionParts(slice, layer, headsKey.split(',').filter(Boolean).map(Number)), [slice, layer, headsKey]);
  const mark = referenceMark(slice, frame, layer);
  if (!parts) return null;
  const l = Math.min(layer, slice.layers - 1);
  return (
    <div className="part-row" data-testid="part-row" data-query={slice.query}>
      <span className="layer-row-title">
        {side.title ? `${side.title}, ` : ''}query #{slice.query}
        {mark && ` · reference point (${mark.norm[0].toFixed(3)}, ${mark.norm[1].toFixed(3)}) of the padded input`}
      </span>
      <div className="layer-thumbs">
        {parts.map(({ part, map }) => {
          const on = overlay === part || (part === 'attention' && overlay === 'heads');
          // The map's largest cell as a multiple of the uniform share: the number a faint map's colour stands for.
          const peak = map ? Math.max(...map) * map.length : null;
          return (
            <button
              key={part} type="button" className={'layer-thumb part-thumb' + (on ? ' on' : '')} aria-pressed={on} title={PART_LABELS[part].what}
              aria-label={`${PART_LABELS[part].title}, layer ${l + 1}: show it on the image`} data-testid="attention-part" data-part={part}
              data-cells={map?.length ?? 0} data-sum={map ? map.reduce((a, v) => a + v, 0).toFixed(4) : ''} onClick={() => onOverlay(part)}
            >
              <PartThumb image={image} imgW={imgW} imgH={imgH} map={map} slice={slice} frame={frame} layer={l} point={mark?.p ?? null} contrast={contrast} part={part} />
              <span>{PART_LABELS[part].title}</span>
              <span className="part-peak" data-testid="part-peak">{peak === null ? 'no head shown' : `peak ${peak.toFixed(peak < 10 ? 2 : 0)}× uniform`}</span>
            </button>
          );
        })}
      </div>
    </div>
  );
}

interface ThumbProps {
  image: HTMLCanvasElement;
  imgW: number;
  imgH: number;
  map: Float32Array | null;
  slice: QuerySlice;
  frame: Frame;
  layer: number;
  point: Pt | null;
  contrast: Contrast;
  part: AttentionPart;
}

function PartThumb({ image, imgW, imgH, map, slice, frame, layer, point, contrast, part }: ThumbProps) {
  const ref = useRef<HTMLCanvasElement>(null);
  const h = Math.max(1, Math.round((W * imgH) / Math.max(1, imgW)));
  const box = slice.predictions[layer]?.box;
  // Compared by value: new arrays every render, the same numbers.
  const boxKey = box ? cxcywhToImageBox(box, frame).join() : '';
  const rectKey = heatmapRect(frame).join();
  const pointKey = point ? point.join() : '';
  useEffect(() => {
    if (!ref.current) return;
    const b = boxKey ? (boxKey.split(',').map(Number) as [number, number, number, number]) : null;
    const rect = rectKey.split(',').map(Number) as [number, number, number, number];
    const p = pointKey ? (pointKey.split(',').map(Number) as Pt) : null;
    drawThumb(ref.current, W, { image, imgW, imgH, map, featW: slice.featW, featH: slice.featH, kind: 'seq', contrast, heatRect: rect, box: b, point: p });
  }, [image, imgW, imgH, map, slice.featW, slice.featH, boxKey, rectKey, pointKey, contrast]);
  return <canvas ref={ref} width={W} height={h} aria-hidden="true" data-part={part} data-grid={`${slice.featW}x${slice.featH}`} />;
}
