import { useEffect, useEffectEvent } from 'react';
import { fieldOwnsKey, keyAction, type KeyContext } from '../state';
import type { Dispatch } from '../state/useViewState';

/**
 * Window key handling through the one keymap (state/keymap.ts). Keys a form control uses are
 * its own (fieldOwnsKey): all but Escape in text fields and menus, only the moving keys on a slider. `escape` deselects the query unless the help is open, which it closes.
 */
export function useKeyboard(dispatch: Dispatch, context: KeyContext, help: boolean, setHelp: (f: (h: boolean) => boolean) => void): void {
  // Reads the latest context and help state, for a listener registered once.
  const onKey = useEffectEvent((e: KeyboardEvent) => {
    const t = e.target as HTMLElement | null;
    if (t && fieldOwnsKey(t.tagName, t.getAttribute('type'), e.key)) return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const a = keyAction(e, context);
    if (!a) return;
    if (e.key.startsWith('Arrow')) e.preventDefault();
    if (a.type === 'toggleHelp') setHelp((h) => !h);
    else if (a.type === 'escape') {
      if (help) setHelp(() => false);
      else dispatch({ type: 'selectQuery', query: null }, e);
    } else dispatch(a, e);
  });
  useEffect(() => {
    const listener = (e: KeyboardEvent) => onKey(e);
    window.addEventListener('keydown', listener);
    return () => window.removeEventListener('keydown', listener);
  }, []);
}
