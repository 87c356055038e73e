/**
 * public/_headers (the format Netlify and Cloudflare Pages read) is the one place the app's
 * response headers are declared: vite.config.ts sends them from `vite preview` and writes the
 * Content-Security-Policy into the built pages as a <meta>, and the e2e server sends them, so the
 * tests run under exactly what a static host serves.
 */
import { readFileSync } from 'node:fs';

/** The headers of the file's `/*` block (every path), by name. */
export function headersForAllPaths(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let inAll = false;
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim() || line.trimStart().startsWith('#')) continue;
    if (!/^\s/.test(line)) {
      inAll = line.trim() === '/*';
      continue;
    }
    const i = line.indexOf(':');
    if (inAll && i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

export function readHeadersFile(path: string): Record<string, string> {
  return headersForAllPaths(readFileSync(path, 'utf8'));
}

/**
 * The policy as a <meta http-equiv> may carry it: without the directives only a header can
 * deliver (browsers ignore them in a meta, with a console error).
 */
export function metaPolicy(csp: string): string {
  const headerOnly = new Set(['frame-ancestors', 'report-uri', 'report-to', 'sandbox']);
  return csp
    .split(';')
    .map((d) => d.trim())
    .filter((d) => d && !headerOnly.has(d.split(/\s+/)[0].toLowerCase()))
    .join('; ');
}

/** Headers that only make sense where the page is cross-origin isolated (COOP/COEP). */
export const ISOLATION_HEADERS = ['Cross-Origin-Opener-Policy', 'Cross-Origin-Embedder-Policy'];
