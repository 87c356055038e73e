import { useEffect } from 'react';
import type { CheckpointShelf, ShelfState } from '../storage/checkpointShelf';
import { fmtMB } from '../storage/checkpointStore';

interface Props {
  shelf: CheckpointShelf;
  state: ShelfState;
  /** The main view's model name (a stored one is `upload:<name>`). */
  current: string;
  onLoad: (model: string) => void;
}

const when = (t: number) => new Date(t).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/**
 * The checkpoints kept in this browser (origin-private file system): load one, delete one, and
 * how much of this site's storage they use. Opening the panel opens (and lists) the store.
 */
export function StoredCheckpoints({ shelf, state, current, onLoad }: Props) {
  useEffect(() => {
    void shelf.store();
  }, [shelf]);
  const { info } = state;
  return (
    <section data-testid="stored-checkpoints" aria-labelledby="stored-h">
      <h2 id="stored-h">Stored checkpoints</h2>
      {state.available === false ? (
        <p className="muted small" data-testid="store-unavailable">
          Not available: {state.reason}. A dropped checkpoint lasts for this page only.
        </p>
      ) : state.items.length === 0 ? (
        <p className="muted small">None yet. A .pth you drop on the page is kept here, in this browser only, for later visits.</p>
      ) : (
        <ul className="stored-list" data-testid="stored-list">
          {state.items.map((c) => {
            const model = `upload:${c.name}`;
            return (
              <li key={c.name} data-testid="stored-checkpoint" data-name={c.name} className={model === current ? 'on' : ''}>
                <div className="stored-name" title={c.name}>
                  {c.name}
                </div>
                <div className="muted small">
                  <span data-testid="stored-kind">{c.kind}</span> · {fmtMB(c.size)} · {when(c.storedAt)}
                </div>
                <div className="row">
                  <button type="button" data-testid="stored-load" disabled={model === current} onClick={() => onLoad(model)} aria-label={`Load ${c.name}`}>
                    {model === current ? 'Loaded' : 'Load'}
                  </button>
                  <button type="button" data-testid="stored-delete" onClick={() => void shelf.remove(c.name)} aria-label={`Delete ${c.name} from this browser`}>
                    Delete
                  </button>
                </div>
              </li>
            );
          })}
        </ul>
      )}
      {state.storing && <p className="muted small">Storing {state.storing}…</p>}
      {info && (
        <p className="muted small" data-testid="storage-estimate" data-usage={info.usage} data-quota={info.quota} data-persisted={info.persisted}>
          This site uses {fmtMB(info.usage)} of its {fmtMB(info.quota)} of browser storage;{' '}
          {info.persisted ? 'kept persistently.' : 'the browser may clear it when space runs low.'}
        </p>
      )}
    </section>
  );
}
