import { addDevice, pushInfo } from "./notifications-api.ts";

/**
 * Web Push on this device. The permission prompt is only ever shown from a click (browsers refuse
 * or penalise it otherwise), and on iPhone/iPad only inside the installed app: iOS offers Web Push
 * to Home Screen apps only (16.4+).
 */

export type PushSupport =
  | { kind: "ready" }
  | { kind: "unsupported"; why: string }
  /** iOS Safari in a tab: add to the Home Screen first, then open octo from there. */
  | { kind: "ios-install-first" }
  | { kind: "denied" };

const isIos = () =>
  /iPad|iPhone|iPod/.test(navigator.userAgent) ||
  (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
const standalone = () =>
  window.matchMedia("(display-mode: standalone)").matches ||
  (navigator as { standalone?: boolean }).standalone === true;

export function pushSupport(): PushSupport {
  if (isIos() && !standalone()) return { kind: "ios-install-first" };
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window))
    return { kind: "unsupported", why: "This browser cannot receive push notifications." };
  if (Notification.permission === "denied") return { kind: "denied" };
  return { kind: "ready" };
}

const keyBytes = (b64url: string): Uint8Array<ArrayBuffer> => {
  const b64 = b64url.replace(/-/g, "+").replace(/_/g, "/");
  const raw = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
};

export function deviceName(): string {
  const ua = navigator.userAgent;
  const os = /Android/.test(ua)
    ? "Android"
    : isIos()
      ? "iPhone/iPad"
      : /Mac OS X/.test(ua)
        ? "Mac"
        : /Windows/.test(ua)
          ? "Windows"
          : /Linux/.test(ua)
            ? "Linux"
            : "Device";
  const browser = /Edg\//.test(ua)
    ? "Edge"
    : /Firefox\//.test(ua)
      ? "Firefox"
      : /Chrome\//.test(ua)
        ? "Chrome"
        : /Safari\//.test(ua)
          ? "Safari"
          : "browser";
  return `${browser} on ${os}${standalone() ? " (app)" : ""}`;
}

/** Call from a click handler only. Resolves with an error message, or null when subscribed. */
export async function enablePush(): Promise<string | null> {
  const support = pushSupport();
  if (support.kind === "ios-install-first")
    return "Add octo to your Home Screen first, then open it from there.";
  if (support.kind === "unsupported") return support.why;
  if (support.kind === "denied") return "Notifications are blocked for this site in the browser's settings.";
  const permission = await Notification.requestPermission();
  if (permission !== "granted") return "Notifications were not allowed.";
  const info = await pushInfo();
  if (!info.ok) return info.error.message;
  if (!info.value.public_key) return "Push notifications are not available on this server.";
  const reg = await navigator.serviceWorker.ready;
  try {
    const sub =
      (await reg.pushManager.getSubscription()) ??
      (await reg.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: keyBytes(info.value.public_key),
      }));
    const r = await addDevice(sub.toJSON(), deviceName());
    return r.ok ? null : r.error.message;
  } catch (e) {
    return `This browser could not subscribe: ${(e as Error).message}`;
  }
}

/** The service worker: push, notification clicks and the offline shell. */
export function registerServiceWorker(onOpen: (url: string) => void): void {
  if (!("serviceWorker" in navigator)) return;
  void navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch((e) => {
    console.warn("octo: service worker not registered:", e);
  });
  navigator.serviceWorker.addEventListener("message", (e: MessageEvent) => {
    const d = e.data as { type?: string; url?: string } | null;
    if (d?.type === "octo.open" && typeof d.url === "string" && d.url.startsWith("/")) onOpen(d.url);
  });
}
