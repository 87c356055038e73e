import type { ModelInfo, QuerySlice } from '../../worker/messages';
import type { Dispatch } from '../state/useViewState';
import { className } from '../viewModel';
import { layerGrid } from '../multiScale';

interface Props {
  query: number;
  slice: QuerySlice;
  layer: number;
  maxLayer: number;
  info: ModelInfo | null;
  dispatch: Dispatch;
}

/**
 * The selected query's class and score at every decoder layer (and, multi-scale, the level the
 * layer reads); a row click goes to that layer (the slider and ← → do it by keyboard).
 */
export function LayerTable({ query, slice, layer, maxLayer, info, dispatch }: Props) {
  const levels = !!slice.layerGrids?.length;
  return (
    <section>
      <h2>Query #{query} across layers</h2>
      <table className="layers" data-testid="layer-table">
        <thead>
          <tr>
            <th>layer</th>
            {levels && <th title="the feature level this layer's cross-attention reads">level</th>}
            <th>class</th>
            <th>score</th>
          </tr>
        </thead>
        <tbody>
          {slice.predictions.map((p, i) => (
            <tr key={i} className={i === layer - 1 ? 'sel' : ''} onClick={(e) => dispatch({ type: 'setLayer', layer: i + 1, maxLayer }, e)}>
              <td>{i + 1}</td>
              {levels && <td data-testid="layer-level">stride {layerGrid(slice, i).stride}</td>}
              <td>{className(info, p.label)}</td>
              <td>{(p.score * 100).toFixed(1)}%</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
