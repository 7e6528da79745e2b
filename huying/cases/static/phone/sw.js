/* 呼应 phone pages: keep the shell for offline use. Reports made offline are queued by
   phone.js in IndexedDB and sent when the connection returns; this worker only serves
   pages and static files from its cache when the network fails. */
const CACHE = "huying-phone-v1";
const SHELL = ["/m/report", "/m/track", "/static/core/console.css", "/static/phone/phone.js"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET") return;
  // Network first, so staff edits and case progress are never stale; cache as the fallback.
  event.respondWith(
    fetch(req).then((res) => {
      if (res.ok && (req.mode === "navigate" || req.url.includes("/static/"))) {
        const copy = res.clone();
        caches.open(CACHE).then((c) => c.put(req, copy));
      }
      return res;
    }).catch(() => caches.match(req).then((hit) => hit || caches.match("/m/report")))
  );
});
