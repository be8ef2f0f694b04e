/**
 * Sign-ins under way: what `/start` sent to the provider (state, nonce, PKCE verifier), kept on the
 * server until the callback, bound to the browser that started it (a hash of its `octo_oidc`
 * cookie) and used at most once (decision 0022). Bounded in time and number, so a flood of
 * `/start` requests cannot grow it without end.
 */
export interface PendingSignIn {
  provider: string;
  nonce: string;
  verifier: string;
  /** SHA-256 of the browser's binding cookie. */
  bindingHash: string;
  redirectUri: string;
  /** Same-site path to land on afterwards. */
  next: string;
  createdAt: number;
}

export const PENDING_TTL_MS = 10 * 60_000;
const MAX_PENDING = 10_000;

export const sha256 = (text: string): string => new Bun.CryptoHasher("sha256").update(text).digest("hex");

export const randomToken = (): string =>
  Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");

export class PendingSignIns {
  private readonly byState = new Map<string, PendingSignIn>();

  constructor(private readonly now: () => number) {}

  put(state: string, pending: PendingSignIn): void {
    this.prune();
    while (this.byState.size >= MAX_PENDING) {
      const oldest = this.byState.keys().next().value;
      if (oldest === undefined) break;
      this.byState.delete(oldest);
    }
    this.byState.set(state, pending);
  }

  /** The sign-in this state belongs to, removed whatever happens next: a state works once. */
  take(state: string): PendingSignIn | null {
    const pending = this.byState.get(state);
    if (!pending) return null;
    this.byState.delete(state);
    return this.now() - pending.createdAt > PENDING_TTL_MS ? null : pending;
  }

  get size(): number {
    return this.byState.size;
  }

  private prune(): void {
    const cutoff = this.now() - PENDING_TTL_MS;
    // Insertion order is creation order: stop at the first one still young.
    for (const [state, pending] of this.byState) {
      if (pending.createdAt >= cutoff) break;
      this.byState.delete(state);
    }
  }
}
