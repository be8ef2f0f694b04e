import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import webpush from "web-push";

export interface VapidKeys {
  /** base64url, uncompressed P-256 point: what browsers take as `applicationServerKey`. */
  publicKey: string;
  privateKey: string;
}

const valid = (k: unknown): k is VapidKeys =>
  typeof (k as VapidKeys)?.publicKey === "string" &&
  typeof (k as VapidKeys)?.privateKey === "string" &&
  (k as VapidKeys).publicKey.length >= 80;

/**
 * The server's VAPID key pair: generated once into the data dir (0600) and kept, because every
 * browser subscription is bound to the public key it was made with — a new pair orphans them all.
 */
export function loadOrCreateVapidKeys(file: string): VapidKeys {
  if (existsSync(file)) {
    const k = JSON.parse(readFileSync(file, "utf8")) as unknown;
    if (valid(k)) return { publicKey: k.publicKey, privateKey: k.privateKey };
    throw new Error(`${file} does not hold a VAPID key pair; move it away to have a new one made`);
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const keys = webpush.generateVAPIDKeys();
  writeFileSync(file, `${JSON.stringify(keys)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return keys;
}
