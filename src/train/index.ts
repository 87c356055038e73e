/** Training building blocks: wasm gradient support, matcher, losses, optimizer (box math: src/geometry/boxes.ts, src/model/boxes.ts). */
export * from './wasmGradients';
export * from './matcher';
export * from './losses';
export * from './optimizer';
