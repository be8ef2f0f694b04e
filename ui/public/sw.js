// octo's service worker: shows Web Push notifications, opens the conversation a click is about, and
// keeps an offline app shell. The shell is index.html plus the build's own files (listed at build
// time in /precache.json); nothing under /api/ is ever cached or even seen here.
const SHELL = "octo-shell-v1";

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL);
      let files = ["/"];
      try {
        const listed = await fetch("/precache.json", { cache: "no-store" });
        if (listed.ok) files = files.concat(await listed.json());
      } catch {
        // Offline at install: the next visit installs again.
      }
      await cache.addAll(files.filter((f) => !f.startsWith("/api/")));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name !== SHELL) await caches.delete(name);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  if (req.mode === "navigate") {
    // Fresh from the server when it answers; the cached shell when it does not.
    event.respondWith(
      fetch(req).catch(async () => (await caches.match("/", { cacheName: SHELL })) ?? Response.error()),
    );
    return;
  }
  if (url.pathname.startsWith("/assets/")) {
    // Content-hashed: a cached copy is always right.
    event.respondWith(
      (async () => {
        const hit = await caches.match(req, { cacheName: SHELL });
        if (hit) return hit;
        const res = await fetch(req);
        if (res.ok) (await caches.open(SHELL)).put(req, res.clone());
        return res;
      })(),
    );
  }
});

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = { title: "octo", body: event.data ? event.data.text() : "" };
  }
  const title = data.title || "octo";
  event.waitUntil(
    self.registration.showNotification(title, {
      body: data.body || "",
      tag: data.session_id || data.id || "octo",
      icon: "/icons/icon-192.png",
      badge: "/icons/badge-96.png",
      data: { url: data.url || "/projects", id: data.id },
    }),
  );
});

/** Brings an open octo tab to `url` (the app routes it without a reload), or opens one. */
async function openConversation(url) {
  const target = new URL(url || "/projects", self.location.origin);
  if (target.origin !== self.location.origin) return;
  const tabs = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  for (const tab of tabs) {
    if (new URL(tab.url).origin !== self.location.origin) continue;
    tab.postMessage({ type: "octo.open", url: target.pathname + target.search });
    try {
      await tab.focus();
    } catch {
      // Focusing needs the click's user activation; the tab has its URL either way.
    }
    return;
  }
  await self.clients.openWindow(target.href);
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(openConversation(event.notification.data?.url));
});
