import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { ISOLATION_HEADERS, metaPolicy, readHeadersFile } from './scripts/lib/staticHeaders';

// The response headers are declared once, in public/_headers (see there for each CSP source).
const STATIC_HEADERS = readHeadersFile(fileURLToPath(new URL('./public/_headers', import.meta.url)));
// Cross-origin isolation lets the WASM backend use threads (SharedArrayBuffer).
const isolationHeaders = Object.fromEntries(ISOLATION_HEADERS.map((h) => [h, STATIC_HEADERS[h]]));

/**
 * The Content-Security-Policy as a <meta> in every built page, first in <head> so it covers all
 * that follows: any static host then serves it, with or without _headers. Build only: the dev
 * server's own client is an inline script with a websocket, which the policy refuses.
 */
function cspMeta(): Plugin {
  const csp = STATIC_HEADERS['Content-Security-Policy'];
  if (!csp) throw new Error('public/_headers has no Content-Security-Policy');
  return {
    name: 'csp-meta',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: metaPolicy(csp) }, injectTo: 'head-prepend' }],
  };
}

export default defineConfig({
  plugins: [react(), cspMeta()],
  // Names the service worker's cache (public/sw.js): one per build.
  define: { __BUILD_ID__: JSON.stringify(Date.now().toString(36)) },
  server: { headers: isolationHeaders },
  preview: { headers: STATIC_HEADERS },
  worker: { format: 'es' },
  // Pre-bundled in dev like any dependency: its wasm-out/ files are CommonJS, which the browser
  // cannot import as they are. The threaded factory is listed because the worker imports it too
  // (src/worker/wasmThreads.ts); listing it spares a re-optimisation and reload on first use.
  optimizeDeps: { include: ['@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js'] },
  build: {
    rollupOptions: {
      // parity.html: the official-parity check in the browser (used by e2e/parity-webgpu.ts);
      // bench.html: the benchmark page (npm run bench).
      input: { main: 'index.html', parity: 'parity.html', bench: 'bench.html' },
    },
  },
});
