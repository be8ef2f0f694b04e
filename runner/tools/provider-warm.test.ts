import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { providerModule } from "./kit/extension.ts";

const ROOT = join(import.meta.dir, "../..");
const CLI = join(ROOT, "node_modules/@mariozechner/pi-coding-agent/dist/cli.js");

describe("the extension's provider warm-up (the module pi-ai loads on a first prompt)", () => {
  test("names a file that exists in the pinned pi for each API octo's gateway serves", () => {
    // Fails when a pi upgrade renames pi-ai's provider modules: the warm-up would silently stop.
    for (const api of ["openai-completions", "anthropic-messages"]) {
      const path = providerModule(CLI, api);
      expect(path).toBeDefined();
      expect(existsSync(path as string)).toBe(true);
      expect(path).toContain(join("pi-ai", "dist", "providers"));
    }
  });

  test("prefers pi-coding-agent's own pi-ai, as pi's own import resolves it", () => {
    const cli = "/m/@mariozechner/pi-coding-agent/dist/cli.js";
    const nested =
      "/m/@mariozechner/pi-coding-agent/node_modules/@mariozechner/pi-ai/dist/providers/anthropic.js";
    const sibling = "/m/@mariozechner/pi-ai/dist/providers/anthropic.js";
    expect(providerModule(cli, "anthropic-messages", (p) => p === nested || p === sibling)).toBe(nested);
    expect(providerModule(cli, "anthropic-messages", (p) => p === sibling)).toBe(sibling);
    expect(providerModule(cli, "anthropic-messages", () => false)).toBeUndefined();
  });

  test("does nothing for an unknown API, no model, or a process that is not pi", () => {
    expect(providerModule(CLI, "google-generative-ai")).toBeUndefined();
    expect(providerModule(CLI, undefined)).toBeUndefined();
    expect(providerModule("/usr/bin/node", "openai-completions", () => true)).toBeUndefined();
  });
});
