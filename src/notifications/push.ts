import webpush from "web-push";
import type { PushPayload } from "../protocol/notifications.ts";
import type { VapidKeys } from "./vapid.ts";

export interface PushTarget {
  endpoint: string;
  p256dh: string;
  auth: string;
}

/** `gone`: the push service forgot this subscription (404/410): drop it. */
export type PushOutcome =
  | { kind: "ok" }
  | { kind: "gone"; status: number }
  | { kind: "failed"; reason: string };

export interface PushSenderOptions {
  vapid: VapidKeys;
  /** The VAPID `sub` claim: how a push service reaches the operator. */
  subject: string;
  /** Side effect seam: the real `fetch` by default. */
  fetch?: typeof fetch;
  /** How long the push service keeps an undelivered message (s). */
  ttlSeconds?: number;
  timeoutMs?: number;
}

/**
 * Sends one Web Push message: `web-push` encrypts the payload (RFC 8291, aes128gcm) and signs the
 * VAPID JWT (RFC 8292); the request itself goes out through `fetch` (web-push's own sender speaks
 * only `https.request`, and a fetch seam keeps timeouts and tests in our hands).
 */
export function pushSender(opts: PushSenderOptions) {
  const doFetch = opts.fetch ?? fetch;
  return async (target: PushTarget, payload: PushPayload): Promise<PushOutcome> => {
    let details: ReturnType<typeof webpush.generateRequestDetails>;
    try {
      details = webpush.generateRequestDetails(
        { endpoint: target.endpoint, keys: { p256dh: target.p256dh, auth: target.auth } },
        JSON.stringify(payload),
        {
          vapidDetails: {
            subject: opts.subject,
            publicKey: opts.vapid.publicKey,
            privateKey: opts.vapid.privateKey,
          },
          TTL: opts.ttlSeconds ?? 24 * 3600,
          contentEncoding: "aes128gcm",
          urgency: payload.kind === "turn.input_needed" ? "high" : "normal",
        },
      );
    } catch (e) {
      return { kind: "failed", reason: `cannot encrypt for this subscription: ${(e as Error).message}` };
    }
    const headers: Record<string, string> = {};
    for (const [k, val] of Object.entries(details.headers)) headers[k] = String(val);
    try {
      const res = await doFetch(details.endpoint, {
        method: "POST",
        headers,
        body: details.body as unknown as Uint8Array<ArrayBuffer>,
        redirect: "manual",
        signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
      });
      await res.arrayBuffer().catch(() => {});
      if (res.status === 404 || res.status === 410) return { kind: "gone", status: res.status };
      if (res.status >= 200 && res.status < 300) return { kind: "ok" };
      return { kind: "failed", reason: `push service answered ${res.status}` };
    } catch (e) {
      return { kind: "failed", reason: (e as Error).message };
    }
  };
}

export type PushSend = ReturnType<typeof pushSender>;

/**
 * Push endpoints are URLs the browser chose; the server POSTs to them, so only public https ones
 * are taken (no requests to this host's or its network's services). `allowHttp` admits plain http
 * loopback endpoints, for a push service run beside a test server.
 */
export function pushEndpointProblem(endpoint: string, allowHttp: boolean): string | null {
  let u: URL;
  try {
    u = new URL(endpoint);
  } catch {
    return "endpoint is not a URL";
  }
  const loopback = u.hostname === "127.0.0.1" || u.hostname === "localhost" || u.hostname === "[::1]";
  if (allowHttp && u.protocol === "http:" && loopback) return null;
  if (u.protocol !== "https:") return "endpoint must be an https URL";
  if (
    loopback ||
    /^(10|127|169\.254|192\.168)\./.test(u.hostname) ||
    /^172\.(1[6-9]|2\d|3[01])\./.test(u.hostname)
  )
    return "endpoint must be a public push service";
  return null;
}
