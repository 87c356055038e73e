import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import vm from 'node:vm';
import { minifySync } from 'rolldown/utils';
import threadedFactory from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js';
import { patchThreadedFactory, pthreadFactoryExpression, wasmThreadsFor } from '../../src/worker/wasmThreads';

// The threaded tfjs-wasm build starts each pthread from `'var WasmBackendModuleThreadedSimd = ' +
// factory.toString()` (see src/worker/wasmThreads.ts). These tests run that script the way a
// pthread does: in a fresh global scope, with none of the bundle's closures.
const SOURCE = readFileSync(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js'), 'utf8');

/** Evaluates the pthread script and calls the factory as a pthread would; returns how far it got. */
function runAsPthread(factoryText: string): string {
  let started = false;
  const ctx = vm.createContext({
    self: { location: { href: 'blob:http://127.0.0.1/pthread' } },
    importScripts() {},
    startWorker: () => (started = true),
    console, WebAssembly, SharedArrayBuffer, Atomics,
  });
  try {
    vm.runInContext('var WasmBackendModuleThreadedSimd = ' + factoryText, ctx);
    const memory = new WebAssembly.Memory({ initial: 256, maximum: 32768, shared: true });
    (ctx.WasmBackendModuleThreadedSimd as (m: object) => unknown)({
      ENVIRONMENT_IS_PTHREAD: true, wasmMemory: memory, buffer: memory.buffer, instantiateWasm: () => ({}),
    });
    return started ? 'started' : 'not started';
  } catch (e) {
    return String(e);
  }
}

describe('threaded wasm factory as the pthreads see it', () => {
  it('minified the way Vite bundles it, its toString needs a variable of the bundle (the bug)', () => {
    const { code } = minifySync('bundle.js', `globalThis.F = (function (module, exports) {${SOURCE}\nreturn WasmBackendModuleThreadedSimd;})({}, {});`);
    const ctx = vm.createContext({});
    vm.runInContext(code, ctx);
    expect(runAsPthread((ctx.F as () => void).toString())).toMatch(/ReferenceError: \w+ is not defined/);
  });

  it('the patched factory serialises as the package source, which starts a pthread', () => {
    patchThreadedFactory();
    expect(threadedFactory.toString()).toBe(pthreadFactoryExpression(SOURCE));
    expect(runAsPthread(threadedFactory.toString())).toBe('started');
  });
});

describe('wasm thread count', () => {
  it('uses the logical cores, at most 4, at least 1', () => {
    expect(wasmThreadsFor(2)).toBe(2);
    expect(wasmThreadsFor(3)).toBe(3);
    expect(wasmThreadsFor(16)).toBe(4);
    expect(wasmThreadsFor(1)).toBe(1);
    expect(wasmThreadsFor(undefined)).toBe(1);
    expect(wasmThreadsFor(0)).toBe(1);
  });
});
