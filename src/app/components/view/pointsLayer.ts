import type { LayerG } from './layerGroup';
import type { Pt } from '../../geometry';
import { headColor } from '../../palette';
import { moving } from './geometryLayer';

/** One numbered dot per visible head: where the Semantics Aligner samples the query's content. */
export function drawPoints(g: LayerG, points: { head: number; p: Pt }[], k: number, animate: boolean): void {
  const pts = g.selectAll<SVGGElement, { head: number; p: Pt }>('g.pt').data(points, (d) => String(d.head))
    .join((en) => {
      const e = en.append('g').attr('class', 'pt').attr('data-testid', 'salient-point');
      e.append('circle');
      e.append('text');
      return e;
    })
    .attr('data-head', (d) => d.head).attr('pointer-events', 'none');
  moving(pts, animate).attr('transform', (d) => `translate(${d.p[0]},${d.p[1]})`)
    .attr('data-x', (d) => d.p[0].toFixed(2)).attr('data-y', (d) => d.p[1].toFixed(2));
  pts.select('circle').attr('r', 6 / k).attr('fill', (d) => headColor(d.head)).attr('stroke', '#000').attr('stroke-width', 1.5 / k);
  pts.select('text').text((d) => String(d.head + 1)).attr('font-size', 9 / k).attr('text-anchor', 'middle').attr('dy', 3 / k)
    .attr('fill', '#000').attr('font-weight', 700);
}

/** The encoder attention's source location: a cross. */
export function drawEncoderPoint(g: LayerG, point: Pt | null, k: number): void {
  g.selectAll<SVGPathElement, Pt>('path.enc').data(point ? [point] : []).join('path').attr('class', 'enc')
    .attr('data-testid', 'encoder-point')
    .attr('d', (q) => `M${q[0] - 8 / k},${q[1]}H${q[0] + 8 / k}M${q[0]},${q[1] - 8 / k}V${q[1] + 8 / k}`)
    .attr('stroke', '#0ff').attr('stroke-width', 3).attr('vector-effect', 'non-scaling-stroke').attr('pointer-events', 'none');
}
