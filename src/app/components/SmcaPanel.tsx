import type { ModelInfo } from '../../worker/messages';
import type { Compare } from '../state';
import type { Dispatch } from '../state/useViewState';
import { className, type SmcaChange } from '../viewModel';

interface Props {
  isSmca: boolean;
  smcaPrior: boolean;
  compare: Compare;
  /** The second model of a side-by-side comparison, and the choices. */
  pairName: string | null;
  pairs: { value: string; label: string }[];
  /** The prior-off comparison's changes, or null when it is not being shown. */
  changes: SmcaChange[] | null;
  selected: number | null;
  info: ModelInfo | null;
  /** The bundled model of the same recipe trained without SMCA (the trained-with vs without comparison), if any. */
  trainedWithout?: string | null;
  /** The encoder view: the prior belongs to the decoder's cross-attention, so the switch waits. */
  encoderView?: boolean;
  dispatch: Dispatch;
}

/** The SMCA prior switch, the comparison mode, and what changes without the prior. */
export function SmcaPanel(p: Props) {
  return (
    <section>
      <h2>SMCA</h2>
      <button
        type="button"
        role="switch"
        aria-checked={p.isSmca ? p.smcaPrior : false}
        disabled={!p.isSmca || p.encoderView}
        data-testid="smca-toggle"
        className={'switch' + (p.isSmca && p.smcaPrior ? ' on' : '')}
        onClick={() => p.dispatch({ type: 'toggleSmcaPrior' })}
        title={
          !p.isSmca
            ? 'This model was not trained with SMCA'
            : p.encoderView
              ? 'The prior acts on the decoder cross-attention: switch it in the decoder view'
              : 'S: switch the Gaussian prior off and re-run the decoder only'
        }
      >
        <span>SMCA prior: {p.isSmca ? (p.smcaPrior ? 'on' : 'off') : 'n/a'}</span>
        <span className="track" aria-hidden="true" />
      </button>
      {p.isSmca && !p.encoderView && (
        <p className="muted small" data-testid="ablation-note">
          {p.smcaPrior && p.compare !== 'prior-off'
            ? 'Switching the prior off is an inference-time ablation: the prior is removed from a model trained with it, which was never trained to work without it, so its detections may collapse. '
            : 'Prior off: an inference-time ablation. This model was trained with the prior and never learned to work without it, so lost detections here say how much it relies on the prior, not what SMCA adds. '}
          {p.trainedWithout && (
            <button type="button" className="linkish" data-testid="trained-without" onClick={() => { p.dispatch({ type: 'setCompare', compare: 'side-by-side' }); p.dispatch({ type: 'setModel2', model: p.trainedWithout! }); }}>
              Compare with SAM-DETR trained without SMCA (same budget)
            </button>
          )}
        </p>
      )}
      {p.isSmca && p.encoderView && <p className="muted small">The prior acts on the decoder&apos;s cross-attention; switch it in the decoder view.</p>}
      {!p.isSmca && <p className="muted small">This model has no SMCA prior. Compare it side by side with an SMCA model instead.</p>}
      <label className="field col">
        <span>Compare</span>
        <select value={p.compare} onChange={(e) => p.dispatch({ type: 'setCompare', compare: e.target.value as Compare })} aria-label="Comparison mode" data-testid="compare-mode">
          <option value="none">no comparison</option>
          <option value="prior-off" disabled={!p.isSmca}>
            same model, prior on vs off
          </option>
          <option value="side-by-side">two models side by side</option>
        </select>
      </label>
      {p.compare === 'side-by-side' && (
        <label className="field col">
          <span>Second model</span>
          <select value={p.pairName ?? ''} onChange={(e) => p.dispatch({ type: 'setModel2', model: e.target.value })} aria-label="Second model" data-testid="second-model">
            {p.pairs.map((m) => (
              <option key={m.value} value={m.value}>
                {m.label}
              </option>
            ))}
          </select>
        </label>
      )}
      {p.changes && (
        <div className="changes">
          <h3>Detections that change without the prior ({p.changes.length})</h3>
          {p.changes.length === 0 ? (
            <p className="muted small">None above the threshold.</p>
          ) : (
            <table data-testid="smca-changes">
              <thead>
                <tr>
                  <th>query</th>
                  <th>on</th>
                  <th>off</th>
                  <th>change</th>
                </tr>
              </thead>
              <tbody>
                {p.changes.slice(0, 12).map((c) => (
                  // One select per click: the button's click (mouse, Enter or Space) bubbles to its row's.
                  <tr key={c.query} className={c.query === p.selected ? 'sel' : ''} onClick={(ev) => p.dispatch({ type: 'selectQuery', query: c.query }, ev)}>
                    <td>
                      <button type="button" className="linkish">
                        #{c.query}
                      </button>
                    </td>
                    <td>{c.on ? `${className(p.info, c.on.label)} ${(c.on.score * 100).toFixed(0)}%` : '—'}</td>
                    <td>{c.off ? `${className(p.info, c.off.label)} ${(c.off.score * 100).toFixed(0)}%` : '—'}</td>
                    <td>{c.what}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </section>
  );
}
