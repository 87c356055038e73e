import { describe, it, expect } from 'vitest';
import { chooseBackend, type ChoiceDeps } from '../../src/worker/backendChoice';
import { BACKENDS, type BackendName } from '../../src/worker/messages';
import { describeWebGpuAdapter } from '../../src/worker/softwareGpu';

/** A fake machine: which backends start, whether the GPU names itself, what each probe takes. */
function machine(o: { fails?: Partial<Record<BackendName, string>>; named?: boolean; ms?: Partial<Record<BackendName, number>> }) {
  let running: BackendName | null = null;
  const started: BackendName[] = [];
  const deps: ChoiceDeps = {
    start: async (b) => {
      started.push(b);
      if (o.fails?.[b]) return o.fails[b]!;
      running = b;
      return null;
    },
    gpuNamed: () => o.named ?? true,
    probe: async () => o.ms?.[running!] ?? 1,
  };
  return { deps, started, running: () => running };
}

describe('auto backend choice', () => {
  it('a named adapter that starts is taken without a probe', async () => {
    const m = machine({ named: true, ms: { webgpu: 500, wasm: 10 } });
    const c = await chooseBackend(BACKENDS, true, m.deps);
    expect(c).toEqual({ backend: 'webgpu', fallbacks: [] });
    expect(m.started).toEqual(['webgpu']);
  });

  it('an unnamed adapter slower than wasm on the probe gives way to wasm, and says why', async () => {
    const m = machine({ named: false, ms: { webgpu: 120, wasm: 30 } });
    const c = await chooseBackend(BACKENDS, true, m.deps);
    expect(c.backend).toBe('wasm');
    expect(m.running()).toBe('wasm');
    expect(c.fallbacks[0]).toEqual({ backend: 'webgpu', reason: 'an unnamed adapter, slower than wasm on a timed probe: webgpu 120 ms, wasm 30 ms' });
  });

  it('an unnamed adapter faster than wasm is kept, and restarted after the wasm probe', async () => {
    const m = machine({ named: false, ms: { webgpu: 8, wasm: 30 } });
    const c = await chooseBackend(BACKENDS, true, m.deps);
    expect(c.backend).toBe('webgpu');
    expect(m.running()).toBe('webgpu');
    expect(m.started).toEqual(['webgpu', 'wasm', 'webgpu']);
    expect(c.probe).toMatch(/faster than wasm.*webgpu 8 ms, wasm 30 ms/);
  });

  it('a backend asked for by name is not second-guessed', async () => {
    const m = machine({ named: false, ms: { webgpu: 500, wasm: 1 } });
    const order: BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];
    expect((await chooseBackend(order, false, m.deps)).backend).toBe('webgpu');
    expect(m.started).toEqual(['webgpu']);
  });

  it('falls through the chain with reasons, and fails with all of them', async () => {
    const m = machine({ fails: { webgpu: 'no adapter', webgl: 'no context' } });
    const c = await chooseBackend(BACKENDS, true, m.deps);
    expect(c.backend).toBe('wasm');
    expect(c.fallbacks.map((f) => f.backend)).toEqual(['webgpu', 'webgl']);
    const none = machine({ fails: { webgpu: 'a', webgl: 'b', wasm: 'c', cpu: 'd' } });
    await expect(chooseBackend(BACKENDS, true, none.deps)).rejects.toThrow('webgpu: a; webgl: b; wasm: c; cpu: d');
  });
});

describe('adapter description', () => {
  it('names SwiftShader and fallback adapters as software, and an empty info as unnamed', () => {
    expect(describeWebGpuAdapter({ info: { vendor: 'google', architecture: 'swiftshader' } })).toEqual({ device: 'google / swiftshader', software: true });
    expect(describeWebGpuAdapter({ info: { vendor: 'nvidia', architecture: 'ampere' }, isFallbackAdapter: true }).software).toBe(true);
    expect(describeWebGpuAdapter({ info: { vendor: 'nvidia', architecture: 'ampere' } })).toEqual({ device: 'nvidia / ampere', software: false });
    expect(describeWebGpuAdapter({ info: { vendor: '', architecture: '' } })).toEqual({ device: '', software: false });
  });
});
