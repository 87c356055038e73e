import { useEffect, useRef, type KeyboardEvent } from 'react';
import { KEYMAP } from '../state';

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * A modal dialog: focus moves into it, Tab and Shift+Tab cycle within it (the page behind is
 * inert to the keyboard while it is open), and focus goes back where it was when it closes.
 */
export function HelpOverlay({ onClose }: { onClose: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    ref.current?.focus();
    // Focus that gets behind the dialog anyway (a click on the backdrop's page, a script) comes back.
    const pull = (e: FocusEvent) => {
      if (ref.current && e.target instanceof Node && !ref.current.contains(e.target)) ref.current.focus();
    };
    document.addEventListener('focusin', pull);
    return () => {
      document.removeEventListener('focusin', pull);
      if (before && before !== document.body && before.isConnected) before.focus();
    };
  }, []);
  const trapTab = (e: KeyboardEvent) => {
    const el = ref.current;
    if (e.key !== 'Tab' || !el) return;
    const items = [...el.querySelectorAll<HTMLElement>(FOCUSABLE)];
    if (!items.length) return e.preventDefault();
    const first = items[0];
    const last = items[items.length - 1];
    const at = document.activeElement;
    if (e.shiftKey && (at === first || at === el)) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && at === last) {
      e.preventDefault();
      first.focus();
    }
  };
  return (
    <div className="help-backdrop" onClick={onClose}>
      <div
        className="help"
        role="dialog"
        aria-modal="true"
        aria-labelledby="help-title"
        tabIndex={-1}
        ref={ref}
        data-testid="help-overlay"
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => {
          if (e.key === 'Escape' || e.key === '?') {
            e.stopPropagation();
            onClose();
          } else trapTab(e);
        }}
      >
        <h2 id="help-title">Keyboard shortcuts</h2>
        <table>
          <tbody>
            {KEYMAP.map(({ keys, help }) => (
              <tr key={keys}>
                <th scope="row">
                  <kbd>{keys}</kbd>
                </th>
                <td>{help}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h2>Reading the view</h2>
        <ul>
          <li><b>Dashed white box</b>: the query's reference box entering the chosen decoder layer.</li>
          <li><b>Blue 7×7 grid</b>: the RoI the Semantics Aligner pools (RoIAlign, aligned=True) on the encoder memory.</li>
          <li><b>Numbered dots</b>: the salient point of each head, where the query's content is sampled; it becomes that head's positional query.</li>
          <li><b>Heatmap</b>: cross-attention of the query over the encoder feature map (mean of the visible heads); small multiples show each head.</li>
          <li><b>SMCA prior</b>: the Gaussian-like weight centred on each head's salient point that SMCA adds to the attention logits.</li>
        </ul>
        <button type="button" onClick={onClose}>Close</button>
      </div>
    </div>
  );
}
