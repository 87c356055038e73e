import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Cross-origin isolation lets the WASM backend use threads (SharedArrayBuffer).
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [react()],
  // Names the service worker's cache (public/sw.js): one per build.
  define: { __BUILD_ID__: JSON.stringify(Date.now().toString(36)) },
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
  worker: { format: 'es' },
  // Pre-bundled in dev like any dependency: its wasm-out/ files are CommonJS, which the browser
  // cannot import as they are. The threaded factory is listed because the worker imports it too
  // (src/worker/wasmThreads.ts); listing it spares a re-optimisation and reload on first use.
  optimizeDeps: { include: ['@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js'] },
  build: {
    rollupOptions: {
      // parity.html: the official-parity check in the browser (used by e2e/parity-webgpu.ts).
      input: { main: 'index.html', parity: 'parity.html' },
    },
  },
});
