import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EgressLogLine } from "../../../src/protocol/sandbox.ts";
import { type EgressPolicy, type EgressProxy, startEgressProxy } from "./proxy.ts";

/** The real proxy on a unix socket, in front of real local HTTP servers: which ports it dials. */
let dir: string;
let allowedServer: ReturnType<typeof Bun.serve>;
let otherServer: ReturnType<typeof Bun.serve>;
const started: EgressProxy[] = [];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "octo-egress-ports-"));
  allowedServer = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("reached") });
  otherServer = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("reached") });
});
afterAll(async () => {
  for (const proxy of started) await proxy.close();
  await allowedServer.stop(true);
  await otherServer.stop(true);
  rmSync(dir, { recursive: true, force: true });
});

async function proxyWith(policy: EgressPolicy) {
  const lines: EgressLogLine[] = [];
  const socketPath = join(dir, `p${started.length}.sock`);
  const proxy = await startEgressProxy({
    socketPath,
    policy,
    userLabel: "t",
    project: "/p",
    log: (line) => lines.push(line),
    resolve: async () => "127.0.0.1",
  });
  started.push(proxy);
  return { socketPath, lines };
}

/** Sends one request head, returns the status line's code once the proxy answers. */
function ask(socketPath: string, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    let reply = "";
    socket.on("connect", () => socket.write(head));
    socket.on("data", (chunk) => {
      reply += chunk.toString("latin1");
      const status = reply.match(/^HTTP\/1\.1 (\d{3})/);
      if (status?.[1]) {
        socket.destroy();
        resolve(status[1]);
      }
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(reply.match(/^HTTP\/1\.1 (\d{3})/)?.[1] ?? "none"));
  });
}

const connect = (port: number) => `CONNECT pkg.octo.test:${port} HTTP/1.1\r\nHost: pkg.octo.test\r\n\r\n`;
const get = (port: number) => `GET http://pkg.octo.test:${port}/ HTTP/1.1\r\nHost: pkg.octo.test\r\n\r\n`;
const base = { allow: ["pkg.octo.test"], block_private: false };

describe("egress proxy ports", () => {
  test("a listed port is dialed, CONNECT and plain HTTP alike (positive control)", async () => {
    const port = allowedServer.port ?? 0;
    const { socketPath, lines } = await proxyWith({ ...base, ports: { connect: [port], http: [port] } });
    expect(await ask(socketPath, connect(port))).toBe("200");
    expect(await ask(socketPath, get(port))).toBe("200");
    expect(lines.filter((l) => !l.allowed)).toEqual([]);
  });

  test("another port of the same allowed host is refused and logged", async () => {
    const port = allowedServer.port ?? 0;
    const other = otherServer.port ?? 0;
    const { socketPath, lines } = await proxyWith({ ...base, ports: { connect: [port], http: [port] } });
    expect(await ask(socketPath, connect(other))).toBe("403");
    expect(await ask(socketPath, get(other))).toBe("403");
    expect(lines).toHaveLength(2);
    for (const line of lines)
      expect(line).toMatchObject({
        allowed: false,
        reason: "port not allowed",
        host: "pkg.octo.test",
        port: other,
      });
  });

  test("without allow_ports: CONNECT only to 443, plain HTTP only to 80", async () => {
    const port = allowedServer.port ?? 0;
    const { socketPath, lines } = await proxyWith(base);
    expect(await ask(socketPath, connect(port))).toBe("403");
    expect(await ask(socketPath, get(port))).toBe("403");
    expect(await ask(socketPath, connect(80))).toBe("403");
    // Allowed through the policy; nothing listens on 127.0.0.1:443 here, so the dial itself fails.
    expect(await ask(socketPath, connect(443))).toBe("502");
    expect(lines.map((l) => [l.method, l.port, l.reason])).toEqual([
      ["CONNECT", port, "port not allowed"],
      ["GET", port, "port not allowed"],
      ["CONNECT", 80, "port not allowed"],
      ["CONNECT", 443, "allowed"],
    ]);
  });
});
