import { select, type BaseType, type Selection } from 'd3';

/** The group of one overlay layer. */
export type LayerG = Selection<SVGGElement, null, BaseType, unknown>;

/**
 * The group of one overlay layer inside the SVG's zoomed root group (created on first use).
 * Layers keep a fixed order (boxes under geometry under points under sampling points under the
 * encoder location) whatever order they first draw in.
 */
const ORDER = ['boxes', 'geo', 'points', 'samp', 'enc'];

export function layerGroup(svg: SVGSVGElement, name: string): LayerG {
  const root = select(svg).selectAll<SVGGElement, null>('g.root').data([null]).join('g').attr('class', 'root');
  for (const n of ORDER) root.selectAll<SVGGElement, null>(`g.${n}`).data([null]).join('g').attr('class', n);
  return root.select<SVGGElement>(`g.${name}`);
}
