import { useEffect, useState } from 'react';
import { BACKENDS, type InitResult } from '../../worker/messages';
import type { Busy } from '../session/LensSession';
import { runSecondsLeft } from '../session/runEstimate';

interface Props {
  models: { value: string; label: string }[];
  model: string;
  onModel: (name: string) => void;
  backend: InitResult | null;
  requestedBackend: string;
  onBackend: (b: string) => void;
  busy: Busy | null;
  statusText: string;
  completed: number;
  onHelp: () => void;
  /** Stops the current read or run. */
  onCancel: () => void;
}

/**
 * Seconds left of a busy operation: from the bytes read so far, from how far a run is by its
 * stages and layers (runEstimate), or from how long it is expected to take; null when there is
 * nothing to go on or it would flicker (under 2 s in).
 */
export function secondsLeft(busy: Busy | null, now: number): number | null {
  if (busy?.since === undefined) return null;
  const elapsed = now - busy.since;
  if (elapsed < 2000) return null;
  if (busy.total && busy.done) return Math.max(0, (elapsed * (busy.total - busy.done)) / busy.done / 1000);
  if (busy.fraction !== undefined && busy.at !== undefined) return runSecondsLeft(busy.expectMs, busy.fraction, busy.at, elapsed);
  if (busy.expectMs) return Math.max(0, (busy.expectMs - elapsed) / 1000);
  return null;
}

/** A clock that ticks once a second while `on`, so an estimate counts down. */
function useTick(on: boolean): number {
  const [now, setNow] = useState(() => performance.now());
  useEffect(() => {
    if (!on) return;
    const id = window.setInterval(() => setNow(performance.now()), 1000);
    return () => window.clearInterval(id);
  }, [on]);
  return now;
}

/** Title, model picker, backend badge and switch, status line with progress, help button. */
export function TopBar(p: Props) {
  const now = useTick(!!p.busy);
  const left = secondsLeft(p.busy, now);
  const pct = p.busy?.total ? Math.round(((p.busy.done ?? 0) / p.busy.total) * 100) : p.busy?.fraction !== undefined ? Math.round(p.busy.fraction * 100) : null;
  const status = p.busy ? `${p.busy.label}${pct !== null ? ` ${pct}%` : ''}…` : p.statusText;
  const b = p.backend;
  return (
    <header className="topbar">
      <h1>
        SAM-DETR Lens <span className="sub">what the decoder looks at</span>
      </h1>
      <label className="field">
        <span>Model</span>
        <select data-testid="model-picker" value={p.model} onChange={(e) => p.onModel(e.target.value)} aria-label="Model">
          {p.models.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Backend</span>
        <span
          className="badge-backend"
          data-testid="backend-badge"
          data-threads={b?.threads}
          title={[...(b?.fallbacks.map((f) => `${f.backend}: ${f.reason}`) ?? []), b?.threadsNote, b?.probe].filter(Boolean).join('\n') || 'first choice'}
        >
          {b?.backend ?? '…'}
        </span>
        {b?.threads !== undefined && (
          <span className="badge-threads" data-testid="backend-threads" title={`${b.threads} WebAssembly thread${b.threads > 1 ? 's' : ''}${b.threadsNote ? `: ${b.threadsNote}` : ''}`}>
            ×{b.threads}
          </span>
        )}
        <select value={p.requestedBackend} onChange={(e) => p.onBackend(e.target.value)} aria-label="Switch backend">
          <option value="">auto</option>
          {BACKENDS.map((x) => (
            <option key={x} value={x}>
              {x}
            </option>
          ))}
        </select>
      </label>
      <div className="status" data-testid="status" role="status" aria-live="polite" data-runs={p.completed} data-busy={p.busy ? 'true' : 'false'}>
        {status}
        {p.busy && pct !== null && <progress max={100} value={pct} aria-label="progress" />}
      </div>
      {left !== null && (
        <span className="eta" data-testid="eta">
          about {left < 60 ? `${Math.ceil(left)} s` : `${Math.round(left / 60)} min`} left
        </span>
      )}
      {p.busy && (
        <button type="button" data-testid="cancel" onClick={p.onCancel} title="Stop this read or run (the backend restarts; the view waits for your next choice)">
          Cancel
        </button>
      )}
      <button type="button" className="help-btn" onClick={p.onHelp} aria-label="Keyboard shortcuts and help (?)">
        ?
      </button>
    </header>
  );
}
