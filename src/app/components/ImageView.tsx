/**
 * One image view: the image and heatmap on a canvas, boxes/points/grids on an SVG drawn with D3,
 * zoom and pan with d3-zoom. All overlay coordinates are image pixels inside one transformed group,
 * so they stay aligned with the image under any zoom.
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { select, zoom as d3zoom, zoomIdentity, easeCubicInOut, type ZoomBehavior, type BaseType, type Selection } from 'd3';
import { fromRelative, toRelative, roiGridLines, screenToImage, type Box, type Pt, type RelativeZoom, type Transform } from '../geometry';
import { headColor } from '../palette';
import { placeLabels } from '../labelLayout';

export interface ShownDetection {
  query: number;
  label: number;
  score: number;
  box: Box;
  name: string;
  color: string;
}

export interface ViewOverlay {
  detections: ShownDetection[];
  selected: number | null;
  hovered: number | null;
  refBox: Box | null;
  roiBox: Box | null;
  showGrid: boolean;
  points: { head: number; p: Pt }[];
  /** Heatmap at feature resolution and the image rectangle it covers. */
  heat: { canvas: HTMLCanvasElement; rect: Box; key: string } | null;
  encPoint: Pt | null;
  /** Changes when the layer/query changes: the overlay animates to the new geometry. */
  animKey: string;
}

interface Props {
  id: number;
  title?: string;
  image: HTMLCanvasElement | null;
  imgW: number;
  imgH: number;
  overlay: ViewOverlay;
  zoom: RelativeZoom | null;
  onZoom: (z: RelativeZoom | null) => void;
  /** `ev`: the input event, for interaction timing. */
  onSelect: (query: number | null, ev?: { timeStamp: number }) => void;
  onHover: (query: number | null) => void;
  onImageClick?: (p: Pt) => void;
  svgRef?: (el: SVGSVGElement | null) => void;
  busy?: boolean;
}

const DURATION = 450;

export function ImageView(props: Props) {
  const wrapRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const [size, setSize] = useState<[number, number]>([0, 0]);
  const zoomRef = useRef<ZoomBehavior<SVGSVGElement, unknown> | null>(null);
  const tRef = useRef<Transform>({ k: 1, x: 0, y: 0 });
  const fadeRef = useRef<{ prev: ViewOverlay['heat']; start: number; raf: number }>({ prev: null, start: 0, raf: 0 });
  const lastHeat = useRef<ViewOverlay['heat']>(null);
  const lastAnim = useRef<string>('');
  // The latest props for the D3 handlers registered once (updated after each commit, before other effects).
  const cb = useRef(props);

  useEffect(() => {
    const el = wrapRef.current!;
    const ro = new ResizeObserver(() => setSize([el.clientWidth, el.clientHeight]));
    ro.observe(el);
    setSize([el.clientWidth, el.clientHeight]);
    return () => ro.disconnect();
  }, []);

  // The transform follows the (shared, relative) zoom state.
  const [vw, vh] = size;
  const t: Transform = vw && vh && props.imgW ? fromRelative(props.zoom ?? { z: 1, cx: props.imgW / 2, cy: props.imgH / 2 }, vw, vh, props.imgW, props.imgH) : { k: 1, x: 0, y: 0 };
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
        const tr = { k: ev.transform.k, x: ev.transform.x, y: ev.transform.y };
        p.onZoom(toRelative(tr, el.clientWidth, el.clientHeight, p.imgW, p.imgH));
      });
    svg.call(z);
    zoomRef.current = z;
    return () => {
      svg.on('.zoom', null);
    };
  }, []);

  useEffect(() => {
    if (!zoomRef.current || !svgRef.current) return;
    // Keep d3-zoom's internal state equal to ours (no event source: not re-emitted).
    select(svgRef.current).call(zoomRef.current.transform, zoomIdentity.translate(t.x, t.y).scale(t.k));
  }, [t.k, t.x, t.y]);

  // Canvas: image + heatmap (cross-faded when it changes).
  useEffect(() => {
    const draw = (fadeT: number) => {
      const c = canvasRef.current;
      if (!c || !vw || !vh) return;
      const dpr = window.devicePixelRatio || 1;
      if (c.width !== Math.round(vw * dpr) || c.height !== Math.round(vh * dpr)) {
        c.width = Math.round(vw * dpr);
        c.height = Math.round(vh * dpr);
      }
      const ctx = c.getContext('2d')!;
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, c.width, c.height);
      const tr = tRef.current;
      ctx.setTransform(dpr * tr.k, 0, 0, dpr * tr.k, dpr * tr.x, dpr * tr.y);
      const p = cb.current;
      if (p.image) {
        ctx.imageSmoothingEnabled = tr.k < 4;
        ctx.drawImage(p.image, 0, 0, p.imgW, p.imgH);
      }
      ctx.imageSmoothingEnabled = false;
      const drawHeat = (h: ViewOverlay['heat'], alpha: number) => {
        if (!h || alpha <= 0) return;
        ctx.globalAlpha = alpha;
        const [x1, y1, x2, y2] = h.rect;
        ctx.save();
        ctx.beginPath();
        ctx.rect(0, 0, p.imgW, p.imgH);
        ctx.clip();
        ctx.drawImage(h.canvas, x1, y1, x2 - x1, y2 - y1);
        ctx.restore();
        ctx.globalAlpha = 1;
      };
      const f = fadeRef.current;
      if (fadeT < 1) drawHeat(f.prev, 1 - fadeT);
      drawHeat(p.overlay.heat, fadeT);
    };
    const heat = props.overlay.heat;
    const changed = (heat?.key ?? '') !== (lastHeat.current?.key ?? '');
    const animate = changed && props.overlay.animKey !== lastAnim.current && lastHeat.current !== null && heat !== null;
    const f = fadeRef.current;
    cancelAnimationFrame(f.raf);
    if (animate) {
      f.prev = lastHeat.current;
      f.start = performance.now();
      const step = () => {
        const s = Math.min(1, (performance.now() - f.start) / DURATION);
        draw(easeCubicInOut(s));
        if (s < 1) f.raf = requestAnimationFrame(step);
      };
      step();
    } else draw(1);
    lastHeat.current = heat;
  });

  // SVG overlay with D3.
  useEffect(() => {
    const svg = select(svgRef.current!);
    const p = props;
    const o = p.overlay;
    const animate = o.animKey !== lastAnim.current && lastAnim.current !== '';
    lastAnim.current = o.animKey;
    const k = t.k;
    const root = svg.selectAll<SVGGElement, null>('g.root').data([null]).join('g').attr('class', 'root')
      .attr('transform', `translate(${t.x},${t.y}) scale(${k})`);
    const layer = (name: string) => root.selectAll<SVGGElement, null>(`g.${name}`).data([null]).join('g').attr('class', name);

    // Detection boxes.
    const boxes = layer('boxes').selectAll<SVGGElement, ShownDetection>('g.det').data(o.detections, (d) => String(d.query))
      .join((en) => {
        const g = en.append('g').attr('class', 'det');
        g.append('rect').attr('data-testid', 'detection-box').attr('vector-effect', 'non-scaling-stroke');
        g.append('rect').attr('class', 'label-bg');
        g.append('text').attr('class', 'label');
        return g;
      });
    boxes.select<SVGRectElement>('rect[data-testid=detection-box]')
      .attr('data-query', (d) => d.query).attr('data-score', (d) => d.score.toFixed(4)).attr('data-label', (d) => d.name)
      .attr('aria-label', (d) => `query ${d.query}: ${d.name} ${(d.score * 100).toFixed(0)}%`)
      .attr('x', (d) => d.box[0]).attr('y', (d) => d.box[1])
      .attr('width', (d) => Math.max(0, d.box[2] - d.box[0])).attr('height', (d) => Math.max(0, d.box[3] - d.box[1]))
      .attr('fill', 'transparent').attr('stroke', (d) => d.color)
      .attr('stroke-width', (d) => (d.query === o.selected ? 3 : d.query === o.hovered ? 2.5 : 1.5))
      .attr('stroke-dasharray', (d) => (o.selected !== null && d.query !== o.selected ? '4 3' : null))
      .attr('opacity', (d) => (o.selected === null || d.query === o.selected || d.query === o.hovered ? 1 : 0.55))
      .style('cursor', 'pointer')
      // In encoder mode a click anywhere picks a source location, boxes included.
      .attr('pointer-events', p.onImageClick ? 'none' : null)
      .on('click', (ev: MouseEvent, d) => {
        ev.stopPropagation();
        cb.current.onSelect(cb.current.overlay.selected === d.query ? null : d.query, ev);
      })
      .on('mouseenter', (_ev, d) => cb.current.onHover(d.query))
      .on('mouseleave', () => cb.current.onHover(null));
    const fs = 12 / k;
    // With a query selected, only its label (and the hovered one) stays, so the geometry is readable.
    const labelOn = (d: ShownDetection) => o.selected === null || d.query === o.selected || d.query === o.hovered;
    boxes.select('text.label').attr('display', (d) => (labelOn(d) ? null : 'none'));
    boxes.select('rect.label-bg').attr('display', (d) => (labelOn(d) ? null : 'none'));
    // Labels (detections come best first) above their boxes, moved inside where that would leave the image or cover another.
    const shownLabels = o.detections.filter(labelOn);
    const rects = placeLabels(shownLabels.map((d) => ({ box: d.box, width: (d.name.length + 5) * fs * 0.6 + 6 / k })), fs + 6 / k, p.imgW);
    const rectOf = new Map(shownLabels.map((d, i) => [d.query, rects[i]]));
    const at = (d: ShownDetection) => rectOf.get(d.query) ?? { x: d.box[0], y: d.box[1], w: 0, h: 0 };
    boxes.select('text.label').text((d) => `${d.name} ${(d.score * 100).toFixed(0)}%`)
      .attr('x', (d) => at(d).x + 3 / k).attr('y', (d) => at(d).y + fs + 2 / k).attr('font-size', fs)
      .attr('fill', '#111').attr('pointer-events', 'none');
    boxes.select('rect.label-bg')
      .attr('x', (d) => at(d).x).attr('y', (d) => at(d).y)
      .attr('width', (d) => at(d).w).attr('height', fs + 6 / k)
      .attr('fill', (d) => d.color).attr('opacity', 0.9).attr('pointer-events', 'none');

    // Reference box, RoI box and its 7x7 grid.
    const geo = layer('geo');
    const tr = <T extends BaseType, D>(s: Selection<T, D, SVGGElement, null>) =>
      animate ? s.transition().duration(DURATION).ease(easeCubicInOut) : s;
    const ref = geo.selectAll<SVGRectElement, Box>('rect.ref').data(o.refBox ? [o.refBox] : []).join('rect').attr('class', 'ref')
      .attr('data-testid', 'reference-box').attr('fill', 'none').attr('stroke', '#fff').attr('stroke-dasharray', '6 4')
      .attr('stroke-width', 2).attr('vector-effect', 'non-scaling-stroke').attr('pointer-events', 'none');
    (tr(ref) as typeof ref).attr('x', (b) => b[0]).attr('y', (b) => b[1]).attr('width', (b) => b[2] - b[0]).attr('height', (b) => b[3] - b[1]);
    const lines = o.roiBox && o.showGrid ? roiGridLines(o.roiBox, 7) : [];
    const gl = geo.selectAll<SVGLineElement, Box>('line.grid').data(lines).join('line').attr('class', 'grid')
      .attr('data-testid', 'roi-grid-line').attr('stroke', '#9ef').attr('stroke-opacity', 0.65).attr('stroke-width', 1)
      .attr('vector-effect', 'non-scaling-stroke').attr('pointer-events', 'none');
    (tr(gl) as typeof gl).attr('x1', (l) => l[0]).attr('y1', (l) => l[1]).attr('x2', (l) => l[2]).attr('y2', (l) => l[3]);

    // Salient points, one per visible head.
    const pts = layer('points').selectAll<SVGGElement, { head: number; p: Pt }>('g.pt').data(o.points, (d) => String(d.head))
      .join((en) => {
        const g = en.append('g').attr('class', 'pt').attr('data-testid', 'salient-point');
        g.append('circle');
        g.append('text');
        return g;
      })
      .attr('data-head', (d) => d.head).attr('pointer-events', 'none');
    (tr(pts) as typeof pts).attr('transform', (d) => `translate(${d.p[0]},${d.p[1]})`)
      .attr('data-x', (d) => d.p[0].toFixed(2)).attr('data-y', (d) => d.p[1].toFixed(2));
    pts.select('circle').attr('r', 6 / k).attr('fill', (d) => headColor(d.head)).attr('stroke', '#000').attr('stroke-width', 1.5 / k);
    pts.select('text').text((d) => String(d.head + 1)).attr('font-size', 9 / k).attr('text-anchor', 'middle').attr('dy', 3 / k)
      .attr('fill', '#000').attr('font-weight', 700);

    // Encoder attention source.
    layer('enc').selectAll<SVGPathElement, Pt>('path.enc').data(o.encPoint ? [o.encPoint] : []).join('path').attr('class', 'enc')
      .attr('data-testid', 'encoder-point')
      .attr('d', (q) => `M${q[0] - 8 / k},${q[1]}H${q[0] + 8 / k}M${q[0]},${q[1] - 8 / k}V${q[1] + 8 / k}`)
      .attr('stroke', '#0ff').attr('stroke-width', 3).attr('vector-effect', 'non-scaling-stroke').attr('pointer-events', 'none');
  });

  const onClick = (ev: React.MouseEvent<SVGSVGElement>) => {
    const r = svgRef.current!.getBoundingClientRect();
    const p = screenToImage([ev.clientX - r.left, ev.clientY - r.top], tRef.current);
    if (props.onImageClick) props.onImageClick(p);
    else props.onSelect(null, ev);
  };

  return (
    <div className="view" ref={wrapRef} data-view={props.id}>
      {props.title && <div className="view-title">{props.title}</div>}
      <canvas ref={canvasRef} className="view-canvas" style={{ width: vw, height: vh }} aria-hidden="true" />
      <svg
        ref={(el) => {
          (svgRef as React.MutableRefObject<SVGSVGElement | null>).current = el;
          props.svgRef?.(el);
        }}
        className="view-svg"
        width={vw}
        height={vh}
        role="img"
        aria-label={`${props.title ?? 'image'} with ${props.overlay.detections.length} detections`}
        onClick={onClick}
        onDoubleClick={() => props.onZoom(null)}
      />
      {props.busy && <div className="view-busy" aria-hidden="true" />}
    </div>
  );
}
