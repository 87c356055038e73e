/** Training building blocks: wasm gradient support, matcher, losses, optimizer, box ops. */
export * from './wasmGradients';
export * from './boxOps';
export * from './matcher';
export * from './losses';
export * from './optimizer';
