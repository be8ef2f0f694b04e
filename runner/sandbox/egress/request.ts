import { fail, ok, type Result } from "../../../src/protocol/errors.ts";

export interface ProxyRequest {
  method: string;
  /** Raw host as the client wrote it; normalized by the caller before any decision. */
  host: string;
  port: number;
  /** For plain HTTP: the head to send upstream (origin-form, Host pinned, one request only). */
  forwardHead: string;
}

const HOP_HEADERS = new Set([
  "proxy-connection",
  "proxy-authorization",
  "connection",
  "keep-alive",
  "host",
  "upgrade",
]);

function splitAuthority(authority: string, defaultPort?: number): Result<{ host: string; port: number }> {
  const match = authority.match(/^(\[[^\]]*\]|[^:]*)(?::(\d{1,5}))?$/);
  if (!match) return fail("bad_request", "malformed authority");
  const port = match[2] === undefined ? defaultPort : Number(match[2]);
  if (port === undefined || port < 1 || port > 65535) return fail("bad_request", "missing or invalid port");
  return ok({ host: match[1] ?? "", port });
}

/**
 * Parses one proxy request head (up to and including the blank line). CONNECT takes an authority;
 * any other method must use an absolute `http://` URL. The forwarded head always names the dialed
 * host in `Host` and asks for `Connection: close`, so one connection can never be reused to talk to
 * a second host.
 */
export function parseProxyRequest(head: string): Result<ProxyRequest> {
  const lines = head.split("\r\n");
  const requestLine = lines[0] ?? "";
  const match = requestLine.match(/^([A-Z]{1,16}) ([^ ]+) HTTP\/1\.[01]$/);
  if (!match) return fail("bad_request", "malformed request line");
  const method = match[1] as string;
  const target = match[2] as string;
  if (method === "CONNECT") {
    const authority = splitAuthority(target);
    if (!authority.ok) return authority;
    return ok({ method, ...authority.value, forwardHead: "" });
  }
  if (!target.toLowerCase().startsWith("http://"))
    return fail("bad_request", "only http:// URLs or CONNECT are proxied");
  const afterScheme = target.slice("http://".length);
  const cut = afterScheme.search(/[/?]/);
  const authorityText = cut < 0 ? afterScheme : afterScheme.slice(0, cut);
  const path = cut < 0 ? "/" : afterScheme.slice(cut);
  const authority = splitAuthority(authorityText, 80);
  if (!authority.ok) return authority;
  const headers: string[] = [];
  for (const line of lines.slice(1)) {
    if (line === "") continue;
    if (/[\0\r\n]/.test(line)) return fail("bad_request", "control character in header");
    const name = line.slice(0, line.indexOf(":")).trim().toLowerCase();
    if (!HOP_HEADERS.has(name)) headers.push(line);
  }
  const hostHeader = authority.value.port === 80 ? authority.value.host : authorityText;
  const forwardHead = [
    `${method} ${path} HTTP/1.1`,
    `Host: ${hostHeader}`,
    ...headers,
    "Connection: close",
    "",
    "",
  ].join("\r\n");
  return ok({ method, ...authority.value, forwardHead });
}
