import type { AgentCommand } from "../protocol/agent-commands.ts";
import type { ErrorBody } from "../protocol/errors.ts";
import {
  type Channel,
  type ClientFrame,
  decodeClientFrame,
  decodeClientValue,
  errorResponse,
  MUX_PROTOCOL_VERSION,
  okResponse,
} from "../protocol/mux.ts";
import type { SessionHub, Sink, Subscription } from "../sessions/hub.ts";

/** Who is on the other end of a socket, as established at upgrade time. */
export interface MuxUser {
  id: string;
  username: string;
  role: "admin" | "user";
  /** The sign-in (session token `sid`) the socket was opened with; absent for API keys. */
  sid?: string;
  /** The user's token_version at the upgrade. */
  tokenVersion?: number;
  /** The user's sign-in epoch at the upgrade (src/auth/sign-ins.ts). */
  epoch?: number;
}

export type CommandResult = { ok: true; data?: unknown } | { ok: false; error: ErrorBody };

/** The agent channel's domain: sessions. Ownership checks live behind this interface, not in the mux. */
export interface AgentService {
  /** Authorise watching a session; returns its owner for the history store. */
  canWatch(user: MuxUser, sessionId: string): { ok: true; ownerId: string } | { ok: false; error: ErrorBody };
  /** Every command except subscribe/unsubscribe. */
  run(user: MuxUser, command: AgentCommand): Promise<CommandResult>;
}

/** Other channels (terminal, files, browser) plug in here as they land. */
export interface ChannelHandler {
  handle(conn: MuxConnection, cmd: string, body: Record<string, unknown>): Promise<CommandResult>;
  closed?(conn: MuxConnection): void;
  /** The socket has room again after `sink.send` reported it full. */
  drained?(conn: MuxConnection): void;
  /** Someone's access changed: end what this socket may no longer hold (file watches, terminals). */
  recheckAccess?(conn: MuxConnection): void;
}

export interface MuxDeps {
  hub: SessionHub;
  agents: AgentService;
  channels?: Partial<Record<Exclude<Channel, "agent" | "system">, ChannelHandler>>;
  heartbeatMs: number;
  now?: () => number;
  /** Checked on every frame: null while the socket's sign-in holds, else why it ended. */
  revoked?: () => ErrorBody | null;
}

/**
 * One browser tab's socket. Frames are handled independently and concurrently: a slow command on one
 * channel never delays another (an `abort` is never queued behind a file listing).
 */
export class MuxConnection {
  private readonly subs = new Map<string, Subscription>();
  lastSeen: number;
  closed = false;

  constructor(
    readonly user: MuxUser,
    readonly sink: Sink & { close(code: number, reason: string): void },
    private readonly deps: MuxDeps,
  ) {
    this.lastSeen = (deps.now ?? Date.now)();
  }

  /**
   * Handle one client frame: its raw text, or the value the WebSocket adapter already parsed from it.
   * Never throws; every frame with an id gets exactly one response (a frame whose `ch` cannot be
   * read is answered on `system`).
   */
  async receive(message: unknown): Promise<void> {
    this.lastSeen = (this.deps.now ?? Date.now)();
    if (this.closed) return;
    const decoded = typeof message === "string" ? decodeClientFrame(message) : decodeClientValue(message);
    const ended = this.revoked();
    if (!decoded.ok || ended) {
      const error = ended ?? (decoded as { error: ErrorBody }).error;
      const id = decoded.ok ? decoded.frame.id : decoded.id;
      const ch = decoded.ok ? decoded.frame.ch : ((decoded.ch ?? "system") as Channel);
      const cmd = decoded.ok ? frameCmd(decoded.frame) : (decoded.cmd ?? "");
      if (id !== undefined) this.send(errorResponse(ch, id, cmd, error));
      else this.send({ ch: "system", event: "error", error });
      if (ended) this.end(4401, `session ended: ${ended.message}`);
      return;
    }
    const { frame } = decoded;
    const id = frame.id;
    let ch: Channel = frame.ch;
    let cmd = "";
    let result: CommandResult;
    try {
      if (frame.ch === "system") {
        cmd = frame.command.cmd;
        result = this.system(frame.command);
      } else if (frame.ch === "agent") {
        cmd = frame.command.cmd;
        result = await this.agent(frame.command);
      } else {
        ch = frame.ch;
        cmd = frame.cmd;
        const handler = this.deps.channels?.[frame.ch];
        result = handler
          ? await handler.handle(this, frame.cmd, frame.body)
          : {
              ok: false,
              error: { code: "unknown_command", message: `channel ${frame.ch} is not available` },
            };
      }
    } catch (e) {
      result = { ok: false, error: { code: "internal", message: `internal error: ${(e as Error).message}` } };
    }
    if (id === undefined) {
      if (!result.ok) this.send({ ch: "system", event: "error", error: result.error });
      return;
    }
    this.send(result.ok ? okResponse(ch, id, cmd, result.data) : errorResponse(ch, id, cmd, result.error));
  }

  private system(command: { cmd: string; ts?: number }): CommandResult {
    const now = (this.deps.now ?? Date.now)();
    if (command.cmd === "hello") {
      return {
        ok: true,
        data: { protocol: MUX_PROTOCOL_VERSION, heartbeat_ms: this.deps.heartbeatMs, server_ts: now },
      };
    }
    if (command.cmd === "ping") return { ok: true, data: { ts: command.ts ?? now, server_ts: now } };
    return { ok: true };
  }

  private async agent(command: AgentCommand): Promise<CommandResult> {
    if (command.cmd === "session.subscribe") {
      const access = this.deps.agents.canWatch(this.user, command.session_id);
      if (!access.ok) return access;
      this.unsubscribe(command.session_id);
      const sub = this.deps.hub.subscribe(
        access.ownerId,
        command.session_id,
        command.after_seq ?? 0,
        this.sink,
      );
      this.subs.set(command.session_id, sub);
      return { ok: true, data: { last_seq: sub.cursor } };
    }
    if (command.cmd === "session.unsubscribe") {
      this.unsubscribe(command.session_id);
      return { ok: true };
    }
    return this.deps.agents.run(this.user, command);
  }

  private unsubscribe(sessionId: string): void {
    const sub = this.subs.get(sessionId);
    if (sub) this.deps.hub.unsubscribe(sub);
    this.subs.delete(sessionId);
  }

  /**
   * Access to projects or sessions changed: every watched session is checked again, and a watch
   * the user may no longer hold ends at once with one `{ch:"system", event:"watch.ended"}` frame;
   * the channels drop their own (file watches, terminal views). With `projectId`, the client is
   * told first that its standing in that project changed (`access.changed`), so it shows the new role.
   */
  recheckAccess(projectId?: string): void {
    if (this.closed) return;
    if (projectId) this.send({ ch: "system", event: "access.changed", project_id: projectId });
    for (const id of [...this.subs.keys()]) {
      if (this.deps.agents.canWatch(this.user, id).ok) continue;
      this.unsubscribe(id);
      this.send({ ch: "system", event: "watch.ended", session_id: id, reason: "access_revoked" });
    }
    for (const handler of Object.values(this.deps.channels ?? {})) handler?.recheckAccess?.(this);
  }

  /** The socket has room again. */
  drained(): void {
    this.deps.hub.drained(this.sink);
    for (const handler of Object.values(this.deps.channels ?? {})) handler?.drained?.(this);
  }

  /** Server heartbeat: ping, and close a socket that has said nothing for two intervals. */
  heartbeat(): void {
    const now = (this.deps.now ?? Date.now)();
    if (now - this.lastSeen > this.deps.heartbeatMs * 2) {
      this.sink.close(4000, "heartbeat timeout");
      return;
    }
    this.send({ ch: "system", event: "ping", ts: now });
  }

  /** Null while the socket's sign-in holds, else why it ended (for work that finished after the end). */
  revoked(): ErrorBody | null {
    return this.deps.revoked?.() ?? null;
  }

  /** The server ends the socket (its sign-in ended, a limit): close it with a reason, then clean up. */
  end(code: number, reason: string): void {
    if (this.closed) return;
    this.sink.close(code, reason);
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const id of [...this.subs.keys()]) this.unsubscribe(id);
    for (const handler of Object.values(this.deps.channels ?? {})) handler?.closed?.(this);
  }

  /** Responses and system frames bypass the backlog logic: they are small and must not be lost. */
  send(frame: unknown): void {
    if (!this.closed) this.sink.send(JSON.stringify(frame));
  }
}

const frameCmd = (frame: ClientFrame): string => ("command" in frame ? frame.command.cmd : frame.cmd);
