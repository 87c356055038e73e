// Service worker: keeps a copy of what the app fetched from its own origin (page, scripts, WASM
// binaries, bundled models), so the app works offline after the first load. Network first, so a
// reachable server always wins and updates arrive; the cache is only the fallback.
//
// The cache is named by the build (the page registers sw.js?v=<build id>): a new build starts a
// new cache and the old ones are deleted when it activates. The app shell is stored once, under
// the scope URL, whatever query string a navigation had; only real answers are stored (200, from
// this origin, and for a non-navigation not an HTML page, which is what a server's "not found"
// fallback sends).
const VERSION = new URL(self.location.href).searchParams.get('v') || 'dev';
const PREFIX = 'sam-detr-lens-';
const CACHE = PREFIX + VERSION;
const SHELL = self.registration.scope;

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) =>
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith(PREFIX) && n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  ),
);

/** The key a request is stored under: navigations share the app shell's. */
const keyOf = (req) => (req.mode === 'navigate' ? SHELL : req.url);

function storable(req, res) {
  if (!res.ok || res.status !== 200 || res.type !== 'basic') return false;
  const html = (res.headers.get('content-type') || '').includes('text/html');
  return req.mode === 'navigate' ? html : !html || req.destination === 'document' || req.destination === 'iframe';
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET' || new URL(req.url).origin !== self.location.origin) return;
  event.respondWith(
    fetch(req)
      .then((res) => {
        if (storable(req, res)) {
          const copy = res.clone();
          event.waitUntil(caches.open(CACHE).then((c) => c.put(keyOf(req), copy)));
        }
        return res;
      })
      .catch(async () => {
        const cache = await caches.open(CACHE);
        const hit = (await cache.match(keyOf(req))) || (req.mode === 'navigate' ? await cache.match(SHELL + 'index.html') : undefined);
        if (hit) return hit;
        throw new Error('offline and not cached: ' + req.url);
      }),
  );
});

// The page sends the URLs it (and its inference worker) loaded before this worker took control,
// so that the very first visit is enough for offline use. The page's own URL goes in as the shell.
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
      Promise.all(
        same.map(async (u) => {
          const key = new URL(u).pathname === new URL(SHELL).pathname || u.split('?')[0] === SHELL + 'index.html' ? SHELL : u;
          if (await c.match(key)) return;
          try {
            const res = await fetch(u);
            if (res.ok && res.status === 200) await c.put(key, res);
          } catch {
            /* offline support is best effort */
          }
        }),
      ),
    ),
  );
});
