import { useEffect, useRef } from 'react';
import { KEYMAP } from '../state';


export function HelpOverlay({ onClose }: { onClose: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
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
          }
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
