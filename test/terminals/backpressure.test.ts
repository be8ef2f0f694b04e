import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";
import { startTestServer, type TestServer } from "../http/harness.ts";
import { until } from "../runner/harness.ts";
import { login, MuxClient, makeProject, stopLocalRunner } from "./harness.ts";

/**
 * A browser that stops reading must not stall the shell or the other sockets on the same terminal;
 * when it reads again it gets a `reset` and the retained scrollback, in seq order.
 * The slow browser is a raw WebSocket over a paused TCP socket (so the kernel buffers really fill).
 */
setDefaultTimeout(120_000);
let t: TestServer;
let cookie = "";
let projectId = "";

beforeAll(async () => {
  t = await startTestServer();
  const admin = await login(t.url, t.admin.username, t.admin.password);
  const me = await admin.get<{ user: { id: string } }>("/api/auth/me");
  cookie = admin.cookie ?? "";
  projectId = makeProject(t.server, me.body.user.id, "slow").id;
});

afterAll(async () => {
  const socketDir = t.server.ctx.config.paths.socketDir;
  await t.server.stop();
  stopLocalRunner(socketDir);
});

/** A minimal WebSocket client: masked text frames out, text frames in, reading can be paused. */
class RawWebSocket {
  readonly frames: Record<string, unknown>[] = [];
  private buffer = Buffer.alloc(0);
  private upgraded = false;
  private readonly wakers = new Set<() => void>();

  constructor(readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
  }

  static async open(url: string, cookieValue: string): Promise<RawWebSocket> {
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname);
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", () => resolve());
      socket.once("error", reject);
    });
    const ws = new RawWebSocket(socket);
    socket.write(
      [
        "GET /api/ws/mux HTTP/1.1",
        `Host: ${hostname}:${port}`,
        "Upgrade: websocket",
        "Connection: Upgrade",
        `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}`,
        "Sec-WebSocket-Version: 13",
        `Origin: ${url}`,
        `Cookie: octo_session=${cookieValue}`,
        "",
        "",
      ].join("\r\n"),
    );
    await ws.wait("upgrade", () => ws.upgraded);
    return ws;
  }

  wait<T>(what: string, check: () => T | undefined | false, ms = 60_000): Promise<T> {
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

  send(value: unknown): void {
    const payload = Buffer.from(JSON.stringify(value));
    const mask = randomBytes(4);
    const header =
      payload.length < 126
        ? Buffer.from([0x81, 0x80 | payload.length])
        : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
    const masked = Buffer.from(payload.map((b, i) => b ^ (mask[i % 4] as number)));
    this.socket.write(Buffer.concat([header, mask, masked]));
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    if (!this.upgraded) {
      const end = this.buffer.indexOf("\r\n\r\n");
      if (end < 0) return;
      if (!this.buffer.subarray(0, end).toString().startsWith("HTTP/1.1 101"))
        throw new Error(`upgrade refused: ${this.buffer.subarray(0, end)}`);
      this.upgraded = true;
      this.buffer = this.buffer.subarray(end + 4);
    }
    for (;;) {
      if (this.buffer.length < 2) break;
      const opcode = (this.buffer[0] as number) & 0x0f;
      let length = (this.buffer[1] as number) & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.buffer.length < 4) break;
        length = this.buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.buffer.length < 10) break;
        length = Number(this.buffer.readBigUInt64BE(2));
        offset = 10;
      }
      if (this.buffer.length < offset + length) break;
      const payload = this.buffer.subarray(offset, offset + length);
      this.buffer = this.buffer.subarray(offset + length);
      if (opcode === 1) this.frames.push(JSON.parse(payload.toString()));
    }
    for (const w of [...this.wakers]) w();
  }
}

test("a socket that stops reading falls behind; the shell and other sockets carry on", async () => {
  const fast = await MuxClient.connect(t.url, cookie);
  const { terminal } = await fast.ok<{ terminal: { terminal_id: string } }>("open", {
    project_id: projectId,
    cols: 120,
    rows: 30,
  });
  const id = terminal.terminal_id;
  await fast.ok("attach", { terminal_id: id });

  const slow = await RawWebSocket.open(t.url, cookie);
  slow.send({ ch: "terminal", id: "a1", cmd: "attach", terminal_id: id });
  await slow.wait("attach response", () => slow.frames.find((f) => f.id === "a1"));
  slow.socket.pause();

  // ~32 MB of output: far more than the kernel's socket buffers, the server's per-socket bound
  // and the 256 KiB scrollback together.
  await fast.input(id, 'head -c 24000000 /dev/zero | base64 -w 100; echo "bu""lk-end"\r');
  await fast.waitFor(
    "bulk-end on the fast socket",
    () => {
      const f = fast.frames[fast.frames.length - 1];
      return f?.event === "output" && Buffer.from(String(f.data), "base64").toString().includes("bulk-end");
    },
    90_000,
  );
  await fast.input(id, 'echo "af""ter-bulk"\r');
  await fast.waitText(id, "after-bulk\r\n");

  // The server acknowledged what fell out of its scrollback: the runner holds only about that much.
  const runner = await t.server.ctx.services.runners.forUser("admin");
  if (!runner.ok) throw new Error(runner.error.message);
  const listed = await runner.value.list();
  const proc = listed.ok ? listed.value.processes.find((p) => p.tag?.endsWith(id)) : undefined;
  expect(proc?.acked_seq).toBeGreaterThan(0);
  const unacked = fast.events(id).filter((f) => (f.seq as number) > (proc?.acked_seq ?? 0));
  const unackedBytes = unacked.reduce((n, f) => n + String(f.data ?? "").length * 0.75, 0);
  expect(unackedBytes).toBeLessThan(400 * 1024);

  slow.socket.resume();
  const lastOutput = () =>
    slow.frames
      .filter((f) => f.event === "output")
      .slice(-4)
      .map((f) => Buffer.from(String(f.data), "base64").toString())
      .join("");
  await slow.wait("the slow socket to catch up", () => lastOutput().includes("after-bulk\r\n"));
  const events = slow.frames.filter((f) => f.ch === "terminal" && f.event !== "response");
  const seqs = events.map((f) => f.seq as number);
  expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
  expect(new Set(seqs).size).toBe(seqs.length);
  const reset = events.findIndex((f) => f.event === "reset");
  expect(reset).toBeGreaterThan(0);
  // After the reset comes at most the scrollback, not the 32 MB it missed.
  const replayed = events.slice(reset + 1).reduce((n, f) => n + String(f.data ?? "").length * 0.75, 0);
  expect(replayed).toBeLessThan(1024 * 1024);
  slow.socket.destroy();
  fast.ws.close();
});
