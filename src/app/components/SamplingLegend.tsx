import type { LayerGrid } from '../../worker/messages';
import { LEVEL_SHAPES, legendWeights, weightArea } from '../multiScale';
import { markerPath } from './view/samplingLayer';

interface Props {
  levels: LayerGrid[];
  /** The largest weight shown (the top of the size scale). */
  top: number;
}

/** A marker drawn in a small SVG of its own. */
function Marker({ shape, area, hollow }: { shape: (typeof LEVEL_SHAPES)[number]; area: number; hollow?: boolean }) {
  const r = Math.ceil(Math.sqrt(area)) + 3;
  return (
    <svg width={2 * r} height={2 * r} aria-hidden="true">
      <path d={markerPath(shape, area)} transform={`translate(${r},${r})`} fill={hollow ? 'none' : '#bbb'} stroke={hollow ? '#bbb' : '#000'} strokeWidth={hollow ? 2 : 1} />
    </svg>
  );
}

/**
 * How to read the sampling points: the shape of each level (with its stride and grid), the
 * marker area for a few weights (area proportional to weight, scaled to the largest shown), and
 * the hollow marker of a point outside its level's map. Colour is the head, as everywhere.
 */
export function SamplingLegend({ levels, top }: Props) {
  const area = weightArea(top);
  return (
    <div className="sampling-legend" data-testid="sampling-legend">
      <span className="legend-group" aria-label="levels">
        {levels.map((g, i) => (
          <span key={i} className="legend-item" data-testid="sampling-legend-level" data-level={i}>
            <Marker shape={LEVEL_SHAPES[i % LEVEL_SHAPES.length]} area={110} />
            stride {g.stride} ({g.featW}×{g.featH})
          </span>
        ))}
      </span>
      <span className="legend-group" aria-label="attention weight">
        {legendWeights(top).map((w) => (
          <span key={w} className="legend-item">
            <Marker shape="circle" area={area(w)} />
            {w.toFixed(2)}
          </span>
        ))}
        <span className="legend-item">
          <Marker shape="circle" area={90} hollow />
          outside its map (reads 0)
        </span>
      </span>
    </div>
  );
}
