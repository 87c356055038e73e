// Service worker: keeps a copy of everything the app fetched from its own origin (page, scripts,
// WASM binaries, bundled models), so the app works offline after the first load. Network first,
// so a reachable server always wins and updates arrive; the cache is only the fallback.
const CACHE = 'sam-detr-lens-v1';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET' || new URL(req.url).origin !== self.location.origin) return;
  event.respondWith(
    fetch(req)
      .then((res) => {
        if (res.ok && res.status === 200) {
          const copy = res.clone();
          event.waitUntil(caches.open(CACHE).then((c) => c.put(req, copy)));
        }
        return res;
      })
      .catch(async () => {
        const hit = await caches.match(req, { ignoreSearch: req.mode === 'navigate' });
        if (hit) return hit;
        // A navigation to any page URL of the app (another query string, index.html or the bare
        // directory) gets the cached app shell rather than the browser's network error page.
        if (req.mode === 'navigate') {
          const scope = self.registration.scope;
          const shell = (await caches.match(scope)) || (await caches.match(scope + 'index.html'));
          if (shell) return shell;
        }
        throw new Error('offline and not cached: ' + req.url);
      }),
  );
});

// The page sends the URLs it (and its inference worker) loaded before this worker took control,
// so that the very first visit is enough for offline use.
self.addEventListener('message', (event) => {
  const urls = event.data && event.data.type === 'cache' ? event.data.urls : null;
  if (!Array.isArray(urls)) return;
  const same = urls.filter((u) => {
    try {
      return new URL(u).origin === self.location.origin;
    } catch {
      return false;
    }
  });
  event.waitUntil(
    caches.open(CACHE).then((c) =>
      Promise.all(same.map((u) => c.match(u).then((hit) => hit || c.add(u).catch(() => undefined)))),
    ),
  );
});
