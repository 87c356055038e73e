/**
 * Offline use: after the first load the service worker keeps the app, every bundled model and
 * the first view's snapshots, so a reload with the network gone works.
 */
import { assert, runs, test, waitRuns } from '../harness';

test('works offline after the first load (service worker cache)', async ({ open }) => {
  const page = await open('?backend=wasm');
  // Poll from Node: waitForFunction does not await an async predicate (a pending Promise is
  // truthy), so it would go offline before the service worker has cached anything.
  const cached = () =>
    page.evaluate(async () => {
      // Everything the reload needs: the page itself (its URL without the query), its scripts and
      // styles, the worker, the WASM binary and the weights; the service worker adds them in parallel.
      // One cache, named by the build; the page stored once under its URL without the query.
      const names = (await caches.keys()).filter((n) => n.startsWith('sam-detr-lens-'));
      if (names.length !== 1) return false;
      const keys = (await (await caches.open(names[0])).keys()).map((k) => k.url);
      if (keys.some((u) => u.startsWith(location.href.split('?')[0] + '?'))) throw new Error('the app shell is stored under a query variant: ' + keys.join(' '));
      const pageUrl = location.href.split('?')[0];
      const assets = [...document.querySelectorAll<HTMLScriptElement | HTMLLinkElement>('script[src], link[rel=stylesheet]')].map((e) => ('src' in e ? e.src : e.href));
      // Every bundled model's weights, not only the default's that this visit loaded.
      const models = ['sam-detr-smca', 'sam-detr', 'detr-baseline'].every((m) => keys.some((u) => u.includes(`/models/${m}/weights.safetensors`)));
      return keys.includes(pageUrl) && assets.every((a) => keys.includes(a)) && models && keys.some((u) => u.endsWith('.wasm')) && keys.some((u) => u.includes('inference.worker'));
    });
  const t0 = Date.now();
  while (!(await cached())) {
    assert(Date.now() - t0 < 30_000, 'the service worker did not cache the app within 30 s');
    await page.waitForTimeout(250);
  }
  await page.context().setOffline(true);
  // Still the first visit: its worker started before the service worker took the page, so its
  // own requests miss the cache; switching models offline must work all the same.
  let r = await runs(page);
  await page.getByTestId('model-picker').selectOption('sam-detr');
  await page.getByTestId('model-details').filter({ hasText: '— sam-detr' }).waitFor({ timeout: 20_000 });
  await waitRuns(page, r + 1);
  assert((await page.getByTestId('error-message').count()) === 0, 'an error switching models offline on the first visit: ' + (await page.getByTestId('error-message').textContent().catch(() => '')));
  r = await runs(page);
  await page.getByTestId('model-picker').selectOption('sam-detr-smca');
  await waitRuns(page, r + 1);
  await page.reload();
  await waitRuns(page, 1);
  assert((await page.getByTestId('detection-box').count()) > 0, 'no detections offline');
  // Another view of the app (another query string) offline: the same shell serves it.
  await page.goto(new URL('?backend=wasm&image=example:7', page.url()).href);
  await waitRuns(page, 1);
  assert((await page.getByTestId('detection-box').count()) > 0, 'no detections offline with another query string');
  // A bundled model this visit never loaded, offline.
  await page.goto(new URL('?backend=wasm&model=detr-baseline', page.url()).href);
  await waitRuns(page, 1);
  await page.getByTestId('model-details').filter({ hasText: '— detr-baseline' }).waitFor({ timeout: 20_000 });
  await page.context().setOffline(false);
});

test('effect: the snapshots the first view loaded are kept for offline use', async ({ open }) => {
  const page = await open('');
  await page.locator('[data-testid=effect-panel] table[data-scope=mean]').waitFor({ timeout: 60_000 });
  const epoch = await page.getByTestId('epoch-slider').getAttribute('data-epoch');
  // Poll from Node (an async predicate in waitForFunction would be truthy at once).
  const cached = () =>
    page.evaluate(async (e) => {
      const names = (await caches.keys()).filter((n) => n.startsWith('sam-detr-lens-'));
      if (names.length !== 1) return false;
      const keys = (await (await caches.open(names[0])).keys()).map((k) => k.url);
      return ['sam-detr-smca', 'detr-baseline'].every((m) => keys.some((u) => u.includes(`/models/${m}/snapshots/epoch-${e}/weights.safetensors`)));
    }, epoch);
  const t0 = Date.now();
  while (!(await cached())) {
    assert(Date.now() - t0 < 60_000, `the snapshots of epoch ${epoch} were not cached within 60 s`);
    await page.waitForTimeout(250);
  }
  console.log(`      (epoch ${epoch} snapshots cached after ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  await page.context().setOffline(true);
  await page.reload();
  await waitRuns(page, 1);
  await page.locator('[data-testid=effect-panel] table[data-scope=mean]').waitFor({ timeout: 60_000 });
  assert((await page.getByTestId('epoch-slider').getAttribute('data-epoch')) === epoch, 'offline, the first view is at another epoch');
  assert((await page.getByTestId('error-message').count()) === 0, 'an error offline: ' + (await page.getByTestId('error-message').textContent().catch(() => '')));
  await page.context().setOffline(false);
}, 240_000);
