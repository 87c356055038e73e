/**
 * Telling a software GPU (SwiftShader, llvmpipe, a fallback adapter) from a real one: on a
 * machine without a GPU, Chromium still offers WebGPU and WebGL on the CPU, and both are many
 * times slower than wasm there (37-56 s to the first boxes against 6 s).
 */
const SOFTWARE = /swiftshader|llvmpipe|lavapipe|software|basic render/i;

type AdapterInfo = { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
export type GpuAdapterLike = { info?: AdapterInfo; isFallbackAdapter?: boolean };

/** The adapter's description, and whether it is software. */
export function describeWebGpuAdapter(adapter: GpuAdapterLike): { device: string; software: boolean } {
  const info = adapter.info ?? {};
  const device = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' / ');
  return { device, software: !!(adapter.isFallbackAdapter || info.isFallbackAdapter) || SOFTWARE.test(device) };
}

/** The WebGL renderer's name (unmasked where allowed), and whether it is software. */
export function describeWebGlRenderer(): { device: string; software: boolean } {
  if (typeof OffscreenCanvas === 'undefined') return { device: 'no OffscreenCanvas', software: false };
  const gl = new OffscreenCanvas(1, 1).getContext('webgl2') as WebGL2RenderingContext | null;
  if (!gl) return { device: 'no webgl2 context', software: false };
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  const device = String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return { device, software: SOFTWARE.test(device) };
}
