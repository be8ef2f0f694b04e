import { expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { type LoadedConfig, loadConfig } from "../config/index.ts";
import { openMainDb } from "../storage/main-db.ts";
import { gatewayConfig, gatewayFiles, gatewayIdentity } from "./gateway-files.ts";

const db = (() => {
  const opened = openMainDb(":memory:");
  if (!opened.ok) throw new Error(opened.error.message);
  return opened.value;
})();

function config(extra = ""): LoadedConfig {
  const path = `/tmp/octo-gateway-files-${crypto.randomUUID()}.toml`;
  writeFileSync(
    path,
    `[auth]\njwt_secret = "s3cret-s3cret-s3cret-s3cret-s3cret"\n\n[[llm.providers]]\nname = "fx"\nkind = "openai"\nbase_url = "http://127.0.0.1:9/v1"\napi_key_env = "FX_KEY"\nmodels = [{ id = "m" }]\n${extra}`,
  );
  const loaded = loadConfig({ path, env: { HOME: "/tmp" } });
  rmSync(path);
  if (!loaded.ok) throw new Error(loaded.error.message);
  return loaded.value;
}

test("the identity follows the configuration and the key variables it names, not other variables", () => {
  const c = config();
  const base = gatewayIdentity(c, db, { FX_KEY: "one", OTHER: "x" });
  expect(gatewayIdentity(c, db, { FX_KEY: "one", OTHER: "y" })).toBe(base);
  expect(gatewayIdentity(c, db, { FX_KEY: "two", OTHER: "x" })).not.toBe(base);
  expect(gatewayIdentity(config('\n[llm]\ndefault_model = "fx/m"\n'), db, { FX_KEY: "one" })).not.toBe(base);
  // What goes over the gateway's stdin carries no auth secret, and survives JSON unchanged.
  const sent = JSON.parse(JSON.stringify(gatewayConfig(c))) as LoadedConfig;
  expect(sent.auth.jwt_secret).toBe("");
  expect(gatewayIdentity(sent, db, { FX_KEY: "one", OTHER: "x" })).toBe(base);
});

test("control socket, pid file and log live in a directory of their own", () => {
  expect(gatewayFiles("/run/octo")).toEqual({
    dir: "/run/octo/llm-gateway",
    control: "/run/octo/llm-gateway/control.sock",
    pidFile: "/run/octo/llm-gateway/gateway.pid",
    logFile: "/run/octo/llm-gateway/gateway.log",
  });
});
