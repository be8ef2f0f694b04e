import { describe, expect, test } from "bun:test";
import type { SandboxPolicy } from "../../src/protocol/sandbox.ts";
import { parseProfile } from "../../src/shared/profiles.ts";
import { mergeProjectPolicy } from "./merge.ts";

function profile(text: string): SandboxPolicy {
  const parsed = parseProfile("base", text, "base.toml");
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value;
}

const BASE = profile(`
[filesystem]
read_only = ["/usr", "/etc/ssl"]
read_write = ["/var/cache/build", "~/.cache"]
deny = ["/usr/share/secret"]
[network]
mode = "proxy"
allow = ["*.github.com", "pypi.org"]
[env]
pass = ["TERM", "LANG"]
[limits]
processes = 100
memory_mb = 1024
nice = 10
`);

function merged(text: string) {
  const result = mergeProjectPolicy(BASE, text, "/p/.octo/sandbox.toml");
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

function error(text: string): string {
  const result = mergeProjectPolicy(BASE, text, "/p/.octo/sandbox.toml");
  if (result.ok) throw new Error("expected an error");
  expect(result.error.code).toBe("sandbox_policy_invalid");
  return result.error.message;
}

describe("mergeProjectPolicy only tightens", () => {
  test("an empty project file keeps the profile", () => {
    const policy = merged("");
    expect(policy.filesystem).toEqual(BASE.filesystem);
    expect(policy.sources).toEqual(["base.toml", "/p/.octo/sandbox.toml"]);
  });

  test("deny lists union", () => {
    expect(merged(`[filesystem]\ndeny = ["/etc/ssl/private"]`).filesystem.deny).toEqual([
      "/usr/share/secret",
      "/etc/ssl/private",
    ]);
  });

  test("write allow-lists intersect, narrower entries are kept", () => {
    expect(merged(`[filesystem]\nread_write = ["/var/cache/build/x"]`).filesystem.read_write).toEqual([
      "/var/cache/build/x",
    ]);
    expect(merged(`[filesystem]\nread_write = []`).filesystem.read_write).toEqual([]);
  });

  test("a write path the profile does not allow is an error", () => {
    expect(error(`[filesystem]\nread_write = ["/home"]`)).toContain('key "filesystem.read_write": "/home"');
  });

  test("network only narrower", () => {
    const none = merged(`[network]\nmode = "none"`);
    expect(none.network).toEqual({
      mode: "none",
      allow: [],
      block_private: true,
      ports: { connect: [443], http: [80] },
    });
    expect(error(`[network]\nmode = "open"`)).toContain('"network.mode"');
  });

  test("domain allow-lists intersect by pattern", () => {
    expect(merged(`[network]\nallow = ["api.github.com"]`).network.allow).toEqual(["api.github.com"]);
    expect(error(`[network]\nallow = ["evil.example"]`)).toContain("evil.example");
    expect(error(`[network]\nallow = ["*.com"]`)).toContain("*.com");
  });

  test("egress ports: defaults 443 (CONNECT) and 80 (HTTP); a project may only narrow them", () => {
    expect(BASE.network.ports).toEqual({ connect: [443], http: [80] });
    expect(merged(`[network]\nallow_ports = [443]`).network.ports).toEqual({ connect: [443], http: [] });
    expect(error(`[network]\nallow_ports = [8443]`)).toContain('"network.allow_ports": 8443 is not allowed');
    expect(error(`[network]\nallow_ports = [443, 22]`)).toContain("22 is not allowed");
    const wide = profile(`[network]\nmode = "proxy"\nallow = ["pypi.org"]\nallow_ports = [443, 8443]`);
    const narrowed = mergeProjectPolicy(wide, `[network]\nallow_ports = [8443]`, "p.toml");
    expect(narrowed.ok && narrowed.value.network.ports).toEqual({ connect: [8443], http: [8443] });
    expect(error(`[network]\nmode = "none"\nallow_ports = [443]`)).toContain("only enforced in proxy mode");
  });

  test("block_private can be switched on, never off", () => {
    expect(error(`[network]\nblock_private = false`)).toContain("block_private");
  });

  test("limits only lower, unset limits may be set", () => {
    const policy = merged(`[limits]\nprocesses = 50\nopen_files = 64`);
    expect(policy.limits).toEqual({ processes: 50, memory_mb: 1024, open_files: 64, nice: 10 });
    expect(error(`[limits]\nmemory_mb = 4096`)).toContain('"limits.memory_mb"');
  });

  test("niceness only rises: a project may yield more CPU, never claim more", () => {
    expect(merged(`[limits]\nnice = 15`).limits.nice).toBe(15);
    expect(error(`[limits]\nnice = 5`)).toContain('"limits.nice": 5 is below');
    expect(error(`[limits]\nnice = 40`)).toContain("limits.nice");
  });

  test("env passthrough intersects; a project cannot set variables", () => {
    expect(merged(`[env]\npass = ["TERM"]`).env.pass).toEqual(["TERM"]);
    expect(error(`[env]\npass = ["AWS_SECRET_ACCESS_KEY"]`)).toContain("AWS_SECRET_ACCESS_KEY");
    expect(error(`[env]\nset = { LD_PRELOAD = "/x.so" }`)).toBe(
      '/p/.octo/sandbox.toml: unknown key "env.set"',
    );
  });

  test("typos name the file and the key", () => {
    expect(error(`[network]\nalow = ["pypi.org"]`)).toBe('/p/.octo/sandbox.toml: unknown key "network.alow"');
    expect(error(`[limit]\nprocesses = 1`)).toBe('/p/.octo/sandbox.toml: unknown key "limit"');
  });

  test("an allow-list in a mode without a proxy is refused, not ignored", () => {
    expect(error(`[network]\nmode = "none"\nallow = ["pypi.org"]`)).toContain("only enforced in proxy mode");
  });

  test("broken TOML names the file", () => {
    expect(error(`[network\nmode = "none"`)).toStartWith("/p/.octo/sandbox.toml: not valid TOML");
  });
});
