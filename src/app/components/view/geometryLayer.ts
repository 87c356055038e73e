import type { LayerG } from './layerGroup';
import { easeCubicInOut, type BaseType, type Selection } from 'd3';
import { roiGridLines, type Box } from '../../geometry';
import { DURATION } from './types';

/** Transitions when the query or layer changed (the overlay moves to the new geometry), else sets at once. */
export const moving = <T extends BaseType, D>(s: Selection<T, D, BaseType, unknown>, animate: boolean) =>
  // A transition takes the same attribute calls as the selection (the cast names that shared shape).
  (animate ? s.transition().duration(DURATION).ease(easeCubicInOut) : s) as unknown as Selection<T, D, BaseType, unknown>;

/** The selected query's reference box (dashed), the RoI the Semantics Aligner pools, and its 7x7 grid. */
export function drawGeometry(g: LayerG, refBox: Box | null, roiBox: Box | null, showGrid: boolean, animate: boolean): void {
  const ref = g.selectAll<SVGRectElement, Box>('rect.ref').data(refBox ? [refBox] : []).join('rect').attr('class', 'ref')
    .attr('data-testid', 'reference-box').attr('fill', 'none').attr('stroke', '#fff').attr('stroke-dasharray', '6 4')
    .attr('stroke-width', 2).attr('vector-effect', 'non-scaling-stroke').attr('pointer-events', 'none');
  moving(ref, animate).attr('x', (b) => b[0]).attr('y', (b) => b[1]).attr('width', (b) => b[2] - b[0]).attr('height', (b) => b[3] - b[1]);
  const lines = roiBox && showGrid ? roiGridLines(roiBox, 7) : [];
  const gl = g.selectAll<SVGLineElement, Box>('line.grid').data(lines).join('line').attr('class', 'grid')
    .attr('data-testid', 'roi-grid-line').attr('stroke', '#9ef').attr('stroke-opacity', 0.65).attr('stroke-width', 1)
    .attr('vector-effect', 'non-scaling-stroke').attr('pointer-events', 'none');
  moving(gl, animate).attr('x1', (l) => l[0]).attr('y1', (l) => l[1]).attr('x2', (l) => l[2]).attr('y2', (l) => l[3]);
}
