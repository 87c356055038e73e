import { useEffect, useMemo, useRef } from 'react';
import type { QuerySlice } from '../../worker/messages';
import { cxcywhToImageBox, heatmapRect, type Frame } from '../geometry';
import { meanMaps } from '../heatmap';
import { attentionConcentration } from '../concentration';
import { drawThumb } from './view/thumb';
import { drawSamplingThumb } from './view/samplingThumb';
import { samplingMarks } from '../multiScale';
import { layerPoints } from '../deformable';
import { ConcentrationChart } from './ConcentrationChart';
import { layerGrid } from '../multiScale';
import { ColorLegend } from './ColorLegend';
import type { Contrast } from '../colorScale';

/** One model of the comparison: its selected (or matched) query's slice and its view frame. */
export interface CompareSide {
  title: string;
  slice: QuerySlice;
  frame: Frame;
}

interface Props {
  image: HTMLCanvasElement;
  imgW: number;
  imgH: number;
  /** The main view's model and the second view's. */
  sides: CompareSide[];
  /** Visible heads (the head toggles apply here too). */
  heads: number[];
  layer: number;
  onLayer: (layer: number) => void;
  contrast: Contrast;
}

const W = 104;

/**
 * Side by side, for the selected query and its match in the other model: the cross-attention of
 * every decoder layer (mean of the visible heads, with that layer's predicted box), and how
 * concentrated it is per layer. Where DETR's attention is still spread over the image in its
 * first layers, SAM-DETR's sits on the object from layer 1: the paper's claim, on this image.
 */
export function CompareAttention({ image, imgW, imgH, sides, heads, layer, onLayer, contrast }: Props) {
  const headsKey = heads.join();
  const [s0, s1] = sides.map((x) => x.slice);
  // Recomputed only when a slice or the visible heads change (not on hover or zoom).
  const conc = useMemo(
    () => [s0, s1].map((sl) => attentionConcentration(sl, headsKey.split(',').filter(Boolean).map(Number))),
    [s0, s1, headsKey],
  );
  const layers = Math.max(...sides.map((x) => x.slice.layers));
  return (
    <section className="compare-attention" data-testid="compare-attention" data-query0={s0.query} data-query1={s1.query} aria-label="Cross-attention per layer, both models">
      <h3>
        Query #{s0.query} of {sides[0].title} and its match #{s1.query} of {sides[1].title}: cross-attention per decoder layer
      </h3>
      {sides.map((side, i) => (
        <LayerRow key={i} index={i} side={side} image={image} imgW={imgW} imgH={imgH} heads={heads} headsKey={headsKey} layer={layer} onLayer={onLayer} contrast={contrast} />
      ))}
      <ColorLegend kind="seq" contrast={contrast} />
      <ConcentrationChart
        series={sides.map((x, i) => ({ label: `${x.title} #${x.slice.query}`, values: conc[i] }))}
        layers={layers} layer={layer} onLayer={onLayer} nHeads={heads.length}
      />
      {sides.some((x) => x.slice.sampling) && (
        <p className="muted" data-testid="sampling-concentration-note">
          Deformable DETR has no attention map: its thumbnails show the layer&apos;s sampling points, and its measures put each point&apos;s weight at its
          location: the weight share of the points inside the box, and the entropy of the weights gathered per cell of their levels over log of all levels&apos; cells.
        </p>
      )}
    </section>
  );
}

interface RowProps {
  index: number;
  side: CompareSide;
  image: HTMLCanvasElement;
  imgW: number;
  imgH: number;
  heads: number[];
  headsKey: string;
  layer: number;
  onLayer: (layer: number) => void;
  contrast: Contrast;
}

function LayerRow({ index, side, image, imgW, imgH, heads, headsKey, layer, onLayer, contrast }: RowProps) {
  const { slice, frame } = side;
  // The mean maps, once per slice and head set (each thumbnail redraws only when its map changes).
  const maps = useMemo(
    () => slice.attention.map((m) => meanMaps(m, headsKey.split(',').filter(Boolean).map(Number).filter((h) => h < m.length))),
    [slice, headsKey],
  );
  const shown = Math.min(layer, slice.layers);
  return (
    <div className="layer-row" data-testid="layer-row" data-model={index}>
      <span className="layer-row-title">{side.title}</span>
      <div className="layer-thumbs">
        {maps.map((map, l) => {
          // A multi-scale layer's map is on the level it reads: its own grid, named under it.
          const g = layerGrid(slice, l);
          const level = g.stride ? `, stride ${g.stride}` : '';
          return (
            <button
              key={l} type="button" className={'layer-thumb' + (l + 1 === shown ? ' on' : '')} aria-pressed={l + 1 === shown}
              aria-label={`${side.title}, decoder layer ${l + 1}${level}: show this layer`} data-testid="layer-map" data-model={index} data-layer={l + 1}
              data-cells={map?.length ?? 0} onClick={() => onLayer(l + 1)}
            >
              <LayerThumb image={image} imgW={imgW} imgH={imgH} map={heads.length ? map : null} slice={slice} frame={frame} layer={l} contrast={contrast} headsKey={headsKey} />
              <span>layer {l + 1}{g.stride ? ` · /${g.stride}` : ''}</span>
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
  contrast: Contrast;
  /** The visible heads (Deformable DETR's thumbnails draw their sampling points). */
  headsKey: string;
}

function LayerThumb({ image, imgW, imgH, map, slice, frame, layer, contrast, headsKey }: ThumbProps) {
  const ref = useRef<HTMLCanvasElement>(null);
  const h = Math.max(1, Math.round((W * imgH) / Math.max(1, imgW)));
  const box = slice.predictions[layer]?.box;
  // Boxes and rectangles compared by value: new arrays every render, the same numbers.
  const boxKey = box ? cxcywhToImageBox(box, frame).join() : '';
  const rectKey = heatmapRect(frame).join();
  const { featW, featH } = layerGrid(slice, layer);
  const sampling = slice.sampling;
  useEffect(() => {
    if (!ref.current) return;
    const b = boxKey ? (boxKey.split(',').map(Number) as [number, number, number, number]) : null;
    const rect = rectKey.split(',').map(Number) as [number, number, number, number];
    drawThumb(ref.current, W, { image, imgW, imgH, map, featW, featH, kind: 'seq', contrast, heatRect: rect, box: b, point: null });
    // Deformable DETR has no map: the layer's sampling points of the visible heads instead.
    if (sampling) {
      const marks = samplingMarks(layerPoints(sampling, layer), frame, headsKey.split(',').filter(Boolean).map(Number));
      drawSamplingThumb(ref.current, W, { image: null, imgW, imgH, location: null, marks, over: true });
    }
  }, [image, imgW, imgH, map, featW, featH, boxKey, rectKey, contrast, sampling, layer, frame, headsKey]);
  return <canvas ref={ref} width={W} height={h} aria-hidden="true" data-grid={`${featW}x${featH}`} />;
}
