import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listProfiles, loadProfile, parseProfile } from "./profiles.ts";

const dir = mkdtempSync(join(tmpdir(), "octo-profiles-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("profiles", () => {
  test("the four shipped profiles load and mean what they say", () => {
    const modes = Object.fromEntries(
      ["minimal", "default", "strict", "open"].map((name) => {
        const loaded = loadProfile(name, { overrideDirs: [] });
        if (!loaded.ok) throw new Error(loaded.error.message);
        return [name, loaded.value.network.mode];
      }),
    );
    expect(modes).toEqual({ minimal: "none", default: "proxy", strict: "none", open: "open" });
    const strict = loadProfile("strict", { overrideDirs: [] });
    expect(strict.ok && strict.value.filesystem.read_only.some((p) => p.startsWith("~"))).toBe(false);
  });

  test("an override directory replaces a profile by name", () => {
    writeFileSync(join(dir, "strict.toml"), `description = "site strict"\n[network]\nmode = "none"\n`);
    const loaded = loadProfile("strict", { overrideDirs: [dir] });
    expect(loaded.ok && loaded.value.description).toBe("site strict");
    expect(listProfiles({ overrideDirs: [dir] }).find((p) => p.name === "strict")?.source).toBe(
      join(dir, "strict.toml"),
    );
  });

  test("unknown and malformed names are refused", () => {
    const unknown = loadProfile("nope", { overrideDirs: [dir] });
    expect(!unknown.ok && unknown.error.code).toBe("sandbox_profile_not_found");
    const traversal = loadProfile("../../etc/passwd", { overrideDirs: [dir] });
    expect(!traversal.ok && traversal.error.code).toBe("sandbox_profile_not_found");
  });

  test("a typo is an error naming the file and key", () => {
    const parsed = parseProfile(
      "x",
      `[filesystem]\nread_only = ["/usr"]\nreadwrite = []\n`,
      "/etc/octo/profiles/x.toml",
    );
    expect(!parsed.ok && parsed.error.message).toBe(
      '/etc/octo/profiles/x.toml: unknown key "filesystem.readwrite"',
    );
  });

  test("keys that would not be enforced are errors", () => {
    const allow = parseProfile("x", `[network]\nmode = "open"\nallow = ["pypi.org"]\n`, "x.toml");
    expect(!allow.ok && allow.error.message).toContain('"network.allow" is only enforced in proxy mode');
    const block = parseProfile("x", `[network]\nmode = "none"\nblock_private = true\n`, "x.toml");
    expect(!block.ok && block.error.message).toContain('"network.block_private"');
  });

  test("network.allow_ports: proxy only, 1–65535, at least one; both kinds of request use it", () => {
    const ok = parseProfile("x", `[network]\nmode = "proxy"\nallow_ports = [8443, 443, 443]\n`, "x.toml");
    expect(ok.ok && ok.value.network.ports).toEqual({ connect: [443, 8443], http: [443, 8443] });
    for (const bad of ["[0]", "[65536]", "[1.5]", '["443"]', "[]", "443"]) {
      const r = parseProfile("x", `[network]\nmode = "proxy"\nallow_ports = ${bad}\n`, "x.toml");
      expect({ bad, message: !r.ok && r.error.message }).toEqual({
        bad,
        message: expect.stringContaining('key "network.allow_ports'),
      });
    }
    const open = parseProfile("x", `[network]\nmode = "open"\nallow_ports = [443]\n`, "x.toml");
    expect(!open.ok && open.error.message).toContain('"network.allow_ports" is only enforced in proxy mode');
  });

  test("bad values are errors", () => {
    const relative = parseProfile("x", `[filesystem]\nread_only = ["usr"]\n`, "x.toml");
    expect(!relative.ok && relative.error.message).toContain('key "filesystem.read_only.0"');
    const negative = parseProfile("x", `[limits]\nprocesses = -1\n`, "x.toml");
    expect(!negative.ok && negative.error.message).toContain('key "limits.processes"');
    const badDomain = parseProfile("x", `[network]\nmode = "proxy"\nallow = ["a b"]\n`, "x.toml");
    expect(badDomain.ok).toBe(false);
  });
});
