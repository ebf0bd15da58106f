// Service worker of the scanning page, served as /sw.js (scope "/").
//
// It keeps the page, its scripts, the vendored QR decoder and the data the page verifies
// with (trust list, status snapshot, hours minimums) in one cache. Every request for them
// goes to the network first, so an online page is always fresh and the cache follows the
// server; when the network fails or is slower than NETWORK_TIMEOUT the cached copy is used.
// Nothing else is intercepted (the upload form and the API always go to the server).
//
// The cache holds only what the server publishes to anyone; the page re-checks the trust
// list's and the snapshot's signatures every time it loads them, cached or not.

const CACHE = "cecert-scan-v1";
const NETWORK_TIMEOUT = 4000; // ms
const ASSETS = [
  "/scan",
  "/static/style.css",
  "/static/scan/page.js",
  "/static/scan/payload.js",
  "/static/scan/trust.js",
  "/static/scan/snapshot.js",
  "/static/scan/verify.js",
  "/static/vendor/jsQR.js",
  "/offline/trust.json",
  "/offline/policies.json",
];
const OPTIONAL = ["/offline/snapshot"]; // 404 when the verifier has no snapshot

async function refresh(cache, url) {
  const response = await fetch(url, { cache: "no-store" });
  if (response.ok) {
    await cache.put(url, response.clone());
  } else if (response.status === 404) {
    await cache.delete(url); // the server no longer publishes it: do not keep an old one
  }
  return response;
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(ASSETS.map((url) => new Request(url, { cache: "no-store" })));
      await Promise.all(OPTIONAL.map((url) => refresh(cache, url).catch(() => undefined)));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith("cecert-scan-") && name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

function timeout(ms) {
  return new Promise((_, reject) => setTimeout(() => reject(new Error("network timeout")), ms));
}

async function networkFirst(path) {
  const cache = await caches.open(CACHE);
  let response = null;
  try {
    response = await Promise.race([refresh(cache, path), timeout(NETWORK_TIMEOUT)]);
  } catch {
    response = null; // offline, or too slow
  }
  if (response && (response.ok || response.status === 404)) return response;
  // No answer, or a server error: the last good copy is better than nothing.
  const cached = await cache.match(path);
  if (cached) return cached;
  return response ?? new Response("offline, and not in the cache", { status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } });
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  const path = url.pathname;
  if (ASSETS.includes(path) || OPTIONAL.includes(path)) {
    event.respondWith(networkFirst(path));
  }
});

// The page asks which assets are not cached yet ("missing": [] means ready for offline use).
self.addEventListener("message", (event) => {
  if (!event.data || event.data.type !== "missing" || !event.ports[0]) return;
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      const missing = [];
      for (const url of ASSETS) if (!(await cache.match(url))) missing.push(url);
      event.ports[0].postMessage({ missing });
    })(),
  );
});
