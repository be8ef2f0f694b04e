import { describe, expect, test } from "bun:test";
import { hostAllowed, isPrivateAddress, normalizeAllowPattern, normalizeHost } from "./hosts.ts";

const host = (raw: string) => {
  const r = normalizeHost(raw);
  return r.ok ? r.value : r.error.code;
};

describe("egress host checks", () => {
  test("NUL, control characters and URL delimiters are refused", () => {
    for (const raw of [
      "evil\0.allowed.example",
      "evil\n.allowed.example",
      "a\tb",
      "a b",
      "a%00b",
      "user@host",
      "a/b",
      "\u0085x",
    ])
      expect(host(raw)).toBe("bad_request");
  });

  test("IDN is normalized to punycode and case folded", () => {
    expect(host("BÜCHER.example")).toEqual({ host: "xn--bcher-kva.example", kind: "name" });
    expect(host("Example.COM.")).toEqual({ host: "example.com", kind: "name" });
  });

  test("odd IPv4 spellings become the address they dial", () => {
    expect(host("2130706433")).toEqual({ host: "127.0.0.1", kind: "ip" });
    expect(host("0x7f.1")).toEqual({ host: "127.0.0.1", kind: "ip" });
    expect(host("[::1]")).toEqual({ host: "::1", kind: "ip" });
  });

  test("allow-list: exact names, wildcard subdomains, IP literals only when listed", () => {
    const allow = ["pypi.org", "*.github.com", "10.0.0.5"];
    const check = (raw: string) => {
      const h = normalizeHost(raw);
      return h.ok && hostAllowed(allow, h.value);
    };
    expect(check("pypi.org")).toBe(true);
    expect(check("evil.pypi.org")).toBe(false);
    expect(check("api.github.com")).toBe(true);
    expect(check("github.com")).toBe(false);
    expect(check("github.com.evil.example")).toBe(false);
    expect(check("10.0.0.5")).toBe(true);
    expect(check("10.0.0.6")).toBe(false);
  });

  test("allow patterns are normalized like hosts", () => {
    expect(normalizeAllowPattern("*.GitHub.com")).toEqual({ ok: true, value: "*.github.com" });
    expect(normalizeAllowPattern("*.10.0.0.1").ok).toBe(false);
  });

  test("private and loopback addresses are recognized", () => {
    for (const a of [
      "127.0.0.2",
      "10.1.2.3",
      "192.168.0.1",
      "172.20.0.1",
      "169.254.1.1",
      "100.64.0.1",
      "::1",
      "fd00::1",
      "fe80::1",
      "::ffff:127.0.0.1",
      "0.0.0.0",
    ])
      expect(isPrivateAddress(a)).toBe(true);
    for (const a of ["93.184.216.34", "2606:4700::1111", "172.32.0.1"])
      expect(isPrivateAddress(a)).toBe(false);
  });
});
