import { isIP } from "node:net";
import { fail, ok, type Result } from "../protocol/errors.ts";

const FORBIDDEN_IN_HOST = new Set(["%", "@", "/", "\\", "?", "#"]);

/** NUL and every other control character, spaces and URL delimiters. */
export function hasForbiddenHostCharacter(raw: string): boolean {
  for (const char of raw) {
    const code = char.codePointAt(0) ?? 0;
    if (code <= 0x20 || (code >= 0x7f && code <= 0x9f) || FORBIDDEN_IN_HOST.has(char)) return true;
  }
  return false;
}

export interface NormalizedHost {
  /** Lower-case ASCII (punycode) name, or a canonical IP literal without brackets. */
  host: string;
  kind: "name" | "ip";
}

/**
 * Canonicalizes a host taken from a CONNECT line or an absolute URL. The WHATWG URL parser does the
 * IDNA mapping (to punycode) and rewrites odd IPv4 spellings (`2130706433`, `0x7f.1`) to dotted
 * form, so the allow-list sees the same host the dialer will use.
 */
export function normalizeHost(raw: string): Result<NormalizedHost> {
  // Refuse before parsing: the URL parser would strip tabs/newlines and percent-decode.
  if (raw.length === 0 || raw.length > 255) return fail("bad_request", "empty or overlong host");
  if (hasForbiddenHostCharacter(raw)) return fail("bad_request", "host contains forbidden characters");
  let hostname: string;
  try {
    hostname = new URL(`http://${raw}/`).hostname;
  } catch {
    return fail("bad_request", "host is not a valid name or address");
  }
  if (hostname.startsWith("[") && hostname.endsWith("]"))
    return ok({ host: hostname.slice(1, -1), kind: "ip" });
  const host = hostname.endsWith(".") ? hostname.slice(0, -1) : hostname;
  if (isIP(host)) return ok({ host, kind: "ip" });
  if (host.length === 0 || host.length > 253) return fail("bad_request", "host name too long or empty");
  for (const label of host.split(".")) {
    if (!/^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/.test(label))
      return fail("bad_request", `host label "${label}" is not a valid DNS label`);
  }
  return ok({ host, kind: "name" });
}

/** `*.github.com` keeps its wildcard; the rest is normalized like a requested host. */
export function normalizeAllowPattern(pattern: string): Result<string> {
  const wildcard = pattern.startsWith("*.");
  const normalized = normalizeHost(wildcard ? pattern.slice(2) : pattern);
  if (!normalized.ok) return fail("sandbox_policy_invalid", `"${pattern}": ${normalized.error.message}`);
  if (wildcard && normalized.value.kind === "ip")
    return fail("sandbox_policy_invalid", `"${pattern}": wildcard IP`);
  return ok(wildcard ? `*.${normalized.value.host}` : normalized.value.host);
}

/** Does one allow pattern cover a host (or a narrower pattern)? `*.a.com` covers `x.a.com`, not `a.com`. */
export function patternCovers(pattern: string, host: string): boolean {
  if (pattern === host) return true;
  if (!pattern.startsWith("*.")) return false;
  const suffix = pattern.slice(1);
  return host.endsWith(suffix) && host.length > suffix.length;
}

/** IP literals pass only when listed exactly; names match exactly or by wildcard. */
export function hostAllowed(allow: string[], host: NormalizedHost): boolean {
  if (host.kind === "ip") return allow.includes(host.host);
  return allow.some((pattern) => patternCovers(pattern, host.host));
}

function ipv4Octets(address: string): number[] | undefined {
  const parts = address.split(".").map(Number);
  return parts.length === 4 && parts.every((n) => Number.isInteger(n) && n >= 0 && n <= 255)
    ? parts
    : undefined;
}

/** Loopback, private, link-local, CGNAT, multicast, unspecified and IPv4-mapped equivalents. */
export function isPrivateAddress(address: string): boolean {
  const lower = address.toLowerCase();
  const mapped = lower.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/);
  const v4 = ipv4Octets(mapped?.[1] ?? lower);
  if (v4) {
    const [a = 0, b = 0] = v4;
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      a >= 224
    );
  }
  if (isIP(lower) !== 6) return true;
  return (
    lower === "::" ||
    lower === "::1" ||
    /^f[cd]/.test(lower) ||
    /^fe[89ab]/.test(lower) ||
    lower.startsWith("ff") ||
    lower.startsWith("::ffff:")
  );
}
