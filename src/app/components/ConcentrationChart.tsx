import { line, scaleLinear, scalePoint } from 'd3';
import type { ConcentrationMeasure, LayerConcentration } from '../concentration';

export interface ConcentrationSeries {
  label: string;
  values: LayerConcentration[];
}

interface Props {
  series: ConcentrationSeries[];
  /** Number of decoder layers on the x axis (the larger model's). */
  layers: number;
  /** The layer shown in the views (1-based). */
  layer: number;
  onLayer: (layer: number) => void;
  /** How many heads the means are over (the visible ones). */
  nHeads: number;
}

/** Colour-blind-safe (Okabe-Ito blue and vermillion), and told apart by dash and marker too. */
const STYLE = [
  { color: '#0072B2', dash: '', marker: 'circle' },
  { color: '#D55E00', dash: '5 3', marker: 'square' },
] as const;

const W = 290;
const H = 170;
const M = { top: 20, right: 12, bottom: 30, left: 38 };

const MEASURES: { key: ConcentrationMeasure; title: string; axis: string; caption: string }[] = [
  {
    key: 'boxMass', title: 'Attention inside the final box', axis: 'share of mass',
    caption: 'share of the attention mass inside the query’s final predicted box (higher: more concentrated on the object)',
  },
  {
    key: 'entropy', title: 'Spread of the attention', axis: 'entropy / log(HW)',
    caption: 'entropy of the attention map divided by log(HW), HW the feature cells (1: spread evenly over the image, 0: one cell)',
  },
];

/**
 * Per decoder layer, how concentrated each model's cross-attention is for the selected query
 * and its match: two small line charts. D3 computes the scales and paths; React draws them.
 */
export function ConcentrationChart({ series, layers, layer, onLayer, nHeads }: Props) {
  const x = scalePoint<number>().domain(Array.from({ length: layers }, (_, i) => i + 1)).range([M.left, W - M.right]).padding(0.5);
  const y = scaleLinear().domain([0, 1]).range([H - M.bottom, M.top]);
  // Padding 0.5: each layer's clickable band is one step wide and the bands fill the plot exactly.
  const step = x.step();
  return (
    <figure className="concentration" data-testid="concentration-chart">
      <div className="legend" aria-hidden="true">
        {series.map((s, i) => (
          <span key={i} className="legend-item">
            <svg width={26} height={10}>
              <line x1={1} x2={25} y1={5} y2={5} stroke={STYLE[i].color} strokeWidth={2} strokeDasharray={STYLE[i].dash} />
            </svg>
            {s.label}
          </span>
        ))}
      </div>
      <div className="concentration-panels">
        {MEASURES.map((m) => (
          <svg key={m.key} width={W} height={H} role="img" aria-label={`${m.title} per decoder layer: ${series.map((s) => `${s.label} ${s.values.map((v) => v[m.key].toFixed(2)).join(', ')}`).join('; ')}`}>
            <text x={M.left} y={12} className="chart-title">
              {m.title}
            </text>
            {x.domain().map((l) => (
              <rect
                key={l} x={x(l)! - step / 2} y={M.top} width={step} height={H - M.top - M.bottom}
                className={'layer-band' + (l === layer ? ' on' : '')} onClick={() => onLayer(l)}
              >
                <title>decoder layer {l}</title>
              </rect>
            ))}
            {y.ticks(4).map((t) => (
              <g key={t} transform={`translate(0,${y(t)})`} className="tick">
                <line x1={M.left} x2={W - M.right} />
                <text x={M.left - 5} dy="0.32em" textAnchor="end">
                  {t}
                </text>
              </g>
            ))}
            {x.domain().map((l) => (
              <text key={l} x={x(l)} y={H - M.bottom + 13} textAnchor="middle" className="tick-label">
                {l}
              </text>
            ))}
            <text x={(M.left + W - M.right) / 2} y={H - 3} textAnchor="middle" className="axis-label">
              decoder layer
            </text>
            <text transform={`translate(10,${(H - M.bottom + M.top) / 2}) rotate(-90)`} textAnchor="middle" className="axis-label">
              {m.axis}
            </text>
            {series.map((s, i) => (
              <g key={i} style={{ color: STYLE[i].color }}>
                {s.values.flatMap((v) =>
                  v.heads.map((hv) => <circle key={`${v.layer}-${hv.head}`} cx={x(v.layer)! + (i ? 4 : -4)} cy={y(hv[m.key])} r={1.6} className="head-dot" />),
                )}
                <path d={line<LayerConcentration>().x((v) => x(v.layer)!).y((v) => y(v[m.key]))(s.values) ?? ''} fill="none" stroke="currentColor" strokeWidth={2} strokeDasharray={STYLE[i].dash} />
                {s.values.map((v) => {
                  const cx = x(v.layer)!;
                  const cy = y(v[m.key]);
                  const common = {
                    'data-testid': 'concentration-point', 'data-model': i, 'data-layer': v.layer, 'data-measure': m.key, 'data-value': v[m.key].toFixed(4),
                    fill: 'currentColor', stroke: '#fff', strokeWidth: 1,
                  };
                  return STYLE[i].marker === 'circle' ? (
                    <circle key={v.layer} cx={cx} cy={cy} r={3.5} {...common}>
                      <title>{`${s.label}, layer ${v.layer}: ${v[m.key].toFixed(3)}`}</title>
                    </circle>
                  ) : (
                    <rect key={v.layer} x={cx - 3.5} y={cy - 3.5} width={7} height={7} {...common}>
                      <title>{`${s.label}, layer ${v.layer}: ${v[m.key].toFixed(3)}`}</title>
                    </rect>
                  );
                })}
              </g>
            ))}
          </svg>
        ))}
      </div>
      <figcaption data-testid="concentration-caption">
        Per decoder layer, the mean over the {nHeads} visible head{nHeads === 1 ? '' : 's'} (small dots: each head) of: left, the {MEASURES[0].caption}; right, the{' '}
        {MEASURES[1].caption}. Click a layer to show it.
      </figcaption>
      <table className="sr-only">
        <caption>Attention concentration per decoder layer</caption>
        <thead>
          <tr>
            <th>model</th>
            <th>layer</th>
            <th>share inside the final box</th>
            <th>normalised entropy</th>
          </tr>
        </thead>
        <tbody>
          {series.flatMap((s, i) =>
            s.values.map((v) => (
              <tr key={`${i}-${v.layer}`}>
                <td>{s.label}</td>
                <td>{v.layer}</td>
                <td>{v.boxMass.toFixed(3)}</td>
                <td>{v.entropy.toFixed(3)}</td>
              </tr>
            )),
          )}
        </tbody>
      </table>
    </figure>
  );
}
