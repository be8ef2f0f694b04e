import { renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fail, ok, type Result } from "../../src/protocol/errors.ts";
import type { Logger } from "../../src/shared/log.ts";
import { CallForwarder } from "./forwarder.ts";
import { type LocalArea, ToolSocket } from "./socket.ts";

/**
 * The runner's half of the tool path: one socket per agent session in a directory of its own
 * (`<dir>/<session>/tool.sock`; the sandbox binds the directory, so a socket made again later is
 * still reachable), the areas the runner answers itself, and the forwarder to the server.
 */
export class ToolService {
  readonly forwarder: CallForwarder;
  private readonly sockets = new Map<string, { socket: ToolSocket; owner: string }>();
  private readonly localAreas = new Map<string, LocalArea>();

  constructor(
    private readonly dir: string,
    private readonly log: Logger,
    waitMs?: number,
  ) {
    this.forwarder = new CallForwarder(waitMs, (call) =>
      log.info("tool call waits for the server", { session: call.session, area: call.area, verb: call.verb }),
    );
  }

  /** The hook for areas served in the user's context (the agent browser, when it lands). */
  registerLocalArea(area: string, handler: LocalArea): void {
    this.localAreas.set(area, handler);
  }

  /**
   * A session's socket for the process `owner`, made anew (a relaunch of the same session replaces
   * the old one).
   */
  open(session: string, token: string, owner: string): Result<string> {
    if (!/^[A-Za-z0-9_]{1,64}$/.test(session)) return fail("validation_failed", "bad session key");
    this.sockets.get(session)?.socket.close();
    const socket = ToolSocket.open({
      session,
      token,
      dir: join(this.dir, session),
      forwarder: this.forwarder,
      localAreas: this.localAreas,
      log: this.log,
    });
    if (!socket.ok) return socket;
    this.sockets.set(session, { socket: socket.value, owner });
    return ok(socket.value.path);
  }

  /**
   * Session `from`'s socket (of process `owner`) becomes session `to`'s: its directory takes the new
   * name, so the sandbox that binds it keeps reaching it. A spare agent taking over a conversation.
   */
  rekey(from: string, to: string, owner: string): Result<void> {
    if (!/^[A-Za-z0-9_]{1,64}$/.test(to)) return fail("validation_failed", "bad session key");
    const entry = this.sockets.get(from);
    if (entry?.owner !== owner) return ok(undefined);
    const dir = join(this.dir, to);
    try {
      this.sockets.get(to)?.socket.close();
      rmSync(dir, { recursive: true, force: true });
      renameSync(join(this.dir, from), dir);
    } catch (e) {
      return fail("internal", `cannot move the tool socket of ${from}: ${(e as Error).message}`);
    }
    entry.socket.renamed(to, dir);
    this.sockets.delete(from);
    this.sockets.set(to, entry);
    return ok(undefined);
  }

  /** The process `owner` is gone for good; a newer process of the same session keeps its socket. */
  close(session: string, owner: string): void {
    const entry = this.sockets.get(session);
    if (entry?.owner !== owner) return;
    entry.socket.close();
    this.sockets.delete(session);
    for (const area of this.localAreas.values()) area.closeSession?.(session);
  }

  stop(): void {
    for (const s of this.sockets.values()) s.socket.close();
    this.sockets.clear();
    this.forwarder.close();
  }
}
