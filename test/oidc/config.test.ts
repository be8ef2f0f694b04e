import { describe, expect, test } from "bun:test";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../../src/config/index.ts";
import { startServer } from "../../src/server/start.ts";
import { createLogger } from "../../src/shared/log.ts";
import { startServerIn, tempHome } from "../http/harness.ts";

/** A bad `[[auth.oidc]]` block stops the start with a message that names what to fix. */

const block = (extra: string) => `
[[auth.oidc]]
name = "corp"
issuer = "https://id.example.com"
client_id = "octo"
${extra}
`;

function withConfig<T>(toml: string, run: (env: Record<string, string>) => T): T {
  const dirs = tempHome();
  mkdirSync(dirs.configDir, { recursive: true });
  writeFileSync(join(dirs.configDir, "config.toml"), toml);
  try {
    return run(dirs.env);
  } finally {
    rmSync(dirs.home, { recursive: true, force: true });
  }
}

const loadError = (toml: string) =>
  withConfig(toml, (env) => {
    const r = loadConfig({ env });
    return r.ok ? null : r.error.message;
  });

describe("[[auth.oidc]] validation", () => {
  test("a good block loads with its defaults", () => {
    withConfig(block('client_secret_env = "S"'), (env) => {
      const r = loadConfig({ env });
      if (!r.ok) throw new Error(r.error.message);
      expect(r.value.auth.oidc).toEqual([
        {
          name: "corp",
          display_name: "",
          issuer: "https://id.example.com",
          client_id: "octo",
          client_secret_env: "S",
          scopes: ["openid", "profile", "email"],
          allowed_groups: [],
          allow_any_user: false,
          admin_groups: [],
          groups_claim: "groups",
        },
      ]);
    });
  });

  test("each mistake is named", () => {
    expect(loadError(block(""))).toContain(
      "[auth] oidc.0: set exactly one of client_secret_env and client_secret_file",
    );
    expect(loadError(block('client_secret_env = "S"\nclient_secret_file = "/x"'))).toContain("exactly one");
    expect(loadError(block('client_secret_env = "S"\nscopes = ["profile"]'))).toContain(
      'scopes must include "openid"',
    );
    expect(loadError(block('client_secret_env = "S"\nallowed_group = ["x"]'))).toContain(
      "[auth] oidc.0.allowed_group: unknown key",
    );
    expect(
      loadError(block('client_secret_env = "S"').replace("https://id.example.com", "not a url")),
    ).toContain("[auth] oidc.0.issuer");
    expect(loadError(block('client_secret_env = "S"').replace('"corp"', '"Corp ID"'))).toContain(
      "a short lowercase provider name",
    );
    expect(loadError(block('client_secret_env = "S"') + block('client_secret_env = "S"'))).toContain(
      "two [[auth.oidc]] entries have the same name",
    );
  });

  test("a secret that cannot be read stops the server at start", async () => {
    const log = createLogger({ format: "json", level: "error", write: () => {} });
    const startError = (toml: string) =>
      withConfig(toml, async (env) => {
        const config = loadConfig({ env });
        if (!config.ok) throw new Error(config.error.message);
        const r = await startServer({ config: config.value, host: "127.0.0.1", port: 0, log });
        if (r.ok) {
          await r.value.stop();
          return null;
        }
        return r.error.message;
      });
    delete process.env.OCTO_TEST_UNSET_SECRET;
    expect(await startError(block('client_secret_env = "OCTO_TEST_UNSET_SECRET"'))).toBe(
      "[[auth.oidc]] corp: environment variable OCTO_TEST_UNSET_SECRET is not set",
    );
    expect(await startError(block('client_secret_file = "/nonexistent/secret"'))).toBe(
      "[[auth.oidc]] corp: client_secret_file /nonexistent/secret cannot be read (ENOENT)",
    );
  });

  test("a provider that is down does not stop octo; its button says it cannot be reached", async () => {
    process.env.OCTO_TEST_DOWN_SECRET = "s";
    const toml = block('client_secret_env = "OCTO_TEST_DOWN_SECRET"\nallow_any_user = true').replace(
      "https://id.example.com",
      "http://127.0.0.1:9",
    );
    const dirs = tempHome();
    mkdirSync(dirs.configDir, { recursive: true });
    writeFileSync(join(dirs.configDir, "config.toml"), toml);
    const t = await startServerIn(dirs);
    try {
      const methods = await (await fetch(`${t.url}/api/auth/methods`)).json();
      expect(methods).toEqual({
        providers: [{ name: "corp", display_name: "corp" }],
        local_sign_in: "everyone",
      });
      const res = await fetch(`${t.url}/api/auth/oidc/corp/start`, { redirect: "manual" });
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toBe("/login?error=oidc_unavailable");
    } finally {
      await t.stop();
    }
  });
});
