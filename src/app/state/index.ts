export * from './viewState';
export { PROPS, parseState, serializeState, type Codec } from './codecs';
export { reduce, type Action } from './actions';
export { KEYMAP, fieldOwnsKey, keyAction, type KeyBinding, type KeyContext, type UiCommand } from './keymap';
