import type { ViewState } from '../state';
import type { Dispatch } from '../state/useViewState';

const LABELS = { decoder: 'Decoder cross-attention', encoder: 'Encoder self-attention', convergence: 'Convergence' } as const;

/** The view tabs: decoder cross-attention, encoder self-attention (deformable for multi-scale models), convergence. */
export function ModeTabs({ mode, dispatch }: { mode: ViewState['mode']; dispatch: Dispatch }) {
  return (
    <nav className="tabs" aria-label="View">
      {(['decoder', 'encoder', 'convergence'] as const).map((m) => (
        <button key={m} type="button" aria-pressed={mode === m} className={mode === m ? 'on' : ''} onClick={() => dispatch({ type: 'setMode', mode: m })}>
          {LABELS[m]}
        </button>
      ))}
    </nav>
  );
}
