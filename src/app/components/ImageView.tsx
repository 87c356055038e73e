/**
 * One image view: the image and heatmap on a canvas, boxes/geometry/points on an SVG drawn by one
 * D3 renderer per layer (./view), zoom and pan with d3-zoom. All overlay coordinates are image
 * pixels inside one transformed group, so they stay aligned with the image under any zoom. Each
 * layer redraws when what it shows changes (its effect's dependencies), not on every render.
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { ColorLegend } from './ColorLegend';
import type { Contrast, MapKind } from '../colorScale';
import { easeCubicInOut, select, zoom as d3zoom, zoomIdentity, type ZoomBehavior } from 'd3';
import { fromRelative, toRelative, screenToImage, type Pt, type RelativeZoom, type Transform } from '../geometry';
import { layerGroup } from './view/layerGroup';
import { drawBoxes } from './view/boxesLayer';
import { drawGeometry } from './view/geometryLayer';
import { drawEncoderPoint, drawPoints } from './view/pointsLayer';
import { drawCanvas } from './view/canvasLayer';
import { drawSamplingPoints } from './view/samplingLayer';
import { drawDeformable } from './view/deformableLayer';
import { drawAnchorTrail } from './view/anchorTrailLayer';
import { drawReferencePoint } from './view/referencePointLayer';
import { AnchorTrailLegend } from './AnchorTrailLegend';
import { DURATION, type ViewOverlay } from './view/types';

export type { ShownDetection, ViewOverlay } from './view/types';

interface Props {
  id: number;
  title?: string;
  image: HTMLCanvasElement | null;
  imgW: number;
  imgH: number;
  overlay: ViewOverlay;
  zoom: RelativeZoom | null;
  onZoom: (z: RelativeZoom | null) => void;
  /**
   * A click on query q's box, which toggles it (see the selectQuery action); null: a click on
   * the image outside the boxes, which deselects. `ev`: the input event, for interaction timing.
   */
  onToggle: (query: number | null, ev?: { timeStamp: number }) => void;
  onHover: (query: number | null) => void;
  onImageClick?: (p: Pt) => void;
  svgRef?: (el: SVGSVGElement | null) => void;
  busy?: boolean;
  /** The colour scale of the map drawn on the image (its legend sits in the view's corner); null: no map. */
  legend?: { kind: MapKind; contrast: Contrast } | null;
}

/** True when `key` differs from its value at the previous call (not on the first): the layer should animate. */
function useChanged(key: string): () => boolean {
  const last = useRef('');
  return () => {
    const changed = last.current !== '' && last.current !== key;
    last.current = key;
    return changed;
  };
}

export function ImageView(props: Props) {
  const wrapRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const [size, setSize] = useState<[number, number]>([0, 0]);
  const zoomRef = useRef<ZoomBehavior<SVGSVGElement, unknown> | null>(null);
  // The latest props and transform for the d3-zoom handler registered once.
  const cb = useRef(props);
  const tRef = useRef<Transform>({ k: 1, x: 0, y: 0 });

  useEffect(() => {
    const el = wrapRef.current!;
    const ro = new ResizeObserver(() => setSize([el.clientWidth, el.clientHeight]));
    ro.observe(el);
    setSize([el.clientWidth, el.clientHeight]);
    return () => ro.disconnect();
  }, []);

  // The transform follows the (shared, relative) zoom state.
  const [vw, vh] = size;
  const { imgW, imgH, zoom, overlay: o, image } = props;
  const t: Transform = vw && vh && imgW ? fromRelative(zoom ?? { z: 1, cx: imgW / 2, cy: imgH / 2 }, vw, vh, imgW, imgH) : { k: 1, x: 0, y: 0 };
  useLayoutEffect(() => {
    cb.current = props;
    tRef.current = t;
  });

  // d3-zoom: wheel, drag, double-click zoom; user gestures update the shared zoom state.
  useEffect(() => {
    const svg = select(svgRef.current!);
    const z = d3zoom<SVGSVGElement, unknown>()
      .scaleExtent([0.05, 64])
      .filter((ev: Event) => (ev.type === 'wheel' || !(ev as MouseEvent).button) && ev.type !== 'dblclick')
      .on('zoom', (ev) => {
        if (!ev.sourceEvent) return;
        const p = cb.current;
        const el = wrapRef.current!;
        p.onZoom(toRelative({ k: ev.transform.k, x: ev.transform.x, y: ev.transform.y }, el.clientWidth, el.clientHeight, p.imgW, p.imgH));
      });
    svg.call(z);
    zoomRef.current = z;
    return () => {
      svg.on('.zoom', null);
    };
  }, []);

  // The zoomed group, and d3-zoom's internal state kept equal to ours (no event source: not re-emitted).
  useEffect(() => {
    const svg = svgRef.current!;
    layerGroup(svg, 'boxes');
    select(svg).select('g.root').attr('transform', `translate(${t.x},${t.y}) scale(${t.k})`);
    if (zoomRef.current) select(svg).call(zoomRef.current.transform, zoomIdentity.translate(t.x, t.y).scale(t.k));
  }, [t.k, t.x, t.y]);

  // Canvas: image + heatmap, cross-faded when the heatmap changes with the query or layer.
  const fade = useRef<{ prev: ViewOverlay['heat']; raf: number }>({ prev: null, raf: 0 });
  const heatMoved = useChanged(o.animKey);
  useEffect(() => {
    const c = canvasRef.current;
    if (!c || !vw || !vh) return;
    const f = fade.current;
    const prev = f.prev;
    const animate = heatMoved() && prev !== null && o.heat !== null && prev.key !== o.heat.key;
    cancelAnimationFrame(f.raf);
    f.prev = o.heat;
    if (!animate) return drawCanvas(c, vw, vh, t, image, imgW, imgH, o.heat, null, 1);
    const start = performance.now();
    const step = () => {
      const s = Math.min(1, (performance.now() - start) / DURATION);
      drawCanvas(c, vw, vh, t, image, imgW, imgH, o.heat, prev, easeCubicInOut(s));
      if (s < 1) f.raf = requestAnimationFrame(step);
    };
    step();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- t's fields are listed (t itself is a new object every render)
  }, [vw, vh, t.k, t.x, t.y, image, imgW, imgH, o.heat, o.animKey]);

  // The SVG layers, each when what it shows changes.
  const clickable = !props.onImageClick;
  useEffect(() => {
    drawBoxes(layerGroup(svgRef.current!, 'boxes'), {
      detections: o.detections, selected: o.selected, hovered: o.hovered, k: t.k, imgW, clickable, avoid: o.points.map((x) => x.p),
      onToggle: (q, ev) => cb.current.onToggle(q, ev), onHover: (q) => cb.current.onHover(q),
    });
  }, [o.detections, o.selected, o.hovered, t.k, imgW, clickable, o.points]);
  const geoMoved = useChanged(o.animKey);
  useEffect(() => {
    drawGeometry(layerGroup(svgRef.current!, 'geo'), o.refBox, o.roiBox, o.showGrid, geoMoved());
    // eslint-disable-next-line react-hooks/exhaustive-deps -- geoMoved compares animKey with its last value (a ref), listed via o.animKey
  }, [o.refBox, o.roiBox, o.showGrid, o.animKey]);
  const pointsMoved = useChanged(o.animKey);
  useEffect(() => {
    drawPoints(layerGroup(svgRef.current!, 'points'), o.points, t.k, pointsMoved());
    // eslint-disable-next-line react-hooks/exhaustive-deps -- pointsMoved compares animKey with its last value (a ref), listed via o.animKey
  }, [o.points, t.k, o.animKey]);
  useEffect(() => {
    drawEncoderPoint(layerGroup(svgRef.current!, 'enc'), o.encPoint, t.k);
  }, [o.encPoint, t.k]);
  useEffect(() => {
    drawSamplingPoints(layerGroup(svgRef.current!, 'samp'), o.samples, t.k);
  }, [o.samples, t.k]);
  useEffect(() => {
    drawDeformable(layerGroup(svgRef.current!, 'geo'), o.deformable ?? null, t.k);
  }, [o.deformable, t.k]);
  // DAB-DETR's anchor refinement, drawn with the reference box (in its layer group, above it).
  const trailMoved = useChanged(o.animKey);
  useEffect(() => {
    drawAnchorTrail(layerGroup(svgRef.current!, 'geo'), o.anchorTrail ?? null, t.k, trailMoved());
    // eslint-disable-next-line react-hooks/exhaustive-deps -- trailMoved compares animKey with its last value (a ref), listed via o.animKey
  }, [o.anchorTrail, t.k, o.animKey]);
  // Conditional DETR's reference point, with the geometry of the selected query.
  const refPointMoved = useChanged(o.animKey);
  useEffect(() => {
    drawReferencePoint(layerGroup(svgRef.current!, 'geo'), o.refPoint ?? null, t.k, refPointMoved());
    // eslint-disable-next-line react-hooks/exhaustive-deps -- refPointMoved compares animKey with its last value (a ref), listed via o.animKey
  }, [o.refPoint, t.k, o.animKey]);

  const onClick = (ev: React.MouseEvent<SVGSVGElement>) => {
    const r = svgRef.current!.getBoundingClientRect();
    const p = screenToImage([ev.clientX - r.left, ev.clientY - r.top], tRef.current);
    if (props.onImageClick) props.onImageClick(p);
    else props.onToggle(null, ev);
  };

  return (
    <div className="view" ref={wrapRef} data-view={props.id}>
      {props.title && <div className="view-title">{props.title}</div>}
      {o.anchorTrail && <AnchorTrailLegend trail={o.anchorTrail} />}
      {props.legend && (
        <div className="view-legend">
          <ColorLegend kind={props.legend.kind} contrast={props.legend.contrast} width={110} short />
        </div>
      )}
      {/* data-heat-grid: the heatmap's cells (a multi-scale layer's level), for the e2e suite. */}
      <canvas ref={canvasRef} className="view-canvas" style={{ width: vw, height: vh }} aria-hidden="true" data-heat-grid={o.heat ? `${o.heat.canvas.width}x${o.heat.canvas.height}` : ''} />
      <svg
        ref={(el) => {
          svgRef.current = el;
          props.svgRef?.(el);
        }}
        className="view-svg"
        width={vw}
        height={vh}
        role="img"
        aria-label={`${props.title ?? 'image'} with ${o.detections.length} detections`}
        onClick={onClick}
        onDoubleClick={() => props.onZoom(null)}
      />
      {props.busy && <div className="view-busy" aria-hidden="true" />}
    </div>
  );
}
