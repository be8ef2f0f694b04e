import { lookup } from "node:dns/promises";
import { appendFileSync } from "node:fs";
import { connect, createServer, isIP, type Server, type Socket } from "node:net";
import { DEFAULT_EGRESS_PORTS, type EgressLogLine, type EgressPorts } from "../../../src/protocol/sandbox.ts";
import {
  hostAllowed,
  isPrivateAddress,
  type NormalizedHost,
  normalizeHost,
} from "../../../src/shared/hosts.ts";
import { type ProxyRequest, parseProxyRequest } from "./request.ts";

export interface EgressPolicy {
  allow: string[];
  block_private: boolean;
  /** Ports per kind of request; absent: DEFAULT_EGRESS_PORTS. */
  ports?: EgressPorts;
}

export type Resolver = (host: string) => Promise<string>;

export interface EgressProxyOptions {
  /** Unix socket path to listen on (bound into the sandbox by the caller). */
  socketPath: string;
  policy: EgressPolicy;
  userLabel: string;
  project: string;
  /** Receives one JSON line per attempt; defaults to appending to `logFile`. */
  log?: (line: EgressLogLine) => void;
  logFile?: string;
  /** Name → address; defaults to the system resolver. */
  resolve?: Resolver;
}

export interface EgressProxy {
  close(): Promise<void>;
}

const MAX_HEAD = 16 * 1024;

export const systemResolver: Resolver = async (host) => (await lookup(host)).address;

/** `OCTO_EGRESS_HOSTS="a.test=127.0.0.2,b.test=127.0.0.3"`: a fixed name table for tests and `check`. */
export function resolverWithOverrides(
  spec: string | undefined,
  fallback: Resolver = systemResolver,
): Resolver {
  const table = new Map<string, string>();
  for (const pair of (spec ?? "").split(",").filter(Boolean)) {
    const [name, address] = pair.split("=");
    if (name && address && isIP(address)) table.set(name.toLowerCase(), address);
  }
  return async (host) => table.get(host) ?? fallback(host);
}

type Verdict = { allowed: true; address: string } | { allowed: false; reason: string; address?: string };

async function decide(
  req: ProxyRequest,
  target: NormalizedHost,
  policy: EgressPolicy,
  resolve: Resolver,
): Promise<Verdict> {
  const ports = policy.ports ?? DEFAULT_EGRESS_PORTS;
  const allowedPorts: readonly number[] = req.method === "CONNECT" ? ports.connect : ports.http;
  if (!allowedPorts.includes(req.port)) return { allowed: false, reason: "port not allowed" };
  if (!hostAllowed(policy.allow, target))
    return {
      allowed: false,
      reason: target.kind === "ip" ? "ip literal not allow-listed" : "host not allow-listed",
    };
  let address = target.host;
  if (target.kind === "name") {
    try {
      address = await resolve(target.host);
    } catch {
      return { allowed: false, reason: "name does not resolve" };
    }
  }
  // The dialed address is checked too: an allowed name must not lead to the host's own services.
  if (target.kind === "name" && policy.block_private && isPrivateAddress(address))
    return { allowed: false, reason: "resolves to a private address", address };
  return { allowed: true, address };
}

/** Starts the proxy and resolves once it listens. */
export function startEgressProxy(opts: EgressProxyOptions): Promise<EgressProxy> {
  const { proxy, listening } = serveEgressProxy(opts);
  return listening.then(() => proxy);
}

/**
 * Starts the proxy without waiting: Bun binds a unix socket before `listen` returns, so the socket
 * file exists at once (the runner checks it before it binds it into a sandbox it starts in the same
 * synchronous step). `listening` rejects when the listen fails.
 */
export function serveEgressProxy(opts: EgressProxyOptions): { proxy: EgressProxy; listening: Promise<void> } {
  const resolve = opts.resolve ?? systemResolver;
  const log =
    opts.log ??
    ((line: EgressLogLine) => {
      const text = `${JSON.stringify(line)}\n`;
      try {
        if (opts.logFile) appendFileSync(opts.logFile, text);
      } catch {
        // A lost log line must not take the proxy down: keep it on stderr instead.
        process.stderr.write(`octo-sandbox egress: ${text}`);
      }
    });
  const record = (req: Partial<ProxyRequest>, verdict: Verdict, up = 0, down = 0) =>
    log({
      time: new Date().toISOString(),
      user: opts.userLabel,
      project: opts.project,
      method: req.method ?? "",
      host: req.host ?? "",
      port: req.port ?? 0,
      address: verdict.address ?? "",
      allowed: verdict.allowed,
      reason: verdict.allowed ? "allowed" : verdict.reason,
      bytes_up: up,
      bytes_down: down,
    });

  /** Tunnels still open: closing the proxy logs them with the bytes counted so far. */
  const open = new Set<() => void>();

  const handle = (client: Socket) => {
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) {
        if (head.length > MAX_HEAD)
          refuse(client, 431, {}, { allowed: false, reason: "request head too large" });
        return;
      }
      client.off("data", onData);
      client.pause();
      void route(client, head.subarray(0, end + 4), head.subarray(end + 4));
    };
    client.on("data", onData);
    client.on("error", () => client.destroy());
  };

  const refuse = (client: Socket, status: number, req: Partial<ProxyRequest>, verdict: Verdict) => {
    record(req, verdict);
    client.end(
      `HTTP/1.1 ${status} Blocked\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nocto egress: ${verdict.allowed ? "" : verdict.reason}\n`,
    );
  };

  const route = async (client: Socket, head: Buffer, rest: Buffer) => {
    const parsed = parseProxyRequest(head.toString("latin1"));
    if (!parsed.ok) return refuse(client, 400, {}, { allowed: false, reason: parsed.error.message });
    const req = parsed.value;
    const target = normalizeHost(req.host);
    if (!target.ok) return refuse(client, 403, req, { allowed: false, reason: target.error.message });
    req.host = target.value.host;
    const verdict = await decide(req, target.value, opts.policy, resolve);
    if (!verdict.allowed) return refuse(client, 403, req, verdict);
    const upstream = connect({ host: verdict.address, port: req.port });
    let up = 0;
    let down = 0;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      open.delete(finish);
      record(req, verdict, up, down);
      client.destroy();
      upstream.destroy();
    };
    upstream.on("error", () => {
      if (!up && !down) client.write("HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n\r\n");
      finish();
    });
    upstream.on("connect", () => {
      if (req.method === "CONNECT") client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      else {
        const forwarded = Buffer.from(req.forwardHead, "latin1");
        up += forwarded.length;
        upstream.write(forwarded);
      }
      if (rest.length) {
        up += rest.length;
        upstream.write(rest);
      }
      client.on("data", (c: Buffer) => {
        up += c.length;
      });
      upstream.on("data", (c: Buffer) => {
        down += c.length;
      });
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    open.add(finish);
    upstream.on("close", finish);
    client.on("close", finish);
  };

  const server: Server = createServer(handle);
  const listening = new Promise<void>((resolveStart, reject) => {
    server.once("error", reject);
    server.listen(opts.socketPath, () => resolveStart());
  });
  // Closing stops new connections only: live tunnels end with the sandbox that opened them.
  const proxy: EgressProxy = {
    close: async () => {
      server.close();
      for (const finish of [...open]) finish();
    },
  };
  return { proxy, listening };
}
