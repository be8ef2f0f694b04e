import { chmodSync, chownSync, existsSync, readdirSync, rmSync } from "node:fs";
import * as v from "valibot";
import { fail, ok, type Result } from "../../src/protocol/errors.ts";
import { MAX_LINE_BYTES, type SystemRequest, SystemRequestSchema } from "../../src/protocol/runner.ts";
import { encodeLine, LineDecoder } from "../../src/shared/lines.ts";
import type { Logger } from "../../src/shared/log.ts";
import { systemSocketPath } from "../../src/shared/runner-layout.ts";
import { Wire } from "../wire.ts";
import { deleteAccount, ensureAccount, groupId, lookupAccount, userId, validateName } from "./accounts.ts";
import { RunnerSupervisor, systemdIsPid1 } from "./supervisor.ts";
import { ensureWorkspaceQuota, releaseWorkspaceQuota, type WorkspaceQuota } from "./workspace-quota.ts";

export interface SystemOptions {
  runtimeDir: string;
  serverGroup: string;
  maxProcesses: number;
  log: Logger;
  logFormat?: "text" | "json";
  homeBase?: string;
  /** Size-capped workspaces (loop-mounted images); absent: workspaces share the home file system. */
  workspaceQuota?: WorkspaceQuota;
}

const SYSTEM_OPS = SystemRequestSchema.options.map((o) => o.entries.op.literal) as string[];

/**
 * `octo-runner --system`: root, a fixed command set keyed by validated user names only, on a
 * socket only root and the server's group can open. It never takes a path or a command from
 * its caller. Requests run one at a time: they are rare and touch /etc/passwd.
 */
export async function startSystemComponent(
  opts: SystemOptions,
): Promise<Result<{ socket: string; stop(): Promise<void> }>> {
  if (process.getuid?.() !== 0) return fail("forbidden", "octo-runner --system must run as root");
  const gid = groupId(opts.serverGroup);
  if (gid === undefined) return fail("not_found", `server group ${opts.serverGroup} does not exist`);
  const homeBase = opts.homeBase ?? "/home";
  const supervisor = new RunnerSupervisor({
    runtimeDir: opts.runtimeDir,
    serverGid: gid,
    // `octo install` makes the server's user and group the same name; without such a user the
    // server runs as root (development, tests).
    serverUid: userId(opts.serverGroup) ?? 0,
    maxProcesses: opts.maxProcesses,
    logFormat: opts.logFormat ?? "text",
    log: opts.log,
    systemd: systemdIsPid1(),
  });
  supervisor.prepareRuntimeDir();
  const socketPath = systemSocketPath(opts.runtimeDir);
  if (existsSync(socketPath)) rmSync(socketPath);

  let queue: Promise<unknown> = Promise.resolve();
  const handle = async (req: SystemRequest): Promise<Result<unknown>> => {
    if (req.op === "status") {
      return ok({
        supervisor: systemdIsPid1() ? "systemd" : "system-component",
        runners: listNames(opts.runtimeDir)
          .map((name) => lookupAccount(name, homeBase))
          .filter((a) => a !== undefined)
          .map((a) => supervisor.describe(a)),
      });
    }
    const name = validateName(req.name);
    if (!name.ok) return name;
    if (req.op === "ensure_user") {
      const account = ensureAccount(name.value, homeBase);
      if (!account.ok) return account;
      const a = account.value;
      if (opts.workspaceQuota) {
        const capped = ensureWorkspaceQuota(a, opts.workspaceQuota);
        if (!capped.ok) return capped;
      }
      return ok({
        name: a.name,
        linux_user: a.linuxUser,
        uid: a.uid,
        gid: a.gid,
        home: a.home,
        workspace: a.workspace,
      });
    }
    const account = lookupAccount(name.value, homeBase);
    if (!account) return fail("not_found", `no user ${name.value}: ensure_user first`);
    if (req.op === "start_runner") {
      // After a reboot the mount is gone: never start a runner on the bare, uncapped directory.
      const capped = opts.workspaceQuota ? ensureWorkspaceQuota(account, opts.workspaceQuota) : ok(undefined);
      return capped.ok ? supervisor.start(account) : capped;
    }
    if (req.op === "stop_runner") {
      const stopped = await supervisor.stop(account);
      return stopped.ok ? ok({ name: name.value, stopped: stopped.value.stopped }) : stopped;
    }
    await supervisor.stop(account);
    await supervisor.releaseCgroup(account);
    supervisor.forget(name.value);
    if (opts.workspaceQuota) {
      const released = releaseWorkspaceQuota(account, opts.workspaceQuota, req.purge);
      if (!released.ok) return released;
    }
    const deleted = deleteAccount(name.value, req.purge, homeBase);
    return deleted.ok ? ok({ name: name.value, purged: deleted.value.purged }) : deleted;
  };

  const serve = (wire: Wire): LineDecoder => {
    const send = (id: number | null, r: Result<unknown>) =>
      wire.write(encodeLine(r.ok ? { id, ok: true, data: r.value } : { id, ok: false, error: r.error }));
    return new LineDecoder(
      MAX_LINE_BYTES,
      (line) => {
        let raw: unknown;
        try {
          raw = JSON.parse(line);
        } catch {
          return send(null, fail("invalid_json", "line is not valid JSON"));
        }
        const obj = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
        const id = Number.isInteger(obj.id) ? (obj.id as number) : null;
        if (typeof obj.op === "string" && !SYSTEM_OPS.includes(obj.op))
          return send(id, fail("unknown_command", `unknown op ${JSON.stringify(obj.op).slice(0, 64)}`));
        const parsed = v.safeParse(SystemRequestSchema, raw);
        if (!parsed.success) {
          const issue = parsed.issues[0];
          const where = issue?.path?.map((p) => String(p.key)).join(".") || "request";
          return send(id, fail("validation_failed", `${where}: ${issue?.message ?? "invalid"}`));
        }
        const req = parsed.output;
        const run = queue.then(() => handle(req)).catch((e) => fail("internal", (e as Error).message));
        queue = run;
        run.then((r) => {
          opts.log.info("system request", {
            op: req.op,
            name: "name" in req ? req.name : undefined,
            ok: r.ok,
          });
          send(req.id, r);
        });
      },
      () => send(null, fail("payload_too_large", "line too long")),
    );
  };

  type Conn = { wire: Wire; decoder: LineDecoder };
  const oldMask = process.umask(0o117);
  let server: Bun.UnixSocketListener<Conn>;
  try {
    server = Bun.listen<Conn>({
      unix: socketPath,
      socket: {
        open(socket) {
          const wire = new Wire(socket);
          socket.data = { wire, decoder: serve(wire) };
        },
        data: (socket, chunk) => socket.data.decoder.push(chunk),
        drain: (socket) => {
          socket.data.wire.flush();
        },
        error: () => {},
      },
    });
  } catch (e) {
    return fail("internal", `cannot listen on ${socketPath}: ${(e as Error).message}`);
  } finally {
    process.umask(oldMask);
  }
  chownSync(socketPath, 0, gid);
  chmodSync(socketPath, 0o660);
  opts.log.info("system component listening", {
    socket: socketPath,
    group: opts.serverGroup,
    systemd: systemdIsPid1(),
  });
  return ok({
    socket: socketPath,
    async stop() {
      // Runners keep running: they are detached and found again through their pid files.
      server.stop(true);
      rmSync(socketPath, { force: true });
    },
  });
}

function listNames(runtimeDir: string): string[] {
  try {
    return readdirSync(`${runtimeDir}/runners`).filter((n) => validateName(n).ok);
  } catch {
    return [];
  }
}

export async function systemMain(opts: SystemOptions): Promise<number> {
  const started = await startSystemComponent(opts);
  if (!started.ok) {
    opts.log.error(started.error.message, { code: started.error.code });
    return 1;
  }
  await new Promise<void>((resolve) => {
    const stop = () => started.value.stop().then(resolve, resolve);
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
  return 0;
}
