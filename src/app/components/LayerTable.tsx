import type { ModelInfo, QuerySlice } from '../../worker/messages';
import type { Dispatch } from '../state/useViewState';
import { className } from '../viewModel';

interface Props {
  query: number;
  slice: QuerySlice;
  layer: number;
  maxLayer: number;
  info: ModelInfo | null;
  dispatch: Dispatch;
}

/** The selected query's class and score at every decoder layer; a row click goes to that layer. */
export function LayerTable({ query, slice, layer, maxLayer, info, dispatch }: Props) {
  return (
    <section>
      <h2>Query #{query} across layers</h2>
      <table className="layers" data-testid="layer-table">
        <thead>
          <tr>
            <th>layer</th>
            <th>class</th>
            <th>score</th>
          </tr>
        </thead>
        <tbody>
          {slice.predictions.map((p, i) => (
            <tr key={i} className={i === layer - 1 ? 'sel' : ''} onClick={(e) => dispatch({ type: 'setLayer', layer: i + 1, maxLayer }, e)}>
              <td>{i + 1}</td>
              <td>{className(info, p.label)}</td>
              <td>{(p.score * 100).toFixed(1)}%</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
