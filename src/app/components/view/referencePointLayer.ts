import type { LayerG } from './layerGroup';
import { moving } from './geometryLayer';
import { REFERENCE_POINT_NOTE, type ReferenceMark } from '../../conditional';

/**
 * Conditional DETR's reference point of the selected query: a white ring with a cross, sized in
 * screen pixels (k: the zoom), so it reads over any heatmap and stays distinct from SAM-DETR's
 * numbered per-head dots. Its title is the tooltip that says what the point is.
 */
export function drawReferencePoint(g: LayerG, mark: ReferenceMark | null, k: number, animate: boolean): void {
  const m = g.selectAll<SVGGElement, ReferenceMark>('g.refpt').data(mark ? [mark] : []).join((en) => {
    const e = en.append('g').attr('class', 'refpt').attr('data-testid', 'reference-point').attr('pointer-events', 'all');
    e.append('circle').attr('class', 'halo');
    e.append('circle').attr('class', 'ring');
    e.append('path');
    e.append('title');
    return e;
  });
  m.attr('data-x', (d) => d.p[0].toFixed(2)).attr('data-y', (d) => d.p[1].toFixed(2))
    .attr('data-norm', (d) => d.norm.map((v) => v.toFixed(4)).join(',')).attr('data-layer', (d) => d.layer + 1);
  moving(m, animate).attr('transform', (d) => `translate(${d.p[0]},${d.p[1]})`);
  m.select('circle.halo').attr('r', 9 / k).attr('fill', 'none').attr('stroke', '#000').attr('stroke-width', 4 / k).attr('stroke-opacity', 0.7);
  m.select('circle.ring').attr('r', 9 / k).attr('fill', 'none').attr('stroke', '#fff').attr('stroke-width', 2 / k);
  const a = 13 / k;
  const b = 4 / k;
  m.select('path').attr('d', `M${-a},0H${-b}M${b},0H${a}M0,${-a}V${-b}M0,${b}V${a}`).attr('stroke', '#fff').attr('stroke-width', 2 / k);
  m.select('title').text((d) => `${REFERENCE_POINT_NOTE} (${d.norm[0].toFixed(3)}, ${d.norm[1].toFixed(3)}) of the padded input, layer ${d.layer + 1}.`);
}
