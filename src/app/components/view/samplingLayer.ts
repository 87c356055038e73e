import { symbol, symbolCircle, symbolDiamond, symbolSquare, symbolTriangle, type SymbolType } from 'd3';
import type { LayerG } from './layerGroup';
import { headColor } from '../../palette';
import type { LevelShape, SamplingMark } from '../../multiScale';

/** The d3 symbol of each level's shape (the legend draws the same ones). */
export const SYMBOLS: Record<LevelShape, SymbolType> = { circle: symbolCircle, square: symbolSquare, triangle: symbolTriangle, diamond: symbolDiamond };

/** A marker's path centred on 0,0 with the given area (screen px²). */
export const markerPath = (shape: LevelShape, area: number) => symbol(SYMBOLS[shape], area)() ?? '';

/**
 * The deformable encoder's sampling points of the clicked location (multi-scale models): one
 * marker per head, level and point, in the head's colour, shaped by level, its area proportional
 * to the attention weight. Points outside their level's map read zeros: drawn hollow.
 */
export function drawSamplingPoints(g: LayerG, marks: SamplingMark[], k: number): void {
  g.selectAll<SVGPathElement, SamplingMark>('path.samp')
    .data(marks, (m) => `${m.head}:${m.level}:${m.point}`)
    .join('path')
    .attr('class', 'samp')
    .attr('data-testid', 'sampling-point')
    .attr('data-head', (m) => m.head).attr('data-level', (m) => m.level).attr('data-weight', (m) => m.weight.toFixed(5))
    .attr('data-inside', (m) => String(m.inside))
    .attr('data-x', (m) => m.x.toFixed(2)).attr('data-y', (m) => m.y.toFixed(2))
    // Screen-sized markers: the path is in screen px, scaled back by the zoom.
    .attr('transform', (m) => `translate(${m.x},${m.y}) scale(${1 / k})`)
    .attr('d', (m) => markerPath(m.shape, m.area))
    .attr('fill', (m) => (m.inside ? headColor(m.head) : 'none'))
    .attr('fill-opacity', 0.85)
    .attr('stroke', (m) => (m.inside ? '#000' : headColor(m.head)))
    .attr('stroke-width', (m) => (m.inside ? 1 : 2))
    .attr('pointer-events', 'none')
    // Heaviest last (the selector's order): drawn on top.
    .order();
}
