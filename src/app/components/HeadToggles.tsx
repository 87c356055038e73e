import { useRef } from 'react';
import { headColor } from '../palette';
import { headVisible } from '../state';

interface Props {
  heads: number;
  mask: number;
  onToggle: (h: number) => void;
  onSolo: (h: number) => void;
  onAll: () => void;
}

/** bertviz-style head toggles: click shows/hides a head, double-click shows only it, "a" shows all. */
export function HeadToggles({ heads, mask, onToggle, onSolo, onAll }: Props) {
  // A double-click also delivers two clicks; delay single clicks briefly so a solo is not preceded by flicker.
  const timer = useRef<number | null>(null);
  return (
    <div className="head-toggles" role="group" aria-label="Attention heads (click: show/hide, double-click: only this head, A: all)">
      {Array.from({ length: heads }, (_, h) => {
        const on = headVisible(mask, h);
        return (
          <button
            key={h}
            type="button"
            className={'head-toggle' + (on ? ' on' : '')}
            data-testid="head-toggle"
            data-head={h}
            aria-pressed={on}
            aria-label={`Head ${h + 1}`}
            title={`Head ${h + 1}: click to ${on ? 'hide' : 'show'}, double-click to show only this head (keys ${h + 1} / Shift+${h + 1})`}
            style={{ '--head': headColor(h) } as React.CSSProperties}
            onClick={(ev) => {
              if (ev.detail > 1) return;
              if (timer.current) clearTimeout(timer.current);
              timer.current = window.setTimeout(() => {
                timer.current = null;
                onToggle(h);
              }, 220);
            }}
            onDoubleClick={() => {
              if (timer.current) clearTimeout(timer.current);
              timer.current = null;
              onSolo(h);
            }}
            onKeyDown={(ev) => {
              if (ev.key === 'Enter' || ev.key === ' ') {
                ev.preventDefault();
                if (ev.shiftKey) onSolo(h);
                else onToggle(h);
              }
            }}
          >
            <span className="swatch" aria-hidden="true" />
            {h + 1}
          </button>
        );
      })}
      <button type="button" className="head-all" onClick={onAll} title="Show all heads (A)">
        all
      </button>
    </div>
  );
}
