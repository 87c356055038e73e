/**
 * A tiny static server for the built app (dist/) that sends the headers a static host would: those
 * of dist/_headers (public/_headers: COOP/COEP, the Content-Security-Policy, nosniff, the
 * referrer policy), so every test runs under them.
 */
import { createServer, type Server } from 'node:http';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { ISOLATION_HEADERS, readHeadersFile } from './staticHeaders';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.safetensors': 'application/octet-stream',
};

/**
 * `isolated: false` serves without COOP/COEP/CORP, as a host that lacks them would: the page is
 * then not cross-origin isolated (no SharedArrayBuffer, so single-threaded WASM).
 * `headers: false` serves none of _headers' other headers either (the page's own <meta> policy
 * still applies).
 */
export async function serve(root: string, port = 0, opts: { isolated?: boolean; headers?: boolean } = {}): Promise<{ url: string; close: () => Promise<void>; server: Server }> {
  const base = resolve(root);
  const isolated = opts.isolated !== false;
  const declared = existsSync(join(base, '_headers')) ? readHeadersFile(join(base, '_headers')) : {};
  const isolation: Record<string, string> = isolated ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {};
  const others: Record<string, string> = opts.headers === false ? {} : Object.fromEntries(Object.entries(declared).filter(([k]) => !ISOLATION_HEADERS.includes(k)));
  const always = { ...others, ...isolation };
  const server = createServer(async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      let file = normalize(join(base, path));
      if (!file.startsWith(base)) {
        res.writeHead(403).end();
        return;
      }
      let st = await stat(file).catch(() => null);
      if (st?.isDirectory()) {
        file = join(file, 'index.html');
        st = await stat(file).catch(() => null);
      }
      if (!st) {
        res.writeHead(404, always).end('not found');
        return;
      }
      const body = await readFile(file);
      res.writeHead(200, {
        'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
        'Content-Length': body.length,
        ...always,
        ...(isolated ? { 'Cross-Origin-Resource-Policy': 'same-origin' } : {}),
        'Cache-Control': 'no-cache',
      });
      res.end(body);
    } catch (e) {
      res.writeHead(500).end(String(e));
    }
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const addr = server.address();
  const p = typeof addr === 'object' && addr ? addr.port : port;
  return { url: `http://127.0.0.1:${p}/`, server, close: () => new Promise((r) => server.close(() => r())) };
}
