import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { newId } from "../../src/protocol/ids.ts";
import { ensureAgentAccount, runningAsRoot } from "../../src/runners/agent-account.ts";
import type { RunningServer } from "../../src/server/start.ts";
import { projectsRepo } from "../../src/storage/projects.ts";
import { Client } from "../http/client.ts";
import { projectDirOf } from "../http/harness.ts";
import { until } from "../runner/harness.ts";

export interface Frame {
  ch: string;
  event?: string;
  id?: string;
  ok?: boolean;
  data?: unknown;
  error?: { code: string; message: string };
  terminal_id?: string;
  seq?: number;
  [key: string]: unknown;
}

/** A real WebSocket on /api/ws/mux with the user's cookie, as a browser tab would hold it. */
export class MuxClient {
  readonly frames: Frame[] = [];
  private readonly wakers = new Set<() => void>();
  private nextId = 1;
  closed = false;
  closeCode: number | undefined;
  closeReason: string | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.onmessage = (m) => {
      this.frames.push(JSON.parse(String(m.data)));
      this.wake();
    };
    ws.onclose = (e) => {
      this.closed = true;
      this.closeCode = e.code;
      this.closeReason = e.reason;
      this.wake();
    };
  }

  static async connect(baseUrl: string, cookie: string | undefined, origin = baseUrl): Promise<MuxClient> {
    const url = `${baseUrl.replace(/^http/, "ws")}/api/ws/mux`;
    const headers: Record<string, string> = { origin };
    if (cookie) headers.cookie = `octo_session=${cookie}`;
    const ws = new WebSocket(url, { headers } as unknown as string[]);
    const client = new MuxClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error("mux socket failed to open"));
    });
    return client;
  }

  private wake() {
    for (const w of [...this.wakers]) w();
  }

  waitFor<T>(what: string, check: () => T | undefined | false, ms = 20_000): Promise<T> {
    return until(
      what,
      check,
      (wake) => {
        this.wakers.add(wake);
        return () => this.wakers.delete(wake);
      },
      ms,
    );
  }

  sendRaw(text: string) {
    this.ws.send(text);
  }

  /** One terminal command; resolves with its response frame. */
  async cmd(cmd: string, body: Record<string, unknown> = {}, ch = "terminal"): Promise<Frame> {
    const id = `c${this.nextId++}`;
    this.ws.send(JSON.stringify({ ch, id, cmd, ...body }));
    // An agent command may wait for its agent to start (the server allows it 120 s): on a loaded
    // machine that alone took ~20 s here, so agent commands get more room than others.
    return this.waitFor(
      `response to ${cmd}`,
      () => this.frames.find((f) => f.event === "response" && f.id === id),
      ch === "agent" ? 90_000 : 20_000,
    );
  }

  /** Like `cmd`, but fails the test unless the answer is ok; returns its data. */
  async ok<T = Record<string, unknown>>(cmd: string, body: Record<string, unknown> = {}): Promise<T> {
    const r = await this.cmd(cmd, body);
    if (!r.ok) throw new Error(`${cmd} failed: ${JSON.stringify(r.error)}`);
    return r.data as T;
  }

  events(terminal: string): Frame[] {
    return this.frames.filter(
      (f) => f.ch === "terminal" && f.terminal_id === terminal && f.event !== "response",
    );
  }

  /** Everything this socket rendered for a terminal, decoded. */
  text(terminal: string): string {
    return this.events(terminal)
      .filter((f) => f.event === "output")
      .map((f) => Buffer.from(String(f.data), "base64").toString("latin1"))
      .join("");
  }

  lastSeq(terminal: string): number {
    return Math.max(0, ...this.events(terminal).map((f) => f.seq ?? 0));
  }

  waitText(terminal: string, pattern: RegExp | string, ms?: number): Promise<string> {
    const test = (t: string) => (typeof pattern === "string" ? t.includes(pattern) : pattern.test(t));
    return this.waitFor(
      `output ${pattern} on ${terminal}`,
      () => test(this.text(terminal)) && this.text(terminal),
      ms,
    );
  }

  waitEvent(terminal: string, event: string, ms?: number): Promise<Frame> {
    return this.waitFor(
      `${event} on ${terminal}`,
      () => this.events(terminal).find((f) => f.event === event),
      ms,
    );
  }

  input(terminal: string, data: string) {
    return this.ok("input", { terminal_id: terminal, data });
  }

  close() {
    this.ws.close();
    return this.waitFor("socket closed", () => this.closed);
  }
}

/** A project row for `ownerId` and its folder in the single-user workspace. */
export function makeProject(server: RunningServer, ownerId: string, slug: string, profile = "default") {
  const now = Date.now();
  const row = {
    id: newId("prj"),
    user_id: ownerId,
    name: slug,
    slug,
    profile,
    default_model: null,
    template: null,
    created_at: now,
    updated_at: now,
    last_activity_at: now,
  };
  const dir = projectDirOf(server, ownerId, slug);
  mkdirSync(join(dir, ".octo"), { recursive: true });
  writeFileSync(join(dir, "README.md"), `# ${slug}\n`);
  giveToAgent(dir);
  projectsRepo(server.ctx.db).insert(row);
  return { ...row, dir };
}

/** Run as root, agents run as the agent account (decision 0016): a folder made here must be theirs. */
export function giveToAgent(dir: string): void {
  if (!runningAsRoot()) return;
  const account = ensureAgentAccount();
  if (!account.ok) throw new Error(account.error.message);
  const owner = `${account.value.uid}:${account.value.gid}`;
  // The project and its owner's folder (made here by root on the way) belong to the agent account.
  Bun.spawnSync(["chown", owner, dirname(dir)]);
  Bun.spawnSync(["chown", "-R", owner, dir]);
}

export async function login(baseUrl: string, username: string, password: string): Promise<Client> {
  const c = new Client(baseUrl);
  await c.login(username, password);
  return c;
}

/** The single-user runner the server started (detached: it outlives the server, so tests stop it). */
export { stopRunnerOf as stopLocalRunner } from "../http/harness.ts";

/** Host pids whose command line contains `needle` (to see that a shell's children are really gone). */
export function pidsMatching(needle: string): number[] {
  const out = Bun.spawnSync(["pgrep", "-f", needle]);
  return String(out.stdout)
    .split("\n")
    .filter(Boolean)
    .map(Number)
    .filter((pid) => pid !== process.pid);
}
