import type { LayerG } from './layerGroup';
import { collapseLabels, placeLabels } from '../../labelLayout';
import type { Pt } from '../../geometry';
import type { ShownDetection } from './types';

export interface BoxesInput {
  detections: ShownDetection[];
  selected: number | null;
  hovered: number | null;
  /** The view's zoom scale: strokes and labels keep their screen size. */
  k: number;
  imgW: number;
  /** False in encoder mode, where a click anywhere picks a source location, boxes included. */
  clickable: boolean;
  /** A click on query q's box, which toggles it (see the selectQuery action). */
  onToggle: (q: number, ev: MouseEvent) => void;
  onHover: (q: number | null) => void;
  /** Points labels keep clear of: the selected query's salient points (image px). */
  avoid?: readonly Pt[];
}

/** Detection boxes with their labels (best first, placed so they neither leave the image nor cover each other). */
export function drawBoxes(g: LayerG, o: BoxesInput): void {
  const { k } = o;
  const boxes = g.selectAll<SVGGElement, ShownDetection>('g.det').data(o.detections, (d) => String(d.query))
    .join((en) => {
      const e = en.append('g').attr('class', 'det');
      e.append('rect').attr('data-testid', 'detection-box').attr('vector-effect', 'non-scaling-stroke');
      e.append('rect').attr('class', 'label-bg');
      e.append('text').attr('class', 'label');
      return e;
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
    .attr('pointer-events', o.clickable ? null : 'none')
    .on('click', (ev: MouseEvent, d) => {
      ev.stopPropagation();
      o.onToggle(d.query, ev);
    })
    .on('mouseenter', (_ev, d) => o.onHover(d.query))
    .on('mouseleave', () => o.onHover(null));
  const fs = 12 / k;
  // With a query selected, only its label (and the hovered one) stays, so the geometry is readable.
  const labelOn = (d: ShownDetection) => o.selected === null || d.query === o.selected || d.query === o.hovered;
  const lh = fs + 6 / k;
  const widthOf = (text: string) => text.length * fs * 0.6 + 6 / k;
  const own = (d: ShownDetection) => `${d.name} ${(d.score * 100).toFixed(0)}%`;
  const candidates = o.detections.filter(labelOn);
  // Duplicates of one object with one class say it once, with how many boxes ("×6"); not while a
  // query is selected (then only its label and the hovered one are drawn, each its own).
  const { leader, count } = o.selected === null
    ? collapseLabels(candidates.map((d) => ({ box: d.box, width: widthOf(own(d)), key: d.name })), lh)
    : { leader: candidates.map((_, i) => i), count: candidates.map(() => 1) };
  const textOf = new Map(candidates.flatMap((d, i) => (leader[i] === i ? [[d.query, count[i] > 1 ? `${own(d)} ×${count[i]}` : own(d)] as const] : [])));
  const shown = candidates.filter((d) => textOf.has(d.query));
  const rects = placeLabels(shown.map((d) => ({ box: d.box, width: widthOf(textOf.get(d.query)!) })), lh, o.imgW, o.avoid ?? [], 7 / k);
  const rectOf = new Map(shown.map((d, i) => [d.query, rects[i]]));
  const at = (d: ShownDetection) => rectOf.get(d.query) ?? { x: d.box[0], y: d.box[1], w: 0, h: 0 };
  boxes.select('text.label').attr('display', (d) => (textOf.has(d.query) ? null : 'none'));
  boxes.select('rect.label-bg').attr('display', (d) => (textOf.has(d.query) ? null : 'none'));
  boxes.select('text.label').text((d) => textOf.get(d.query) ?? own(d)).attr('data-testid', 'box-label')
    .attr('x', (d) => at(d).x + 3 / k).attr('y', (d) => at(d).y + fs + 2 / k).attr('font-size', fs)
    .attr('fill', '#111').attr('pointer-events', 'none');
  boxes.select('rect.label-bg')
    .attr('x', (d) => at(d).x).attr('y', (d) => at(d).y)
    .attr('width', (d) => at(d).w).attr('height', lh)
    .attr('fill', (d) => d.color).attr('opacity', 0.9).attr('pointer-events', 'none');
}
