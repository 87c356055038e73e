import { useEffect, useRef } from 'react';
import type { ShownDetection } from './ImageView';
import type { TopOffer } from '../topDetections';

interface Props {
  detections: ShownDetection[];
  selected: number | null;
  hovered: number | null;
  /** A click (or Enter / Space) on query q, which toggles it; `ev`: the input event, for interaction timing. */
  onToggle: (q: number, ev?: { timeStamp: number }) => void;
  onHover: (q: number | null) => void;
  badge?: (q: number) => string | null;
  /** There is no run of the current image and model yet: 'running' while one runs, 'none' when none is running (an error, a cancel). */
  pending?: 'running' | 'none' | null;
  /** The run has detections, none at the threshold: its best score and a threshold that shows the top ones. */
  offer?: TopOffer | null;
  onOffer?: (threshold: number) => void;
}

// What the empty list says: an empty list before the run has finished is not a result.
const EMPTY_TEXT = { running: 'Running the model…', none: 'No result for this image and model.' } as const;

export function QueryList({ detections, selected, hovered, onToggle, onHover, badge, pending, offer, onOffer }: Props) {
  // Keyboard focus follows the selection (↑/↓ anywhere, a click on a box) unless it is in another control.
  const list = useRef<HTMLUListElement>(null);
  useEffect(() => {
    const el = list.current;
    if (selected === null || !el) return;
    const active = document.activeElement;
    if (active && active !== document.body && !el.contains(active)) return;
    el.querySelector<HTMLLIElement>(`li[data-query="${selected}"]`)?.focus();
  }, [selected]);
  return (
    <ul ref={list} className="query-list" data-testid="query-list" role="listbox" aria-label="Detected queries (Up/Down to move)">
      {detections.length === 0 && (
        <li className="empty" data-testid="no-detection">
          {pending ? EMPTY_TEXT[pending] : 'No detection above the threshold.'}
          {!pending && offer && (
            <>
              {' '}The best score is <b data-testid="best-score">{(offer.best * 100).toFixed(1)}%</b>.{' '}
              <button type="button" data-testid="show-top" onClick={() => onOffer?.(offer.threshold)} title={`Sets the threshold to ${offer.threshold.toFixed(3)}`}>
                Show the top {offer.count}
              </button>
            </>
          )}
        </li>
      )}
      {detections.map((d) => (
        <li
          key={d.query}
          role="option"
          aria-selected={d.query === selected}
          data-query={d.query}
          tabIndex={d.query === selected || (selected === null && d === detections[0]) ? 0 : -1}
          className={(d.query === selected ? 'sel ' : '') + (d.query === hovered ? 'hover' : '')}
          onClick={(ev) => onToggle(d.query, ev)}
          onKeyDown={(ev) => {
            if (ev.key === 'Enter' || ev.key === ' ') {
              ev.preventDefault();
              onToggle(d.query, ev);
            }
          }}
          onMouseEnter={() => onHover(d.query)}
          onMouseLeave={() => onHover(null)}
        >
          <span className="swatch" style={{ background: d.color }} aria-hidden="true" />
          <span className="q">#{d.query}</span>
          <span className="name">{d.name}</span>
          <span className="score">{(d.score * 100).toFixed(1)}%</span>
          {badge?.(d.query) && <span className="badge">{badge(d.query)}</span>}
        </li>
      ))}
    </ul>
  );
}
