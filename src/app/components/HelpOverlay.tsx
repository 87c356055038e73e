import { useEffect, useRef } from 'react';

export const SHORTCUTS: [string, string][] = [
  ['?', 'show / hide this help'],
  ['← / →', 'previous / next decoder layer'],
  ['↑ / ↓', 'previous / next detected query'],
  ['1 … 8', 'show / hide head'],
  ['Shift + 1 … 8', 'show only that head'],
  ['A', 'show all heads'],
  ['S', 'SMCA prior on / off (SMCA models)'],
  ['C', 'cycle comparison: none → prior on vs off → two models'],
  ['O', 'cycle overlay: attention → heads in colour → SMCA prior → difference → none'],
  ['G', 'show / hide the 7×7 RoI grid'],
  ['E', 'encoder self-attention mode (then click the image)'],
  ['N', 'generate a new synthetic scene'],
  ['+ / −', 'zoom in / out'],
  ['Shift + arrows', 'pan'],
  ['0', 'reset zoom'],
  ['Esc', 'deselect the query / close dialogs'],
];

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
            {SHORTCUTS.map(([k, v]) => (
              <tr key={k}>
                <th scope="row">
                  <kbd>{k}</kbd>
                </th>
                <td>{v}</td>
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
