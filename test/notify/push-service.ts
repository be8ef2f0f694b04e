import * as jose from "jose";

/**
 * A fake Web Push service: it holds a real P-256 key pair and auth secret per subscription (as a
 * browser would), decrypts every message it is sent (RFC 8291 / RFC 8188 aes128gcm, done here with
 * WebCrypto, independently of the server's `web-push`), checks the VAPID JWT (RFC 8292), and answers
 * each endpoint with the status the test chose: 201, 404 or 410.
 */

export interface FakeSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
  status: number;
  privateKey: CryptoKey;
  publicRaw: Uint8Array;
  authSecret: Uint8Array;
}

export interface Delivered {
  endpoint: string;
  status: number;
  at: number;
  payload: Record<string, unknown>;
  vapidKey: string;
  headers: Record<string, string>;
}

const b64u = (b: Uint8Array) => Buffer.from(b).toString("base64url");
const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
const enc = (s: string) => new TextEncoder().encode(s);

async function hkdf(salt: Uint8Array, ikm: Uint8Array, info: Uint8Array, bytes: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", ikm as Uint8Array<ArrayBuffer>, "HKDF", false, [
    "deriveBits",
  ]);
  return new Uint8Array(
    await crypto.subtle.deriveBits(
      {
        name: "HKDF",
        hash: "SHA-256",
        salt: salt as Uint8Array<ArrayBuffer>,
        info: info as Uint8Array<ArrayBuffer>,
      },
      key,
      bytes * 8,
    ),
  );
}

/** RFC 8291 §3.4 + RFC 8188 §2: one aes128gcm record, with the sender's key as keyid. */
export async function decryptAes128gcm(sub: FakeSubscription, body: Uint8Array): Promise<string> {
  const salt = body.subarray(0, 16);
  const rs = new DataView(body.buffer, body.byteOffset + 16, 4).getUint32(0);
  const idlen = body[20] as number;
  const senderPublic = body.subarray(21, 21 + idlen);
  const ciphertext = body.subarray(21 + idlen);
  if (idlen !== 65) throw new Error(`keyid must be the sender's 65-byte public key, got ${idlen}`);
  if (ciphertext.length > rs) throw new Error("more than one record");
  const sender = await crypto.subtle.importKey(
    "raw",
    senderPublic as Uint8Array<ArrayBuffer>,
    { name: "ECDH", namedCurve: "P-256" },
    false,
    [],
  );
  const ecdhSecret = new Uint8Array(
    await crypto.subtle.deriveBits({ name: "ECDH", public: sender }, sub.privateKey, 256),
  );
  const keyInfo = concat(enc("WebPush: info\0"), sub.publicRaw, senderPublic);
  const ikm = await hkdf(sub.authSecret, ecdhSecret, keyInfo, 32);
  const cek = await hkdf(salt, ikm, enc("Content-Encoding: aes128gcm\0"), 16);
  const nonce = await hkdf(salt, ikm, enc("Content-Encoding: nonce\0"), 12);
  const aes = await crypto.subtle.importKey("raw", cek as Uint8Array<ArrayBuffer>, "AES-GCM", false, [
    "decrypt",
  ]);
  const plain = new Uint8Array(
    await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: nonce as Uint8Array<ArrayBuffer> },
      aes,
      ciphertext as Uint8Array<ArrayBuffer>,
    ),
  );
  // The last record ends with the delimiter 0x02, then zero padding.
  let end = plain.length - 1;
  while (end >= 0 && plain[end] === 0) end--;
  if (plain[end] !== 2) throw new Error("no last-record delimiter");
  return new TextDecoder().decode(plain.subarray(0, end));
}

export interface FakePushService {
  url: string;
  delivered: Delivered[];
  /** Requests that could not be decrypted or verified, with why. */
  rejected: string[];
  subscribe(status?: number): Promise<FakeSubscription>;
  waitFor(n: number, ms?: number): Promise<Delivered[]>;
  stop(): void;
}

export async function startFakePushService(): Promise<FakePushService> {
  const subs = new Map<string, FakeSubscription>();
  const delivered: Delivered[] = [];
  const rejected: string[] = [];
  const waiters = new Set<() => void>();
  let next = 1;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const at = performance.timeOrigin + performance.now();
      const sub = subs.get(req.url);
      if (!sub) return new Response("no such subscription", { status: 404 });
      try {
        if (req.headers.get("content-encoding") !== "aes128gcm") throw new Error("not aes128gcm");
        const auth = /^vapid t=([^,]+),\s*k=(\S+)$/.exec(req.headers.get("authorization") ?? "");
        if (!auth) throw new Error(`no VAPID authorization: ${req.headers.get("authorization")}`);
        const [, jwt, k] = auth as unknown as [string, string, string];
        const pub = Buffer.from(k, "base64url");
        const jwk = {
          kty: "EC",
          crv: "P-256",
          x: b64u(pub.subarray(1, 33)),
          y: b64u(pub.subarray(33, 65)),
        };
        const { payload: claims } = await jose.jwtVerify(jwt, await jose.importJWK(jwk, "ES256"));
        if (claims.aud !== new URL(req.url).origin) throw new Error(`VAPID aud ${claims.aud}`);
        const text = await decryptAes128gcm(sub, new Uint8Array(await req.arrayBuffer()));
        const headers: Record<string, string> = {};
        req.headers.forEach((v, name) => {
          headers[name] = v;
        });
        delivered.push({
          endpoint: req.url,
          status: sub.status,
          at,
          payload: JSON.parse(text),
          vapidKey: k,
          headers,
        });
      } catch (e) {
        rejected.push(String(e));
        for (const w of [...waiters]) w();
        return new Response("bad request", { status: 400 });
      }
      for (const w of [...waiters]) w();
      return new Response(null, { status: sub.status });
    },
  });
  const url = `http://127.0.0.1:${server.port}`;
  return {
    url,
    delivered,
    rejected,
    async subscribe(status = 201) {
      const pair = (await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, [
        "deriveBits",
      ])) as CryptoKeyPair;
      const publicRaw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
      const authSecret = crypto.getRandomValues(new Uint8Array(16));
      const sub: FakeSubscription = {
        endpoint: `${url}/push/${next++}`,
        keys: { p256dh: b64u(publicRaw), auth: b64u(authSecret) },
        status,
        privateKey: pair.privateKey,
        publicRaw,
        authSecret,
      };
      subs.set(sub.endpoint, sub);
      return sub;
    },
    waitFor(n, ms = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (rejected.length) return done(new Error(`push rejected: ${rejected.join("; ")}`));
          if (delivered.length >= n) return done(null);
        };
        const timer = setTimeout(
          () => done(new Error(`waited ${ms} ms for ${n} pushes, got ${delivered.length}`)),
          ms,
        );
        const done = (err: Error | null) => {
          clearTimeout(timer);
          waiters.delete(check);
          if (err) reject(err);
          else resolve(delivered.slice());
        };
        waiters.add(check);
        check();
      });
    },
    stop() {
      server.stop(true);
    },
  };
}
