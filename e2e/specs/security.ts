/**
 * What a hostile link cannot do, and the Content-Security-Policy the app ships under
 * (public/_headers, and the <meta> the build writes). Their names start with "security:"
 * (npx tsx e2e/run.ts security: runs only these).
 */
import type { Page } from 'playwright-core';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { metaPolicy, readHeadersFile } from '../../scripts/lib/staticHeaders';
import { ZOOM } from '../../src/app/state/bounds';
import { assert, DIST, serve, test, waitRuns } from '../harness';

/** The page answers within `ms`: its main thread runs a frame (a hung page never does). */
async function responsive(page: Page, what: string, ms = 5_000) {
  const t0 = Date.now();
  const frame = page.evaluate(() => new Promise<number>((r) => requestAnimationFrame(() => r(1))));
  const ok = await Promise.race([frame, new Promise<number>((r) => setTimeout(() => r(0), ms))]);
  assert(ok === 1, `${what}: the page did not draw a frame within ${ms / 1000} s (main thread hung)`);
  return Date.now() - t0;
}

/** The zoomed group's transform, as numbers: [x, y, k]. */
async function viewTransform(page: Page): Promise<number[]> {
  const t = (await page.locator('.view[data-view="0"] svg g.root').first().getAttribute('transform')) ?? '';
  return (t.match(/-?[\d.]+(?:e[-+]?\d+)?|NaN|-?Infinity/gi) ?? []).map(Number);
}

test('security: hostile links (zoom 1e20 and 1e308, a query past the model, NaN, negative, huge layer and heads) leave the page responsive with no error', async ({ open }) => {
  // The bundled models have 20 queries; a link may still name any index.
  const links: [string, (page: Page, url: URL) => Promise<void>][] = [
    ['zoom=1e20,80,80', async (page, url) => {
      assert(Number(url.searchParams.get('zoom')?.split(',')[0]) === ZOOM.max, `zoom not clamped to ${ZOOM.max}: ${url.search}`);
      const [, , k] = await viewTransform(page);
      assert(Number.isFinite(k) && k > 0 && k < 1e4, `view scale ${k}`);
    }],
    ['zoom=1e308,80,80', async (_page, url) => {
      assert(Number(url.searchParams.get('zoom')?.split(',')[0]) === ZOOM.max, `zoom not clamped to ${ZOOM.max}: ${url.search}`);
    }],
    ['q=25', async (page, url) => {
      assert(!url.searchParams.has('q'), `the query past the model stayed in the URL: ${url.search}`);
      assert((await page.getByTestId('query-list').locator('li[aria-selected=true]').count()) === 0, 'a query is shown as selected');
    }],
    ['zoom=NaN,NaN,NaN&layer=NaN&t=NaN&heads=NaN&q=NaN&enc=NaN,1', async (_page, url) => {
      assert(!/NaN/.test(url.search), `NaN kept in the URL: ${url.search}`);
    }],
    ['zoom=-1,-1e308,1e308&layer=-5&t=-1&q=-1&heads=-1', async (page) => {
      const t = await viewTransform(page);
      assert(t.length === 3 && t.every(Number.isFinite), `view transform ${t}`);
    }],
    ['layer=1e308&heads=ffffffffffffffff&q=99999999999&zoom=64,1e308,-1e308', async (page) => {
      const t = await viewTransform(page);
      assert(t.length === 3 && t.every((v) => Number.isFinite(v) && Math.abs(v) < 1e9), `view transform ${t}`);
      assert(Number(await page.getByTestId('layer-slider').inputValue()) >= 1, 'layer slider');
    }],
    ['mode=encoder&enc=1e308,-1e308&zoom=1e-300,0,0', async () => {}],
  ];
  for (const [link, check] of links) {
    const page = await open(`?backend=wasm&${link}`, { wait: false });
    try {
      // waitRuns fails on an error banner; a hung page never completes the run.
      await waitRuns(page, 1, 120_000);
      // The selection's attention slice is asked for after the run: give it time to fail.
      await page.waitForTimeout(1_500);
      await responsive(page, link);
      const err = page.getByTestId('error-message');
      if (await err.count()) throw new Error(`error banner "${await err.first().textContent()}"`);
      if (!/mode=encoder/.test(link)) assert((await page.getByTestId('detection-box').count()) > 0, `${link}: no detections`);
      await check(page, new URL(page.url()));
      // Still interactive: a key zooms in, and the page answers.
      await page.locator('body').press('+');
      await responsive(page, `${link} after a key`);
    } catch (e) {
      throw new Error(`${link}: ${(e as Error).message}`, { cause: e });
    } finally {
      await page.close();
    }
  }
}, 900_000);

test('security: the Content-Security-Policy is in the built pages and the served headers, the app runs a model under it (worker, wasm threads, storage, service worker), and it blocks what it should', async ({ browser, url }) => {
  const declared = readHeadersFile(join(DIST, '_headers'));
  const csp = declared['Content-Security-Policy'];
  assert(csp && /frame-ancestors 'none'/.test(csp), 'dist/_headers has no CSP with frame-ancestors: ' + csp);
  for (const name of ['index.html', 'parity.html']) {
    const html = readFileSync(join(DIST, name), 'utf8');
    const m = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]*)"\s*\/?>/);
    assert(m, `${name} has no CSP <meta>`);
    const content = m[1].replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&');
    assert(content === metaPolicy(csp), `${name}: the meta policy "${content}" is not _headers' "${metaPolicy(csp)}"`);
    assert(!/frame-ancestors/.test(content), `${name}: frame-ancestors in a meta is ignored (and logged)`);
    const first = html.search(/<script|<link[^>]+(stylesheet|modulepreload)/);
    assert(first < 0 || html.indexOf(m[0]) < first, `${name}: the CSP meta comes after a script or stylesheet`);
  }
  // The page and the worker's script are served with the headers (a worker runs under its own response's policy).
  const worker = readdirSync(join(DIST, 'assets')).find((f) => /^inference\.worker-.*\.js$/.test(f));
  assert(worker, 'no inference worker in dist/assets');
  for (const path of ['', `assets/${worker}`]) {
    const res = await fetch(url + path);
    const h = (n: string) => res.headers.get(n);
    assert(h('content-security-policy') === csp, `${path || '/'}: CSP header ${h('content-security-policy')}`);
    assert(h('x-content-type-options') === 'nosniff', `${path || '/'}: X-Content-Type-Options ${h('x-content-type-options')}`);
    assert(h('referrer-policy') === 'no-referrer', `${path || '/'}: Referrer-Policy ${h('referrer-policy')}`);
  }

  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const plain = await serve(DIST, 0, { headers: false, isolated: false });
  try {
    await context.addInitScript(() => {
      const w = window as unknown as { __csp: string[] };
      w.__csp = [];
      addEventListener('securitypolicyviolation', (e) => {
        const v = e as SecurityPolicyViolationEvent;
        w.__csp.push(`${v.effectiveDirective} ${v.blockedURI}`);
      });
    });
    const violations = (p: Page) => p.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push('pageerror: ' + e.message));
    await page.goto(url + '?backend=wasm');
    await waitRuns(page, 1);
    assert((await page.getByTestId('detection-box').count()) > 0, 'no detections under the CSP');
    const badge = page.getByTestId('backend-badge');
    assert((await badge.textContent()) === 'wasm', 'backend is not wasm: ' + (await badge.textContent()));
    // The threaded build starts its pthreads from blob: workers: more than one thread means they ran.
    const { isolated, cores } = await page.evaluate(() => ({ isolated: self.crossOriginIsolated, cores: navigator.hardwareConcurrency }));
    const threads = Number(await badge.getAttribute('data-threads'));
    assert(isolated, 'the page is not cross-origin isolated');
    if (cores >= 2) assert(threads >= 2, `wasm runs ${threads} thread(s) under the CSP: ${await badge.getAttribute('title')}`);
    // Origin-private storage, the service worker and WebGPU's adapter, under the same policy.
    const env = await page.evaluate(async () => {
      const root = await navigator.storage.getDirectory();
      const fh = await root.getFileHandle('csp-probe.txt', { create: true });
      const w = await fh.createWritable();
      await w.write('stored');
      await w.close();
      const opfs = await (await fh.getFile()).text();
      await root.removeEntry('csp-probe.txt');
      const sw = await Promise.race([navigator.serviceWorker.ready.then((r) => !!r.active), new Promise<boolean>((r) => setTimeout(() => r(false), 30_000))]);
      const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
      const adapter = gpu ? !!(await gpu.requestAdapter()) : null;
      return { opfs, sw, adapter };
    });
    assert(env.opfs === 'stored', 'origin-private storage: ' + env.opfs);
    assert(env.sw, 'the service worker did not activate under the CSP');
    assert(env.adapter !== false, 'navigator.gpu gives no adapter under the CSP');
    // Nothing the app did was refused.
    assert((await violations(page)).length === 0, 'CSP violations by the app: ' + (await violations(page)).join(' | '));
    assert(errors.length === 0, 'console errors under the CSP: ' + errors.slice(0, 3).join(' | '));

    // And it is enforced: an injected inline script and an image from another host are refused.
    // (Not eval: code that DevTools evaluates, as page.evaluate does, is exempt from the policy.)
    const ran = await page.evaluate(async () => {
      const w = window as unknown as { __injected?: number };
      const s = document.createElement('script');
      s.textContent = 'window.__injected = 1';
      document.head.append(s);
      const img = new Image();
      img.src = 'https://example.invalid/probe.png';
      await new Promise((r) => setTimeout(r, 300));
      return w.__injected === 1;
    });
    assert(!ran, 'the CSP let an injected inline script run');
    // Each is reported once per policy that refuses it: the header's and the meta's.
    const seen = await violations(page);
    const probes = [/^script-src-elem inline$/, /^img-src https:\/\/example\.invalid\/probe\.png$/];
    for (const want of probes) assert(seen.filter((v) => want.test(v)).length === 2, `${want} not refused by both policies (saw: ${seen.join(' | ')})`);
    assert(seen.length === 4, 'unexpected violations: ' + seen.join(' | '));

    // frame-ancestors 'none' (a header only): the app will not load in a frame.
    const framer = await context.newPage();
    const framerErrors: string[] = [];
    framer.on('console', (m) => m.type() === 'error' && framerErrors.push(m.text()));
    await framer.setContent(`<iframe src="${url}?backend=wasm"></iframe>`);
    await framer.waitForTimeout(2_000);
    const child = framer.frames().find((f) => f !== framer.mainFrame());
    const framed = child ? await child.locator('#root').count().catch(() => 0) : 0;
    assert(framed === 0, 'the app loaded inside a frame');
    assert(framerErrors.every((e) => /frame-ancestors|Refused to (display|frame)/i.test(e)), 'framing: ' + framerErrors.join(' | '));

    // A host that ignores _headers still serves the <meta> policy with the page.
    const bare = await context.newPage();
    bare.on('console', () => {});
    const res = await bare.goto(plain.url + '?backend=wasm');
    assert(!res?.headers()['content-security-policy'], 'the plain server sent a CSP header');
    const bareInline = await bare.evaluate(async () => {
      const s = document.createElement('script');
      s.textContent = 'window.__injected = 1';
      document.head.append(s);
      await new Promise((r) => setTimeout(r, 100));
      return (window as unknown as { __injected?: number }).__injected === 1;
    });
    assert(!bareInline, 'without the header, the meta policy did not refuse an inline script');
  } finally {
    await context.close();
    await plain.close();
  }
}, 300_000);
