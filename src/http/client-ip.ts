/**
 * The address a request comes from, for rate limits and logs. `X-Forwarded-For` is read only when
 * the TCP peer is one of `server.trusted_proxies`: anyone else could write any address into it.
 * Walking the header from the right, each trusted proxy appended the address it saw; the first
 * address that is not a trusted proxy is the client.
 */
export function clientIp(
  peer: string | undefined,
  forwardedFor: string | null,
  trustedProxies: ReadonlySet<string>,
): string {
  if (!peer) return "unknown";
  const from = normalizeIp(peer);
  if (!forwardedFor || !trustedProxies.has(from)) return from;
  const hops = forwardedFor
    .split(",")
    .map((h) => normalizeIp(h.trim()))
    .filter((h) => h.length > 0);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] as string;
    if (!trustedProxies.has(hop)) return hop;
  }
  return hops[0] ?? from;
}

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) is `10.0.0.1`. */
export const normalizeIp = (ip: string): string =>
  ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, "").toLowerCase();

export const trustedProxySet = (proxies: readonly string[]): ReadonlySet<string> =>
  new Set(proxies.map(normalizeIp));
