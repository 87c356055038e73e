import type { Action } from './actions';

/** What a key's action needs from outside the view state. */
export interface KeyContext {
  maxLayer: number;
  nHeads: number;
  /** S applies: an SMCA model, in the decoder view (the prior acts on its cross-attention). */
  isSmca: boolean;
  /** The shown queries, best first (↑/↓ walk them). */
  order: number[];
  imgW: number;
  imgH: number;
  /** A fresh random scene reference, for N. */
  newScene: () => string;
  /** The selected query's box (image px), for Z. */
  selectedBox: [number, number, number, number] | null;
  /** In the encoder view: the location one feature cell away (dx, dy), for I/J/K/L; null elsewhere. */
  encoderStep: ((dx: number, dy: number) => [number, number]) | null;
}

/** Things a key does that are not view state: the help dialog. */
export type UiCommand = { type: 'toggleHelp' } | { type: 'escape' };

export interface KeyBinding {
  /** As shown in the help overlay. */
  keys: string;
  help: string;
  /** The action for this event, or undefined when the binding does not apply to it. */
  on: (e: KeyLike, c: KeyContext) => Action | UiCommand | undefined;
}

export type KeyLike = Pick<KeyboardEvent, 'key' | 'code' | 'shiftKey'>;

const is = (...keys: string[]) => (e: KeyLike) => keys.includes(e.key);
const arrow = (e: KeyLike) => e.key.startsWith('Arrow');

/**
 * The one keymap: the key handler asks it for the action of a key, and the `?` overlay lists it.
 * Order matters: the first binding that gives an action wins (Shift+arrows pan before the
 * plain arrows move layers and queries).
 */
export const KEYMAP: KeyBinding[] = [
  { keys: '?', help: 'show / hide this help', on: (e) => (is('?')(e) ? { type: 'toggleHelp' } : undefined) },
  {
    keys: 'Shift + arrows',
    help: 'pan',
    on: (e, c) =>
      e.shiftKey && arrow(e)
        ? { type: 'panBy', dx: e.key === 'ArrowLeft' ? -1 : e.key === 'ArrowRight' ? 1 : 0, dy: e.key === 'ArrowUp' ? -1 : e.key === 'ArrowDown' ? 1 : 0, imgW: c.imgW, imgH: c.imgH }
        : undefined,
  },
  {
    keys: '← / →',
    help: 'previous / next decoder layer',
    on: (e, c) => (is('ArrowRight', ']')(e) ? { type: 'stepLayer', delta: 1, maxLayer: c.maxLayer } : is('ArrowLeft', '[')(e) ? { type: 'stepLayer', delta: -1, maxLayer: c.maxLayer } : undefined),
  },
  {
    keys: '↑ / ↓',
    help: 'previous / next detected query',
    on: (e, c) => (is('ArrowDown')(e) ? { type: 'stepQuery', delta: 1, order: c.order } : is('ArrowUp')(e) ? { type: 'stepQuery', delta: -1, order: c.order } : undefined),
  },
  {
    keys: '1 … 8',
    help: 'show / hide head',
    on: (e, c) => {
      const m = /^Digit([1-8])$/.exec(e.code);
      const h = m ? Number(m[1]) - 1 : -1;
      return m && !e.shiftKey && h < c.nHeads ? { type: 'toggleHead', head: h } : undefined;
    },
  },
  {
    keys: 'Shift + 1 … 8',
    help: 'show only that head',
    on: (e, c) => {
      const m = /^Digit([1-8])$/.exec(e.code);
      const h = m ? Number(m[1]) - 1 : -1;
      return m && e.shiftKey && h < c.nHeads ? { type: 'soloHead', head: h } : undefined;
    },
  },
  { keys: 'A', help: 'show all heads', on: (e, c) => (is('a', 'A')(e) ? { type: 'showAllHeads', heads: c.nHeads } : undefined) },
  { keys: 'S', help: 'SMCA prior on / off (SMCA models, decoder view)', on: (e, c) => (is('s', 'S')(e) && c.isSmca ? { type: 'toggleSmcaPrior' } : undefined) },
  { keys: 'C', help: 'cycle comparison: none → prior on vs off → two models', on: (e) => (is('c', 'C')(e) ? { type: 'cycleCompare' } : undefined) },
  { keys: 'O', help: 'cycle overlay: attention → heads in colour → SMCA prior → difference → none', on: (e) => (is('o', 'O')(e) ? { type: 'cycleOverlay' } : undefined) },
  { keys: 'G', help: 'show / hide the 7×7 RoI grid', on: (e) => (is('g', 'G')(e) ? { type: 'toggleGrid' } : undefined) },
  { keys: 'E', help: 'encoder self-attention mode (then click the image)', on: (e) => (is('e', 'E')(e) ? { type: 'toggleEncoderMode' } : undefined) },
  {
    keys: 'I / J / K / L',
    help: 'encoder view: move the location up / left / down / right by one feature cell',
    on: (e, c) => {
      const d = ({ i: [0, -1], j: [-1, 0], k: [0, 1], l: [1, 0] } as Record<string, [number, number]>)[e.key.toLowerCase()];
      return d && c.encoderStep && !e.shiftKey ? { type: 'setEncPoint', point: c.encoderStep(d[0], d[1]) } : undefined;
    },
  },
  { keys: 'N', help: 'generate a new synthetic scene', on: (e, c) => (is('n', 'N')(e) ? { type: 'setImage', image: c.newScene() } : undefined) },
  {
    keys: '+ / −',
    help: 'zoom in / out',
    on: (e, c) => (is('+', '=')(e) ? { type: 'zoomBy', factor: 1.25, imgW: c.imgW, imgH: c.imgH } : is('-', '_')(e) ? { type: 'zoomBy', factor: 0.8, imgW: c.imgW, imgH: c.imgH } : undefined),
  },
  { keys: 'Z', help: 'zoom to the selected query', on: (e, c) => (is('z', 'Z')(e) && c.selectedBox ? { type: 'zoomTo', box: c.selectedBox, imgW: c.imgW, imgH: c.imgH } : undefined) },
  { keys: 'M', help: 'merge duplicate boxes for display (one per object)', on: (e) => (is('m', 'M')(e) ? { type: 'toggleMerge' } : undefined) },
  { keys: '0', help: 'reset zoom', on: (e) => (is('0')(e) ? { type: 'resetZoom' } : undefined) },
  { keys: 'Esc', help: 'deselect the query / close dialogs', on: (e) => (is('Escape')(e) ? { type: 'escape' } : undefined) },
];

/** The action of a key event, or undefined. */
export function keyAction(e: KeyLike, c: KeyContext): Action | UiCommand | undefined {
  for (const b of KEYMAP) {
    const a = b.on(e, c);
    if (a) return a;
  }
  return undefined;
}

/** The keys a slider uses itself; a slider leaves every other key to the keymap. */
const SLIDER_KEYS = new Set(['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'Home', 'End', 'PageUp', 'PageDown']);

/**
 * Whether a key typed into a form control is the control's own (the keymap then leaves it alone).
 * Text fields and menus own every key but Escape; a slider owns its moving keys, a checkbox or
 * button its Space and Enter, so the shortcuts still work while the layer slider has focus.
 */
export function fieldOwnsKey(tagName: string, type: string | null, key: string): boolean {
  if (key === 'Escape') return false;
  if (tagName === 'SELECT' || tagName === 'TEXTAREA') return true;
  if (tagName !== 'INPUT') return false;
  if (type === 'range') return SLIDER_KEYS.has(key);
  if (type === 'checkbox' || type === 'radio') return key === ' ' || key === 'Enter';
  return true;
}
