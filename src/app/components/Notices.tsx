import { useState } from 'react';
import type { InitResult } from '../../worker/messages';
import { fallbackKind, isDismissed, pageStore, rememberDismissal } from '../noticeMemory';

interface Props {
  backend: InitResult | null;
  requestedBackend: string;
  placeholder: boolean;
  error: string | null;
  /** Folded under the error's sentence (names, key comparisons). */
  errorDetails?: string | null;
  onDismiss: () => void;
  /** What the reader found wrong with the active model without refusing it (NaN/Inf weights, named). */
  modelWarnings?: string[];
  /** Why a loaded checkpoint could not be stored in the browser (one line; the model stays loaded). */
  storeNote?: string | null;
  onDismissStore?: () => void;
}

/** The backend fallback note, the placeholder-model warning and the current error. */
export function Notices({ backend, requestedBackend, placeholder, error, errorDetails, onDismiss, modelWarnings, storeNote, onDismissStore }: Props) {
  // The fallback note, once read, can go, and stays gone on later loads for the same kind of
  // fallback (noticeMemory); another kind of fallback shows it again.
  const [readNote, setReadNote] = useState<InitResult | null>(null);
  const dismissed = !!backend && (backend === readNote || isDismissed(pageStore(), fallbackKind(backend)));
  const dismiss = (b: InitResult) => {
    rememberDismissal(pageStore(), fallbackKind(b));
    setReadNote(b);
  };
  return (
    <>
      {backend && backend.fallbacks.length > 0 && !dismissed && (
        <div className="notice dismissable" data-testid="backend-notice" role="note">
          <span>
            Running on <b>{backend.backend}</b>
            {requestedBackend && backend.backend !== requestedBackend ? ` instead of ${requestedBackend}` : ''}:{' '}
            {backend.fallbacks.map((f) => `${f.backend} — ${f.reason}`).join('; ')}.
          </span>
          <button type="button" className="linkish" onClick={() => dismiss(backend)} aria-label="Dismiss backend notice">
            ×
          </button>
        </div>
      )}
      {placeholder && (
        <div className="notice placeholder" data-testid="placeholder-warning" role="note">
          <b>Untrained placeholder model.</b> Its weights are a deterministic formula, not training: the boxes, points and attention are
          meaningless. They show how the view works until the trained models are bundled.
        </div>
      )}
      {modelWarnings && modelWarnings.length > 0 && (
        <div className="notice placeholder" data-testid="model-warnings" role="note">
          <b>This checkpoint's weights are not all finite.</b> {modelWarnings.join(' ')} Detections from it may be missing or meaningless.
        </div>
      )}
      {storeNote && (
        <div className="notice store-note" data-testid="store-notice" role="note">
          <span>{storeNote}</span>
          <button type="button" className="linkish" onClick={onDismissStore} aria-label="Dismiss storage notice">
            ×
          </button>
        </div>
      )}
      {error && (
        <div className="error" data-testid="error-message" role="alert">
          <span>
            {error}
            {errorDetails && (
              <details data-testid="error-details">
                <summary>Details</summary>
                {errorDetails}
              </details>
            )}
          </span>
          <button type="button" onClick={onDismiss} aria-label="Dismiss error">
            ×
          </button>
        </div>
      )}
    </>
  );
}
