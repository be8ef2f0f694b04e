import { fail, type Result } from "../protocol/errors.ts";
import type { RunnerCall } from "../protocol/tools.ts";
import type { Logger } from "../shared/log.ts";
import type { ToolTokens } from "./tokens.ts";

/** Who a call acts for, established by the dispatcher from the token (never from the call). */
export interface ToolContext {
  user: { id: string; username: string };
  projectId: string;
  sessionId: string;
  /**
   * The same for a call the runner sends again, different for every other call of the session
   * (its launch's token, hashed, and the runner's call number): what `once` deduplicates by.
   */
  callKey: string;
}

export type ToolVerb = (args: Record<string, unknown>, ctx: ToolContext) => Promise<Result<unknown>>;
/** One area of `octo-tool` served by the server: its verbs by name. */
export type ToolArea = Record<string, ToolVerb>;

export interface ToolDispatcherDeps {
  tokens: ToolTokens;
  areas: Record<string, ToolArea>;
  /** The platform user's name, or null for a user that no longer exists. */
  usernameOf(userId: string): string | null;
  /** The runner that serves a platform user (placement). */
  runnerUserOf(username: string): string;
  log: Logger;
}

const invalid = (why: string) => fail("token_invalid", `this tool token is not valid ${why}`);

/**
 * The server's end of the tool path. A call arrives from a runner with the token its sandbox
 * presented and the session whose socket it came in on; it runs only if the token is live, belongs
 * to that very session, and that session's user is served by that runner. Handlers get the
 * session's user and project from here, so a call can only ever act for them.
 */
export class ToolDispatcher {
  constructor(private readonly deps: ToolDispatcherDeps) {}

  async handle(runnerUser: string, call: RunnerCall): Promise<Result<unknown>> {
    const scope = this.deps.tokens.verify(call.token);
    if (!scope) return invalid("(unknown, revoked, or its session has ended)");
    if (scope.sessionId !== call.session) {
      this.deps.log.warn("tool token presented for another session", { session: call.session });
      return invalid("for this session");
    }
    const username = this.deps.usernameOf(scope.userId);
    if (!username || this.deps.runnerUserOf(username) !== runnerUser) {
      this.deps.log.warn("tool call from a runner that does not serve the token's user", {
        runner: runnerUser,
      });
      return invalid("on this runner");
    }
    const area = this.deps.areas[call.area];
    if (!area) return fail("unknown_command", `unknown tool area "${call.area}"`);
    const verb = Object.hasOwn(area, call.verb) ? area[call.verb] : undefined;
    if (!verb) return fail("unknown_command", `area ${call.area} has no verb "${call.verb}"`);
    const started = Date.now();
    const r = await verb(call.args, {
      user: { id: scope.userId, username },
      projectId: scope.projectId,
      sessionId: scope.sessionId,
      callKey: `${new Bun.CryptoHasher("sha256").update(call.token).digest("hex").slice(0, 16)}:${call.call}`,
    });
    this.deps.log.info("tool call", {
      session: scope.sessionId,
      area: call.area,
      verb: call.verb,
      ok: r.ok,
      ...(r.ok ? {} : { code: r.error.code }),
      ms: Date.now() - started,
    });
    return r;
  }
}
