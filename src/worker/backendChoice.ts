import type { BackendName, InitResult } from './messages';

/**
 * Which backend `auto` runs on. Each backend of the chain is tried in order; the first that
 * starts wins, except a GPU whose adapter does not say what it is (no vendor, architecture or
 * description: some browsers mask them). That one may be a real GPU or a CPU emulating one,
 * so both it and wasm run a small timed probe and the faster is kept. A named software
 * adapter (SwiftShader, llvmpipe) is refused before this, by tryBackend.
 */
export interface ChoiceDeps {
  /** Starts the backend; null when it runs, else why not. */
  start(b: BackendName): Promise<string | null>;
  /** After start('webgpu'): whether the adapter named itself. */
  gpuNamed(): boolean;
  /** Milliseconds of the probe workload on the backend now running. */
  probe(): Promise<number>;
}

export type Choice = Pick<InitResult, 'backend' | 'fallbacks' | 'probe'>;

export async function chooseBackend(order: BackendName[], auto: boolean, deps: ChoiceDeps): Promise<Choice> {
  const fallbacks: InitResult['fallbacks'] = [];
  for (let i = 0; i < order.length; i++) {
    const b = order[i];
    const reason = await deps.start(b);
    if (reason !== null) {
      fallbacks.push({ backend: b, reason });
      continue;
    }
    if (!auto || b !== 'webgpu' || deps.gpuNamed() || !order.slice(i + 1).includes('wasm')) return { backend: b, fallbacks };
    // An unnamed adapter: time it against wasm and keep the faster.
    const gpuMs = await deps.probe();
    if ((await deps.start('wasm')) !== null) {
      await deps.start('webgpu');
      return { backend: 'webgpu', fallbacks, probe: `unnamed GPU adapter kept: wasm did not start for a comparison (probe ${gpuMs.toFixed(0)} ms)` };
    }
    const wasmMs = await deps.probe();
    const times = `probe: webgpu ${gpuMs.toFixed(0)} ms, wasm ${wasmMs.toFixed(0)} ms`;
    if (wasmMs <= gpuMs) {
      fallbacks.push({ backend: 'webgpu', reason: `an unnamed adapter, slower than wasm on a timed ${times}` });
      return { backend: 'wasm', fallbacks, probe: times };
    }
    const back = await deps.start('webgpu');
    if (back !== null) {
      fallbacks.push({ backend: 'webgpu', reason: back });
      return { backend: 'wasm', fallbacks, probe: times };
    }
    return { backend: 'webgpu', fallbacks, probe: `unnamed adapter, faster than wasm on a timed ${times}` };
  }
  throw new Error('no TensorFlow.js backend could start: ' + fallbacks.map((f) => `${f.backend}: ${f.reason}`).join('; '));
}
