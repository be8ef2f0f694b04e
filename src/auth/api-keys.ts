import type { Database } from "bun:sqlite";
import type { ApiKey } from "../protocol/api.ts";
import { fail, ok, type Result } from "../protocol/errors.ts";
import { newId } from "../protocol/ids.ts";
import { type ApiKeyRow, apiKeysRepo } from "../storage/api-keys.ts";

/**
 * API keys for scripts and octoctl: `octo_` + 256 random bits. Only a SHA-256 of the key is stored
 * (a slow hash buys nothing for a key this random) and the secret is shown once.
 */
export const API_KEY_PREFIX = "octo_";
const SHOWN_PREFIX_LENGTH = API_KEY_PREFIX.length + 6;

export const hashApiKey = (secret: string): string =>
  new Bun.CryptoHasher("sha256").update(secret).digest("hex");

export const looksLikeApiKey = (value: string): boolean => /^octo_[A-Za-z0-9_-]{43}$/.test(value);

export const publicApiKey = (row: ApiKeyRow): ApiKey => ({
  id: row.id,
  name: row.name,
  prefix: row.prefix,
  created_at: row.created_at,
  last_used_at: row.last_used_at,
});

export function createApiKey(db: Database, userId: string, name: string, now = Date.now()) {
  const secret =
    API_KEY_PREFIX + Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
  const row = {
    id: newId("key", now),
    user_id: userId,
    name,
    prefix: secret.slice(0, SHOWN_PREFIX_LENGTH),
    hash: hashApiKey(secret),
    created_at: now,
  };
  apiKeysRepo(db).insert(row);
  return { key: publicApiKey({ ...row, last_used_at: null, revoked_at: null }), secret };
}

export function revokeApiKey(db: Database, userId: string, id: string, now = Date.now()): Result<null> {
  return apiKeysRepo(db).revoke(userId, id, now) ? ok(null) : fail("not_found", "no such API key");
}

/** The key's row if the secret names a live key; records the use. */
export function useApiKey(db: Database, secret: string, now = Date.now()): Result<ApiKeyRow> {
  const invalid = fail("token_invalid", "the API key is not valid (wrong, revoked or deleted)");
  if (!looksLikeApiKey(secret)) return invalid;
  const repo = apiKeysRepo(db);
  const row = repo.activeByHash(hashApiKey(secret));
  if (!row) return invalid;
  repo.touch(row.id, now);
  return ok(row);
}
