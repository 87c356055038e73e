import { useEffect, useRef, useState } from 'react';
import { axisBottom, axisLeft, line, max, scaleLinear, select } from 'd3';

export interface ConvergenceData {
  /** What the reader must know of the curves (e.g. that the runs are still going); shown under the chart. */
  note?: string;
  /** `model` (bundled name) picks the colour; `reference` marks an earlier set of runs, drawn dashed. */
  variants: Record<string, { epochs: number[]; AP: number[]; AP50?: number[]; model?: string; reference?: boolean }>;
}

const COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9'];
const MODEL_ORDER = ['detr-baseline', 'sam-detr', 'sam-detr-smca'];

/**
 * Validation AP per epoch of each trained variant (public/models/convergence.json), with the
 * training timeline's epoch marked (`epoch` 0: the published models, no mark).
 */
export function ConvergenceView({ baseUrl, epoch }: { baseUrl: string; epoch: number }) {
  const [data, setData] = useState<ConvergenceData | null | 'missing'>(null);
  const [metric, setMetric] = useState<'AP' | 'AP50'>('AP');
  const ref = useRef<SVGSVGElement>(null);
  useEffect(() => {
    fetch(`${baseUrl}models/convergence.json`)
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(String(r.status)))))
      .then((d: ConvergenceData) => setData(d && d.variants && Object.keys(d.variants).length ? d : 'missing'))
      .catch(() => setData('missing'));
  }, [baseUrl]);

  useEffect(() => {
    if (!data || data === 'missing' || !ref.current) return;
    const W = 800, H = 360, m = { l: 50, r: 310, t: 16, b: 40 };
    const svg = select(ref.current).attr('viewBox', `0 0 ${W} ${H}`);
    svg.selectAll('*').remove();
    const entries = Object.entries(data.variants);
    const xMax = max(entries, ([, v]) => max(v.epochs)) ?? 1;
    // In COCO points (AP x 100), as the model card and the papers give AP.
    const points = (v: ConvergenceData['variants'][string]) => ((v[metric] ?? []) as number[]).map((a) => a * 100);
    const yMax = max(entries, ([, v]) => max(points(v))) ?? 100;
    const x = scaleLinear().domain([0, xMax]).range([m.l, W - m.r]);
    const y = scaleLinear().domain([0, Math.max(yMax * 1.1, 0.1)]).nice().range([H - m.b, m.t]);
    svg.append('g').attr('transform', `translate(0,${H - m.b})`).call(axisBottom(x).ticks(8));
    svg.append('g').attr('transform', `translate(${m.l},0)`).call(axisLeft(y).ticks(6));
    svg.append('text').attr('x', (m.l + W - m.r) / 2).attr('y', H - 6).attr('text-anchor', 'middle').attr('fill', 'currentColor').text('epoch');
    svg.append('text').attr('transform', `translate(14,${(H - m.b + m.t) / 2}) rotate(-90)`).attr('text-anchor', 'middle').attr('fill', 'currentColor').text(`val ${metric} (COCO points)`);
    if (epoch > 0 && epoch <= xMax) {
      const g = svg.append('g').attr('data-testid', 'convergence-mark').attr('data-epoch', epoch);
      g.append('line').attr('x1', x(epoch)).attr('x2', x(epoch)).attr('y1', m.t).attr('y2', H - m.b).attr('stroke', 'currentColor').attr('stroke-dasharray', '2 3').attr('opacity', 0.7);
      g.append('text').attr('x', x(epoch) + 4).attr('y', m.t + 10).attr('fill', 'currentColor').attr('font-size', 11).text(`epoch ${epoch}: shown in the lens`);
    }
    entries.forEach(([name, v], i) => {
      const ys = points(v);
      const pts = v.epochs.map((e, j) => [e, ys[j]] as [number, number]).filter((p) => Number.isFinite(p[1]));
      const k = v.model ? MODEL_ORDER.indexOf(v.model) : -1;
      const c = COLORS[(k >= 0 ? k : i) % COLORS.length];
      svg.append('path').datum(pts).attr('fill', 'none').attr('stroke', c).attr('stroke-width', v.reference ? 1.5 : 2.5)
        .attr('stroke-dasharray', v.reference ? '6 3' : null).attr('opacity', v.reference ? 0.7 : 1)
        .attr('d', line<[number, number]>().x((p) => x(p[0])).y((p) => y(p[1])));
      svg.append('g').selectAll('circle').data(pts).join('circle').attr('cx', (p) => x(p[0])).attr('cy', (p) => y(p[1])).attr('r', v.reference ? 2 : 3).attr('fill', c)
        .append('title').text((p) => `${name}: epoch ${p[0]}, ${metric} ${p[1].toFixed(1)}`);
      svg.append('line').attr('x1', W - m.r + 8).attr('x2', W - m.r + 28).attr('y1', m.t + 10 + i * 18).attr('y2', m.t + 10 + i * 18)
        .attr('stroke', c).attr('stroke-width', v.reference ? 1.5 : 2.5).attr('stroke-dasharray', v.reference ? '6 3' : null);
      svg.append('text').attr('x', W - m.r + 34).attr('y', m.t + 14 + i * 18).attr('fill', c).attr('font-size', 12).text(name);
    });
  }, [data, metric, epoch]);

  if (data === null) return <p className="muted">Loading convergence data…</p>;
  if (data === 'missing')
    return (
      <div className="empty-state" data-testid="convergence-empty">
        <h2>No convergence data yet</h2>
        <p>
          This view plots validation AP against training epochs for each bundled variant (SAM-DETR, SAM-DETR + SMCA, the DETR-style
          baseline), read from <code>models/convergence.json</code>. It appears once the trained models are bundled.
        </p>
      </div>
    );
  return (
    <section className="convergence" data-testid="convergence-chart">
      <h2>Convergence: validation {metric} per epoch</h2>
      <label>
        Metric{' '}
        <select value={metric} onChange={(e) => setMetric(e.target.value as 'AP' | 'AP50')}>
          <option value="AP">AP</option>
          <option value="AP50">AP50</option>
        </select>
      </label>
      <svg ref={ref} role="img" aria-label={`validation ${metric} per epoch for each variant`} className="convergence-svg" />
      <p className="muted">
        SAM-DETR's salient points put each head's positional query on a point inside the query's box, and SMCA adds a Gaussian prior
        around it, so cross-attention starts local instead of uniform: the curves show how much sooner AP rises. Each point is the
        COCO-style {metric} on 200 validation scenes after that epoch, in points (x100) as the model card gives it; the card's figure is
        on 500 scenes.
        {Object.values(data.variants).some((v) => v.reference) && ' Dashed lines: another set of runs of the same models, named in brackets.'}
      </p>
      {data.note && <p data-testid="convergence-note">{data.note}</p>}
    </section>
  );
}
