import type { LayerG } from './layerGroup';
import type { Box, Pt } from '../../geometry';
import type { DeformableGeometry } from '../../deformable';

/**
 * Deformable DETR's query geometry besides its sampling points (samplingLayer.ts) and reference
 * box (geometryLayer.ts): the reference point the layer's offsets start from, a white ringed
 * cross, and for two-stage the encoder proposal the query was taken from, a dotted box labelled.
 */
export function drawDeformable(g: LayerG, d: DeformableGeometry | null, k: number): void {
  const pt = d?.refPoint ?? null;
  g.selectAll<SVGGElement, Pt>('g.dref').data(pt ? [pt] : []).join((en) => {
    const e = en.append('g').attr('class', 'dref').attr('data-testid', 'reference-point').attr('pointer-events', 'none');
    e.append('circle');
    e.append('path');
    return e;
  })
    .attr('data-x', (p) => p[0].toFixed(2)).attr('data-y', (p) => p[1].toFixed(2))
    .attr('transform', (p) => `translate(${p[0]},${p[1]}) scale(${1 / k})`)
    .call((s) => s.select('circle').attr('r', 7).attr('fill', 'none').attr('stroke', '#fff').attr('stroke-width', 2))
    .call((s) => s.select('path').attr('d', 'M-11,0H11M0,-11V11').attr('stroke', '#000').attr('stroke-width', 1.5));
  const prop = d?.proposal ?? null;
  g.selectAll<SVGGElement, { box: Box; label: string }>('g.proposal').data(prop ? [prop] : []).join((en) => {
    const e = en.append('g').attr('class', 'proposal').attr('pointer-events', 'none');
    e.append('rect').attr('data-testid', 'proposal-box');
    e.append('text').attr('data-testid', 'proposal-label');
    return e;
  })
    .call((s) => s.select('rect').attr('x', (p) => p.box[0]).attr('y', (p) => p.box[1]).attr('width', (p) => p.box[2] - p.box[0]).attr('height', (p) => p.box[3] - p.box[1])
      .attr('fill', 'none').attr('stroke', '#0ff').attr('stroke-dasharray', '2 3').attr('stroke-width', 2).attr('vector-effect', 'non-scaling-stroke'))
    .call((s) => s.select('text').text((p) => p.label).attr('x', (p) => p.box[0]).attr('y', (p) => p.box[1] - 3 / k).attr('font-size', 11 / k)
      .attr('fill', '#0ff').attr('stroke', '#000').attr('stroke-width', 3 / k).attr('paint-order', 'stroke'));
}
