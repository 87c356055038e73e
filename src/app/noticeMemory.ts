import type { InitResult } from '../worker/messages';

/** The part of Storage the dismissals use (localStorage in the page, a map in tests). */
export type KeyValueStore = Pick<Storage, 'getItem' | 'setItem'>;

const KEY = 'sam-detr-lens:dismissed-backend-notes';

/**
 * What a backend fallback note is about: the backend it ended on and those it passed over, not
 * the reasons' wording (a probe's timing differs on every load). A dismissed kind stays dismissed
 * across reloads; another kind (a new fallback on this device) is shown again.
 */
export function fallbackKind(r: Pick<InitResult, 'backend' | 'fallbacks'>): string {
  return `${r.backend}<-${r.fallbacks.map((f) => f.backend).join(',')}`;
}

function read(store: KeyValueStore | null): string[] {
  try {
    const v = JSON.parse(store?.getItem(KEY) ?? '[]') as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    // Storage blocked (a privacy mode) or a value written by something else: nothing dismissed.
    return [];
  }
}

export function isDismissed(store: KeyValueStore | null, kind: string): boolean {
  return read(store).includes(kind);
}

export function rememberDismissal(store: KeyValueStore | null, kind: string): void {
  const kinds = read(store);
  if (kinds.includes(kind)) return;
  try {
    store?.setItem(KEY, JSON.stringify([...kinds, kind].slice(-16)));
  } catch {
    // Storage full or blocked: the note is hidden for this page only.
  }
}

/** The page's localStorage, or null where reading it throws (storage disabled). */
export function pageStore(): KeyValueStore | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}
