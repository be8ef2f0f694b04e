import { expect, test } from "bun:test";
import { clientIp, trustedProxySet } from "./client-ip.ts";

const proxy = trustedProxySet(["10.0.0.1", "::1"]);

test("X-Forwarded-For is ignored unless the peer is a trusted proxy", () => {
  expect(clientIp("203.0.113.9", "198.51.100.1", proxy)).toBe("203.0.113.9");
  expect(clientIp("203.0.113.9", null, proxy)).toBe("203.0.113.9");
  expect(clientIp("10.0.0.1", null, proxy)).toBe("10.0.0.1");
});

test("behind trusted proxies the client is the rightmost address that is not one of them", () => {
  expect(clientIp("10.0.0.1", "198.51.100.1", proxy)).toBe("198.51.100.1");
  // A client that forges a first hop does not choose its address: the proxy appended the real one.
  expect(clientIp("10.0.0.1", "1.2.3.4, 198.51.100.1", proxy)).toBe("198.51.100.1");
  expect(clientIp("::ffff:10.0.0.1", "198.51.100.1, ::1", proxy)).toBe("198.51.100.1");
  expect(clientIp("10.0.0.1", " , ", proxy)).toBe("10.0.0.1");
});

test("an unknown peer is 'unknown'; IPv4-mapped IPv6 peers are plain IPv4", () => {
  expect(clientIp(undefined, "1.2.3.4", proxy)).toBe("unknown");
  expect(clientIp("::FFFF:203.0.113.9", null, proxy)).toBe("203.0.113.9");
});
