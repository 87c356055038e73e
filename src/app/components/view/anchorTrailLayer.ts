import type { LayerG } from './layerGroup';
import type { Box, Pt } from '../../geometry';
import type { AnchorTrail } from '../../anchorTrail';
import { moving } from './geometryLayer';

/** Below this many screen px between two centres an arrow would be all head: none is drawn. */
const MIN_ARROW_PX = 4;

/**
 * DAB-DETR's refinement of the selected query's anchor box (the current layer's anchor is the
 * reference box, drawn by drawGeometry): the previous layer's anchor faint and dashed, an arrow
 * from its centre to the current one, and the centres of every layer's anchor joined in layer
 * order, the current one filled. All white: the only difference drawn is which layer, said by the
 * legend (AnchorTrailLegend). Sizes in screen px whatever the zoom (`k`).
 */
export function drawAnchorTrail(parent: LayerG, trail: AnchorTrail | null, k: number, animate: boolean): void {
  const g = parent.selectAll<SVGGElement, null>('g.anchor-trail').data([null]).join('g').attr('class', 'anchor-trail').attr('pointer-events', 'none');
  const cur = trail?.current ?? 0;
  const prev = trail && cur > 0 ? trail.boxes[cur - 1] : null;

  g.selectAll<SVGPathElement, Pt[]>('path.trail').data(trail && trail.centres.length > 1 ? [trail.centres] : []).join('path').attr('class', 'trail')
    .attr('data-testid', 'anchor-trail').attr('fill', 'none').attr('stroke', '#fff').attr('stroke-opacity', 0.55).attr('stroke-width', 1.25)
    .attr('vector-effect', 'non-scaling-stroke')
    .attr('d', (c) => 'M' + c.map((p) => `${p[0]},${p[1]}`).join('L'));

  const pb = g.selectAll<SVGRectElement, Box>('rect.prev').data(prev ? [prev] : []).join('rect').attr('class', 'prev')
    .attr('data-testid', 'reference-box-previous').attr('fill', 'none').attr('stroke', '#fff').attr('stroke-opacity', 0.45)
    .attr('stroke-dasharray', '2 3').attr('stroke-width', 1.25).attr('vector-effect', 'non-scaling-stroke');
  moving(pb, animate).attr('x', (b) => b[0]).attr('y', (b) => b[1]).attr('width', (b) => b[2] - b[0]).attr('height', (b) => b[3] - b[1]);

  const from = trail && cur > 0 ? trail.centres[cur - 1] : null;
  const to = trail ? trail.centres[cur] : null;
  const arrow = from && to && Math.hypot(to[0] - from[0], to[1] - from[1]) * k >= MIN_ARROW_PX ? [arrowPath(from, to, k)] : [];
  g.selectAll<SVGPathElement, string>('path.step').data(arrow).join('path').attr('class', 'step').attr('data-testid', 'anchor-step')
    .attr('fill', 'none').attr('stroke', '#fff').attr('stroke-width', 2).attr('stroke-linejoin', 'round').attr('vector-effect', 'non-scaling-stroke')
    .attr('d', (d) => d);

  const dots = g.selectAll<SVGGElement, { p: Pt; layer: number }>('g.centre').data(trail ? trail.centres.map((p, i) => ({ p, layer: i })) : [], (d) => String(d.layer))
    .join((en) => {
      const e = en.append('g').attr('class', 'centre').attr('data-testid', 'anchor-centre');
      e.append('circle');
      e.append('text');
      return e;
    })
    .attr('data-layer', (d) => d.layer + 1).attr('data-current', (d) => String(d.layer === cur))
    .attr('transform', (d) => `translate(${d.p[0]},${d.p[1]})`);
  dots.select('circle').attr('r', (d) => (d.layer === cur ? 4.5 : 3) / k).attr('fill', (d) => (d.layer === cur ? '#fff' : '#000'))
    .attr('stroke', '#fff').attr('stroke-width', 1.25 / k);
  // Numbers on layer 1 and the current layer only: refined anchors often end up on one spot.
  dots.select('text').text((d) => (d.layer === 0 || d.layer === cur ? String(d.layer + 1) : ''))
    .attr('x', 6 / k).attr('y', -5 / k).attr('font-size', 10 / k).attr('font-weight', 700).attr('fill', '#fff')
    .attr('stroke', '#000').attr('stroke-width', 2.5 / k).attr('paint-order', 'stroke');
}

/** A line from `a` to `b` with an arrowhead at `b`, the head 7 screen px long. */
function arrowPath(a: Pt, b: Pt, k: number): string {
  const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
  const [ux, uy] = [(b[0] - a[0]) / len, (b[1] - a[1]) / len];
  const h = Math.min(7 / k, len / 2);
  const w = h * 0.55;
  const [bx, by] = [b[0] - ux * h, b[1] - uy * h];
  return `M${a[0]},${a[1]}L${b[0]},${b[1]}M${bx - uy * w},${by + ux * w}L${b[0]},${b[1]}L${bx + uy * w},${by - ux * w}`;
}
