export * from './viewState';
export { PROPS, parseState, serializeState, type Codec } from './codecs';
export { reduce, type Action } from './actions';
export { KEYMAP, keyAction, type KeyBinding, type KeyContext, type UiCommand } from './keymap';
