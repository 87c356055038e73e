import { headColor } from '../palette';
import { headVisible } from '../state';

type Ev = { timeStamp: number };

interface Props {
  heads: number;
  mask: number;
  onToggle: (h: number, ev?: Ev) => void;
  onSolo: (h: number, ev?: Ev) => void;
  onAll: (ev?: Ev) => void;
}

/**
 * bertviz-style head toggles: a click shows/hides a head at once, a double-click shows only
 * it (its two clicks toggled the head twice, back to where it was, before the solo applies),
 * "all" shows every head. Nothing waits to tell a click from a double-click, so fast clicks on
 * several heads all count.
 */
export function HeadToggles({ heads, mask, onToggle, onSolo, onAll }: Props) {
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
              // Keyboard activation (Enter/Space) is handled in onKeyDown; detail 0 is such a click.
              if (ev.detail === 0) return;
              onToggle(h, ev);
            }}
            onDoubleClick={(ev) => onSolo(h, ev)}
            onKeyDown={(ev) => {
              if (ev.key === 'Enter' || ev.key === ' ') {
                ev.preventDefault();
                if (ev.shiftKey) onSolo(h, ev);
                else onToggle(h, ev);
              }
            }}
          >
            <span className="swatch" aria-hidden="true" />
            {h + 1}
          </button>
        );
      })}
      <button type="button" className="head-all" onClick={(ev) => onAll(ev)} title="Show all heads (A)">
        all
      </button>
    </div>
  );
}
