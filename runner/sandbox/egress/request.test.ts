import { describe, expect, test } from "bun:test";
import { parseProxyRequest } from "./request.ts";

describe("proxy request parsing", () => {
  test("CONNECT takes host and port", () => {
    const r = parseProxyRequest("CONNECT pypi.org:443 HTTP/1.1\r\nHost: pypi.org:443\r\n\r\n");
    expect(r.ok && { host: r.value.host, port: r.value.port }).toEqual({ host: "pypi.org", port: 443 });
    const v6 = parseProxyRequest("CONNECT [::1]:8443 HTTP/1.1\r\n\r\n");
    expect(v6.ok && v6.value.host).toBe("[::1]");
  });

  test("plain HTTP is rewritten: origin-form, Host pinned to the dialed host, one request only", () => {
    const r = parseProxyRequest(
      "GET http://pypi.org/simple/?q=1 HTTP/1.1\r\nHost: evil.example\r\nProxy-Authorization: x\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n",
    );
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.forwardHead).toBe(
      "GET /simple/?q=1 HTTP/1.1\r\nHost: pypi.org\r\nAccept: */*\r\nConnection: close\r\n\r\n",
    );
    expect(r.value.port).toBe(80);
  });

  test("malformed requests are refused", () => {
    for (const head of [
      "CONNECT pypi.org HTTP/1.1\r\n\r\n",
      "CONNECT pypi.org:99999 HTTP/1.1\r\n\r\n",
      "GET https://pypi.org/ HTTP/1.1\r\n\r\n",
      "GET /relative HTTP/1.1\r\n\r\n",
      "get http://pypi.org/ HTTP/1.1\r\n\r\n",
      "GET http://pypi.org/ HTTP/2\r\n\r\n",
    ])
      expect(parseProxyRequest(head).ok).toBe(false);
  });
});
