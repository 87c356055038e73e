import { useId } from 'react';
import { legendSpec, type Contrast, type MapKind } from '../colorScale';
import { scaleColor } from '../heatmap';

interface Props {
  kind: MapKind;
  contrast: Contrast;
  /** Width of the colour bar in CSS px. */
  width?: number;
  /** A short caption (the full one stays in the tooltip and for screen readers), for the legend inside a view. */
  short?: boolean;
}

const STOPS = 16;

/** The colour bar of a map scale with its numbered ticks and what the colour measures. */
export function ColorLegend({ kind, contrast, width = 180, short = false }: Props) {
  const spec = legendSpec(kind, contrast);
  const id = useId().replace(/:/g, '');
  const h = 8;
  // The bar runs over the scale's positions: [0, 1], or [-1, 1] for a signed difference.
  const stop = (i: number) => {
    const u = i / (STOPS - 1);
    return scaleColor(kind, kind === 'div' ? u * 2 - 1 : u);
  };
  return (
    <figure className="color-legend" data-testid="color-legend" data-kind={kind} data-contrast={contrast} aria-label={`Colour scale: ${spec.title}`} title={spec.title}>
      <svg width={width + 36} height={h + 16} role="img" aria-hidden="true">
        <defs>
          <linearGradient id={`g${id}`}>
            {Array.from({ length: STOPS }, (_, i) => <stop key={i} offset={i / (STOPS - 1)} stopColor={stop(i)} />)}
          </linearGradient>
        </defs>
        <rect x={18} y={1} width={width} height={h} fill={`url(#g${id})`} stroke="#888" strokeWidth={0.5} />
        {spec.ticks.map((t) => (
          <g key={t.label} transform={`translate(${18 + t.at * width},0)`}>
            <line y1={h + 1} y2={h + 4} stroke="currentColor" />
            <text y={h + 14} textAnchor="middle" fontSize={10} fill="currentColor">{t.label}</text>
          </g>
        ))}
      </svg>
      <figcaption>{short ? spec.short : spec.title}</figcaption>
    </figure>
  );
}
