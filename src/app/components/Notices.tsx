import type { InitResult } from '../../worker/messages';

interface Props {
  backend: InitResult | null;
  requestedBackend: string;
  placeholder: boolean;
  error: string | null;
  onDismiss: () => void;
}

/** The backend fallback note, the placeholder-model warning and the current error. */
export function Notices({ backend, requestedBackend, placeholder, error, onDismiss }: Props) {
  return (
    <>
      {backend && backend.fallbacks.length > 0 && (
        <div className="notice" role="note">
          Running on <b>{backend.backend}</b>
          {requestedBackend && backend.backend !== requestedBackend ? ` instead of ${requestedBackend}` : ''}:{' '}
          {backend.fallbacks.map((f) => `${f.backend} — ${f.reason}`).join('; ')}.
        </div>
      )}
      {placeholder && (
        <div className="notice placeholder" data-testid="placeholder-warning" role="note">
          <b>Untrained placeholder model.</b> Its weights are a deterministic formula, not training: the boxes, points and attention are
          meaningless. They show how the view works until the trained models are bundled.
        </div>
      )}
      {error && (
        <div className="error" data-testid="error-message" role="alert">
          <span>{error}</span>
          <button type="button" onClick={onDismiss} aria-label="Dismiss error">
            ×
          </button>
        </div>
      )}
    </>
  );
}
