import type { Database } from "bun:sqlite";
import { SlidingWindowLimiter, type Take, takeAll } from "../http/rate-limit.ts";
import type { ErrorBody } from "../protocol/errors.ts";
import { type UserRow, usersRepo } from "../storage/users.ts";
import { type DeviceClaims, newDeviceId, verifyDeviceToken } from "./device-token.ts";
import { checkCredentials } from "./login.ts";

export interface LoginAttempt {
  username: string;
  password: string;
  /** The client's address (behind a trusted proxy: from X-Forwarded-For). */
  ip: string;
  /** The `octo_device` cookie, if the browser sent one. */
  deviceToken?: string;
}

export type LoginOutcome =
  | { ok: true; user: UserRow; device: DeviceClaims }
  | { ok: false; error: ErrorBody; retryAfterMs?: number };

/** How long an address where a user signed in counts as theirs, and how many are kept per user. */
const KNOWN_IP_MS = 30 * 86_400_000;
const KNOWN_IPS_PER_USER = 16;

/**
 * Login rate limits that an attacker cannot turn against the user. Failures count per client
 * address and per user name; but the per-name limit only holds back strangers. The right password
 * from a browser that signed in as this user before (a valid device cookie) or from an address
 * where this user signed in within 30 days passes it — such attempts are limited per device or
 * per (user, address) instead, so a stolen device cookie still cannot guess freely. A device-cookie
 * holder is not held back by a per-address lock-out either (a shared NAT address stays usable).
 */
export class LoginGuard {
  private readonly byIp: SlidingWindowLimiter;
  private readonly byUsername: SlidingWindowLimiter;
  private readonly byKnownSource: SlidingWindowLimiter;
  private readonly knownIps = new Map<string, Map<string, number>>();

  constructor(
    private readonly deps: { db: Database; jwtSecret: string },
    perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.byIp = new SlidingWindowLimiter(perMinute);
    this.byUsername = new SlidingWindowLimiter(perMinute);
    this.byKnownSource = new SlidingWindowLimiter(perMinute);
  }

  async login(attempt: LoginAttempt): Promise<LoginOutcome> {
    const now = this.now();
    const user = usersRepo(this.deps.db).byUsername(attempt.username);
    const device = await verifyDeviceToken(this.deps.jwtSecret, attempt.deviceToken, now);
    const knownDevice = user !== null && device?.sub === user.id;
    const knownIp = user !== null && this.isKnownIp(user.id, attempt.ip, now);
    const takes: (() => Take)[] = [];
    if (knownDevice) takes.push(() => this.byKnownSource.take(`dev:${user.id}:${device.dev}`, now));
    else {
      takes.push(() => this.byIp.take(attempt.ip, now));
      if (knownIp) takes.push(() => this.byKnownSource.take(`ip:${user.id}:${attempt.ip}`, now));
      else takes.push(() => this.byUsername.take(attempt.username.toLowerCase(), now));
    }
    const take = takeAll(takes);
    if (!take.allowed) {
      const seconds = Math.ceil(take.retryAfterMs / 1000);
      return {
        ok: false,
        error: { code: "rate_limited", message: `too many failed attempts; try again in ${seconds} s` },
        retryAfterMs: take.retryAfterMs,
      };
    }
    const checked = await checkCredentials(this.deps.db, attempt.username, attempt.password);
    if (!checked.ok) return checked;
    take.release();
    this.rememberIp(checked.value.id, attempt.ip, now);
    return {
      ok: true,
      user: checked.value,
      device: knownDevice && device ? device : { sub: checked.value.id, dev: newDeviceId() },
    };
  }

  private isKnownIp(userId: string, ip: string, now: number): boolean {
    const seen = this.knownIps.get(userId)?.get(ip);
    return seen !== undefined && now - seen < KNOWN_IP_MS;
  }

  private rememberIp(userId: string, ip: string, now: number): void {
    if (ip === "unknown") return;
    const ips = this.knownIps.get(userId) ?? new Map<string, number>();
    ips.delete(ip);
    ips.set(ip, now);
    // Oldest first (insertion order): drop beyond the cap.
    for (const old of ips.keys()) {
      if (ips.size <= KNOWN_IPS_PER_USER) break;
      ips.delete(old);
    }
    this.knownIps.set(userId, ips);
  }
}
