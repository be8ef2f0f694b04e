// Shared set-up for the LLM proxy tests: a temp data dir with the real main database, a config
// file loaded by the real loader, the LLM service, and the gateway's proxy in-process on a per-user
// unix socket to talk to (test/llm/gateway.test.ts runs the gateway as its own process).

import type { Database } from "bun:sqlite";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, modeOf } from "../../src/config/index.ts";
import type { BudgetEvents } from "../../src/llm/budget-events.ts";
import { createGateway, type Gateway } from "../../src/llm/gateway.ts";
import { createLlmService, type LlmService } from "../../src/llm/service.ts";
import { newId } from "../../src/protocol/ids.ts";
import { createPlacement } from "../../src/runners/placement.ts";
import { createLogger } from "../../src/shared/log.ts";
import { openMainDb } from "../../src/storage/main-db.ts";
import { usersRepo } from "../../src/storage/users.ts";

export interface LlmTestbed {
  dir: string;
  db: Database;
  service: LlmService;
  gateway: Gateway;
  socketPath: string;
  logs: string[];
  alice: string;
  bob: string;
  /** fetch over the user's proxy socket. */
  call(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export interface TestbedOptions {
  /** The `[[llm.providers]]` part of config.toml. */
  providersToml: string;
  env?: Record<string, string | undefined>;
  maxBodyBytes?: number;
  budgetEvents?: BudgetEvents;
}

export function addUser(db: Database, username: string): string {
  const id = newId("usr");
  const now = Date.now();
  usersRepo(db).insert({
    id,
    username,
    password_hash: "x",
    role: "user",
    linux_user: null,
    created_at: now,
    updated_at: now,
  });
  return id;
}

export async function startTestbed(opts: TestbedOptions): Promise<LlmTestbed> {
  const dir = mkdtempSync(join(tmpdir(), "octo-llm-"));
  const configFile = join(dir, "config.toml");
  writeFileSync(configFile, `[data]\ndir = "${dir}/data"\n\n${opts.providersToml}\n`);
  const config = loadConfig({ path: configFile, env: { HOME: dir } });
  if (!config.ok) throw new Error(config.error.message);
  const db = openMainDb(join(dir, "data", "octo.db"));
  if (!db.ok) throw new Error(db.error.message);
  const logs: string[] = [];
  const log = createLogger({ format: "json", level: "debug", write: (line) => logs.push(line) });
  const service = createLlmService({ db: db.value, config: config.value, log, env: opts.env ?? {} });
  const gateway = createGateway({
    db: db.value,
    config: config.value,
    placement: createPlacement(modeOf(config.value), config.value.paths),
    log,
    env: opts.env ?? {},
    maxBodyBytes: opts.maxBodyBytes,
    budgetEvents: opts.budgetEvents,
  });
  const alice = addUser(db.value, "alice");
  const bob = addUser(db.value, "bob");
  const socketPath = join(dir, "run", "alice-llm.sock");
  gateway.serveAt(alice, socketPath);
  return {
    dir,
    db: db.value,
    service,
    gateway,
    socketPath,
    logs,
    alice,
    bob,
    call: (path, init) => fetch(`http://localhost${path}`, { ...init, unix: socketPath }),
    async close() {
      await gateway.stop();
      db.value.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Reads a streamed body chunk by chunk, resolving each read separately. */
export function chunkReader(response: Response) {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  return {
    async next(): Promise<string | null> {
      const { done, value } = await reader.read();
      return done ? null : decoder.decode(value, { stream: true });
    },
    async rest(): Promise<string> {
      let text = "";
      for (let chunk = await this.next(); chunk !== null; chunk = await this.next()) text += chunk;
      return text;
    },
    cancel: () => reader.cancel(),
  };
}

export const openAiBody = (model: string, extra: object = {}) =>
  JSON.stringify({
    model,
    stream: true,
    stream_options: { include_usage: true },
    messages: [{ role: "user", content: "hello" }],
    ...extra,
  });

export const anthropicBody = (model: string, extra: object = {}) =>
  JSON.stringify({
    model,
    stream: true,
    max_tokens: 100,
    messages: [{ role: "user", content: "hello" }],
    ...extra,
  });
