import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import * as v from "valibot";
import { PiLineReader } from "../../runner/pi/framing.ts";
import { PiTranslator } from "../../runner/pi/translate.ts";
import { agentEventSchema } from "../../src/protocol/agent.ts";
import { RUNNER_PROTOCOL_VERSION } from "../../src/protocol/runner.ts";
import { Client } from "../http/client.ts";
import { startTestServer, type TestServer } from "../http/harness.ts";
import { asst, textDelta, upd, user } from "../pi/translator-harness.ts";
import { rawLines, startLocalRunner } from "../runner/harness.ts";
import { MuxClient } from "../terminals/harness.ts";
import { fuzzSettings, nextInput, Rng } from "./gen.ts";

/**
 * Fuzzing every trust boundary with seeded, reproducible inputs (random, and mutations of valid
 * messages): mux frames and HTTP bodies against the real server, runner lines against a real
 * runner, pi output through the runner's framing and translator. A crash, an uncaught exception,
 * an `internal` error, or a request with an id left unanswered is a failure; afterwards the server
 * (and runner) must still answer a health check and a valid command.
 * Budget: OCTO_FUZZ_MS (default 20000, shared by the four); seed: OCTO_FUZZ_SEED.
 */
const { totalMs, seed } = fuzzSettings();
const SHARE = { mux: 0.35, http: 0.25, runner: 0.2, pi: 0.2 } as const;
/** An id that gets no answer within this long is a hang. */
const ANSWER_MS = 5_000;
setDefaultTimeout(totalMs + 90_000);

const failures: string[] = [];
const sentCount = { mux: 0, http: 0, runner: 0, pi: 0 };
const fail = (target: string, what: string, input: string) =>
  failures.push(`[${target}] ${what}\n  input: ${input.slice(0, 300)}`);
const budget = (share: number) => Date.now() + totalMs * share;

let t: TestServer;
let admin: Client;
let projectId: string;

beforeAll(async () => {
  console.log(`fuzz seed ${seed} (reproduce: OCTO_FUZZ_SEED=${seed} OCTO_FUZZ_MS=${totalMs})`);
  t = await startTestServer();
  admin = new Client(t.url);
  await admin.login(t.admin.username, t.admin.password);
  const p = await admin.post<{ project: { id: string } }>("/api/projects", { name: "Fuzz" });
  projectId = p.body.project.id;
});

afterAll(async () => {
  await t?.stop();
  console.log(`fuzz inputs: ${JSON.stringify(sentCount)}`);
  if (failures.length) console.log(`fuzz seed ${seed}:\n${failures.join("\n")}`);
});

const verdict = (target: string) => {
  const mine = failures.filter((f) => f.startsWith(`[${target}]`));
  if (mine.length)
    throw new Error(`fuzz seed ${seed}: ${mine.length} failure(s)\n${mine.slice(0, 5).join("\n")}`);
};

test("mux frames: every id answered once, no internal errors, the socket still works after", async () => {
  const r = new Rng(seed);
  const seeds: Record<string, unknown>[] = [
    { ch: "system", id: "s", cmd: "ping", ts: 1 },
    { ch: "system", id: "s", cmd: "hello", protocol: 1 },
    { ch: "agent", id: "s", cmd: "get_state", session_id: "ses_00000000000000000000000000000000" },
    { ch: "agent", id: "s", cmd: "session.subscribe", session_id: "ses_0", after_seq: 0 },
    { ch: "agent", id: "s", cmd: "prompt", session_id: "ses_0", message: "hi", client_id: "c" },
    { ch: "agent", id: "s", cmd: "abort", session_id: "ses_0" },
    { ch: "files", id: "s", cmd: "list", project_id: projectId, path: "" },
    { ch: "files", id: "s", cmd: "stat", project_id: projectId, path: "AGENTS.md" },
    { ch: "files", id: "s", cmd: "read", project_id: projectId, path: "AGENTS.md" },
    { ch: "terminal", id: "s", cmd: "list", project_id: projectId },
    { ch: "terminal", id: "s", cmd: "attach", terminal_id: "trm_0" },
    { ch: "browser", id: "s", cmd: "open", project_id: projectId },
  ];
  let mux = await MuxClient.connect(t.url, admin.cookie);
  let n = 0;
  const end = budget(SHARE.mux);
  while (Date.now() < end) {
    const sent = new Map<string, string>();
    for (let i = 0; i < 25; i++) {
      const input = nextInput(r, seeds);
      let text = input.text;
      // Most structured frames get a fresh, trackable id; some keep whatever the mutation left.
      if (input.value && typeof input.value === "object" && !Array.isArray(input.value) && r.chance(0.85)) {
        const id = `f${++n}`;
        text = JSON.stringify({ ...(input.value as object), id });
        sent.set(id, text);
      }
      mux.sendRaw(text);
      sentCount.mux++;
    }
    const unanswered = () =>
      [...sent.keys()].filter((id) => !mux.frames.some((f) => f.event === "response" && f.id === id));
    await mux.waitFor("answers", () => mux.closed || unanswered().length === 0, ANSWER_MS).catch(() => {});
    if (!mux.closed) for (const id of unanswered()) fail("mux", `no response to ${id}`, sent.get(id) ?? "");
    for (const f of mux.frames) {
      if (f.event !== "response" || typeof f.id !== "string" || !sent.has(f.id)) continue;
      const count = mux.frames.filter((g) => g.event === "response" && g.id === f.id).length;
      if (count !== 1) fail("mux", `${count} responses to ${f.id}`, sent.get(f.id) ?? "");
      if (f.error?.code === "internal")
        fail("mux", `internal error: ${f.error.message}`, sent.get(f.id) ?? "");
      sent.delete(f.id);
    }
    if (mux.closed) {
      // A socket the server closed (a frame it will not take) is fine; a server that died is not.
      mux = await MuxClient.connect(t.url, admin.cookie);
    } else mux.frames.length = 0;
  }
  // Still responsive: a health check and valid commands.
  expect((await fetch(`${t.url}/api/health`)).status).toBe(200);
  const ping = await mux.cmd("ping", { ts: 1 }, "system");
  expect(ping.ok).toBe(true);
  const list = await mux.cmd("list", { project_id: projectId, path: "" }, "files");
  expect(list.ok).toBe(true);
  mux.ws.close();
  verdict("mux");
});

test("HTTP bodies: no 500s, every error is a JSON error body, the server still answers after", async () => {
  const r = new Rng(seed + 1);
  const routes: { method: string; path: string; body: Record<string, unknown> }[] = [
    {
      method: "POST",
      path: "/api/auth/login",
      body: { username: "nobody-here", password: "not-a-password" },
    },
    {
      method: "POST",
      path: "/api/auth/signup",
      body: { username: "fz", password: "fuzz-password-1", invite: "x" },
    },
    { method: "POST", path: "/api/projects", body: { name: "Fuzz project", profile: "default" } },
    { method: "PATCH", path: `/api/projects/${projectId}`, body: { name: "Fuzz renamed" } },
    {
      method: "POST",
      path: "/api/admin/users",
      body: { username: "fzuser", password: "fuzz-password-1", role: "user" },
    },
    { method: "POST", path: "/api/admin/invites", body: { role: "user" } },
    { method: "POST", path: "/api/account/keys", body: { name: "fuzz key" } },
    { method: "POST", path: "/api/admin/search/test", body: {} },
    {
      method: "POST",
      path: "/api/admin/providers",
      body: { name: "fz", kind: "openai", base_url: "http://127.0.0.1:9", models: [{ id: "m" }] },
    },
  ];
  const end = budget(SHARE.http);
  while (Date.now() < end) {
    const route = r.pick(routes);
    const input = nextInput(r, [route.body]);
    const res = await fetch(`${t.url}${route.path}`, {
      method: route.method,
      headers: {
        origin: t.url,
        cookie: `octo_session=${admin.cookie}`,
        "content-type": r.chance(0.9)
          ? "application/json"
          : r.pick(["text/plain", "multipart/form-data", ""]),
      },
      body: input.text,
      signal: AbortSignal.timeout(ANSWER_MS),
    }).catch((e) => e as Error);
    const shown = `${route.method} ${route.path} ${input.text}`;
    sentCount.http++;
    if (res instanceof Error) {
      fail("http", `no answer: ${res.message}`, shown);
      continue;
    }
    const body = await res.text();
    if (res.status >= 500 && res.status !== 503)
      fail("http", `status ${res.status}: ${body.slice(0, 200)}`, shown);
    if (res.status >= 400) {
      let code: unknown;
      try {
        code = (JSON.parse(body) as { error?: { code?: unknown } }).error?.code;
      } catch {
        code = undefined;
      }
      if (typeof code !== "string")
        fail("http", `status ${res.status} without a JSON error: ${body.slice(0, 200)}`, shown);
    }
  }
  expect((await fetch(`${t.url}/api/health`)).status).toBe(200);
  expect((await admin.get("/api/projects")).status).toBe(200);
  verdict("http");
});

test("runner lines: every id answered, the runner stays up and serves a client after", async () => {
  const r = new Rng(seed + 2);
  const runner = await startLocalRunner();
  try {
    const secret = readFileSync(runner.files.runnerSecret, "utf8").trim();
    const seeds: Record<string, unknown>[] = [
      { id: 1, op: "status" },
      { id: 1, op: "list" },
      { id: 1, op: "list", tag: "ses_x" },
      { id: 1, op: "write", proc: "prc_00000000000000000000000000000000", data: "aGk=" },
      { id: 1, op: "resize", proc: "prc_00000000000000000000000000000000", cols: 80, rows: 24 },
      { id: 1, op: "subscribe", proc: "prc_00000000000000000000000000000000", after_seq: 0 },
      { id: 1, op: "ack", proc: "prc_00000000000000000000000000000000", seq: 1 },
      { id: 1, op: "agent", proc: "prc_00000000000000000000000000000000", command: { cmd: "get_state" } },
      { id: 1, op: "hello", secret: "wrong", protocol: RUNNER_PROTOCOL_VERSION },
      { id: 1, op: "fs.list", project: "proj", path: "" },
      { id: 1, op: "fs.stat", project: "proj", path: "x" },
      { id: 1, op: "fs.read", project: "proj", path: "x", as: "auto", max_bytes: 100 },
      { call: 1, ok: true, data: {} },
    ];
    let n = 1000;
    const end = budget(SHARE.runner);
    while (Date.now() < end) {
      const conn = await rawLines(runner.files.socket);
      conn.send(`${JSON.stringify({ id: 1, op: "hello", secret, protocol: RUNNER_PROTOCOL_VERSION })}\n`);
      const hello = await conn.next();
      if (hello.ok !== true) fail("runner", `hello refused: ${JSON.stringify(hello)}`, "hello");
      const sent = new Map<number, string>();
      const answers: Record<string, unknown>[] = [];
      for (let i = 0; i < 25; i++) {
        const input = nextInput(r, seeds);
        let text = input.text;
        const value = input.value as Record<string, unknown> | undefined;
        // `spawn` would start real processes; `call` replies get no answer by design.
        if (
          value &&
          typeof value === "object" &&
          !Array.isArray(value) &&
          !("call" in value) &&
          value.op !== "spawn"
        ) {
          const id = ++n;
          text = JSON.stringify({ ...value, id });
          if (typeof value.op === "string" && value.op !== "hello") sent.set(id, text);
        } else if (text.includes('"spawn"')) continue;
        conn.send(`${text.replaceAll("\n", " ")}\n`);
        sentCount.runner++;
      }
      const deadline = Date.now() + ANSWER_MS;
      while (sent.size > 0 && Date.now() < deadline && !conn.isClosed()) {
        const line = await conn.next().catch(() => undefined);
        if (!line) break;
        answers.push(line);
        if (typeof line.id === "number") sent.delete(line.id);
        const error = line.error as { code?: string; message?: string } | undefined;
        if (error?.code === "internal")
          fail("runner", `internal error: ${error.message}`, JSON.stringify(line));
      }
      if (!conn.isClosed()) for (const [id, text] of sent) fail("runner", `no response to ${id}`, text);
      conn.close();
      if (runner.proc.exitCode !== null) {
        fail("runner", `runner exited ${runner.proc.exitCode}: ${runner.stderr().slice(-500)}`, "");
        break;
      }
    }
    expect(runner.proc.exitCode).toBeNull();
    const client = await runner.client();
    expect((await client.status()).ok).toBe(true);
  } finally {
    await runner.stop();
  }
  verdict("runner");
});

test("pi output: framing and translation never throw and emit only valid agent events", () => {
  const r = new Rng(seed + 3);
  const seeds: Record<string, unknown>[] = [
    { type: "agent_start" },
    { type: "turn_start" },
    { type: "message_start", message: user("hello") },
    { type: "message_end", message: user("hello") },
    { type: "message_start", message: asst([{ type: "text", text: "Hi" }]) },
    upd({ type: "text_start", contentIndex: 0 }),
    textDelta("Hi there"),
    upd({ type: "thinking_delta", contentIndex: 1, delta: "hmm" }),
    upd({ type: "toolcall_start", contentIndex: 2 }),
    upd({ type: "toolcall_delta", contentIndex: 2, delta: '{"cmd":' }),
    upd({ type: "text_end", contentIndex: 0, content: "Hi there" }),
    { type: "message_end", message: asst([{ type: "text", text: "Hi there" }]) },
    { type: "tool_execution_start", toolCallId: "t1", toolName: "bash", args: { command: "ls" } },
    { type: "tool_execution_update", toolCallId: "t1", toolName: "bash", partialResult: { content: [] } },
    {
      type: "tool_execution_end",
      toolCallId: "t1",
      toolName: "bash",
      result: { content: [] },
      isError: false,
    },
    { type: "turn_end" },
    { type: "agent_end", messages: [] },
    { type: "auto_retry_start", attempt: 1, maxAttempts: 3, delayMs: 10, errorMessage: "x" },
    { type: "auto_retry_end", success: false, attempt: 3, finalError: "gave up" },
    { type: "auto_compaction_start", reason: "threshold" },
    { type: "auto_compaction_end", result: null, aborted: false },
    { type: "extension_ui_request", id: "d1", method: "confirm", title: "Sure?", message: "?" },
    { type: "response", id: "r1", command: "prompt", success: true },
    { type: "response", id: "r2", command: "get_state", success: false, error: "nope" },
  ];
  const end = budget(SHARE.pi);
  let current = "";
  while (Date.now() < end) {
    const translator = new PiTranslator((e) => {
      const checked = v.safeParse(agentEventSchema, e);
      if (!checked.success)
        fail(
          "pi",
          `invalid event ${JSON.stringify(e).slice(0, 200)}: ${checked.issues[0]?.message}`,
          current,
        );
    });
    const reader = new PiLineReader((line) => translator.feed(line));
    try {
      for (let i = 0; i < 50; i++) {
        const input = nextInput(r, seeds);
        current = input.text;
        sentCount.pi++;
        const bytes = new TextEncoder().encode(`${input.text}\n`);
        // Split at a random point: lines arrive in arbitrary chunks.
        const cut = r.int(bytes.length + 1);
        reader.push(bytes.subarray(0, cut));
        reader.push(bytes.subarray(cut));
        if (r.chance(0.05)) translator.settle();
      }
      reader.end();
      translator.interrupted("pi exited");
    } catch (e) {
      fail("pi", `threw: ${(e as Error).stack ?? e}`, current);
    }
  }
  verdict("pi");
});
