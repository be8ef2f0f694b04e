import { expect, test } from "bun:test";
import { ok } from "../protocol/errors.ts";
import { newId } from "../protocol/ids.ts";
import type { RunnerCall } from "../protocol/tools.ts";
import { createLogger } from "../shared/log.ts";
import { openMainDb } from "../storage/main-db.ts";
import { projectsRepo } from "../storage/projects.ts";
import { sessionsRepo } from "../storage/sessions.ts";
import { usersRepo } from "../storage/users.ts";
import { type ToolContext, ToolDispatcher } from "./dispatcher.ts";
import { once } from "./once.ts";
import { createToolTokens } from "./tokens.ts";

/** A real database with users, projects and sessions; the dispatcher with an `echo` area. */
function world() {
  const opened = openMainDb(":memory:");
  if (!opened.ok) throw new Error(opened.error.message);
  const db = opened.value;
  const tokens = createToolTokens(db);
  const seen: ToolContext[] = [];
  const counted = { n: 0 };
  const dispatcher = new ToolDispatcher({
    tokens,
    areas: {
      echo: {
        say: async (args, ctx) => {
          seen.push(ctx);
          return ok({ said: args.text });
        },
      },
      // Counts its runs: what `once` must keep at one per call.
      count: once(
        {
          add: async () => ok({ n: ++counted.n }),
          peek: async () => ok({ n: counted.n }),
        },
        ["add"],
        db,
      ),
    },
    usernameOf: (id) => usersRepo(db).byId(id)?.username ?? null,
    runnerUserOf: (username) => username,
    log: createLogger({ level: "error", write: () => {} }),
  });
  const session = (username: string, disabled = false) => {
    const now = Date.now();
    const userId = usersRepo(db).byUsername(username)?.id ?? newId("usr");
    if (!usersRepo(db).byId(userId))
      usersRepo(db).insert({
        id: userId,
        username,
        password_hash: "x",
        role: "user",
        linux_user: null,
        disabled: disabled ? 1 : 0,
        created_at: now,
        updated_at: now,
      });
    const projectId = newId("prj");
    projectsRepo(db).insert({
      id: projectId,
      user_id: userId,
      name: "P",
      slug: `p-${projectId.slice(-6)}`,
      profile: "default",
      default_model: null,
      template: null,
      created_at: now,
      updated_at: now,
      last_activity_at: now,
    });
    const sessionId = newId("ses");
    sessionsRepo(db).insert({
      id: sessionId,
      user_id: userId,
      project_id: projectId,
      title: "",
      model: null,
      profile: "default",
      parent_id: null,
      pi_session_file: null,
      pi_session_id: null,
      status: "ready",
      last_seq: 0,
      created_at: now,
      updated_at: now,
      closed_at: null,
      proc_id: null,
      last_active_at: now,
    });
    const token = tokens.issue({ userId, projectId, sessionId });
    return { userId, projectId, sessionId, token };
  };
  return { db, tokens, dispatcher, session, seen };
}

const call = (session: string, token: string, extra: Partial<RunnerCall> = {}): RunnerCall => ({
  call: 1,
  op: "tool",
  session,
  area: "echo",
  verb: "say",
  args: { text: "hi" },
  token,
  ...extra,
});

test("a live token on its own session's call acts for that session's user and project", async () => {
  const w = world();
  const a = w.session("alice");
  expect(await w.dispatcher.handle("alice", call(a.sessionId, a.token))).toEqual(ok({ said: "hi" }));
  expect(w.seen).toEqual([
    {
      user: { id: a.userId, username: "alice" },
      projectId: a.projectId,
      sessionId: a.sessionId,
      callKey: expect.stringMatching(/^[0-9a-f]{16}:1$/),
    },
  ]);
});

test("a token is refused for another session, on another user's runner, or once reissued", async () => {
  const w = world();
  const a = w.session("alice");
  const a2 = w.session("alice");
  const b = w.session("bob");
  const code = async (runner: string, c: RunnerCall) => {
    const r = await w.dispatcher.handle(runner, c);
    return r.ok ? "ok" : r.error.code;
  };
  expect(await code("alice", call(a2.sessionId, a.token))).toBe("token_invalid");
  expect(await code("bob", call(b.sessionId, a.token))).toBe("token_invalid");
  expect(await code("bob", call(a.sessionId, a.token))).toBe("token_invalid");
  expect(await code("alice", call(a.sessionId, "octo_tool_forged"))).toBe("token_invalid");
  // An LLM-shaped token is not a tool token, whatever its hash.
  expect(await code("alice", call(a.sessionId, a.token.replace("octo_tool_", "octo_llm_")))).toBe(
    "token_invalid",
  );
  const fresh = w.tokens.issue({ userId: a.userId, projectId: a.projectId, sessionId: a.sessionId });
  expect(await code("alice", call(a.sessionId, a.token))).toBe("token_invalid");
  expect(await code("alice", call(a.sessionId, fresh))).toBe("ok");
  expect(w.seen).toHaveLength(1);
});

test("a closed session's token, or a disabled user's, is refused", async () => {
  const w = world();
  const a = w.session("alice");
  const carol = w.session("carol", true);
  sessionsRepo(w.db).update(a.sessionId, { status: "closed" }, Date.now());
  expect((await w.dispatcher.handle("alice", call(a.sessionId, a.token))).ok).toBe(false);
  expect((await w.dispatcher.handle("carol", call(carol.sessionId, carol.token))).ok).toBe(false);
});

test("unknown areas and verbs are refused by name", async () => {
  const w = world();
  const a = w.session("alice");
  const area = await w.dispatcher.handle("alice", call(a.sessionId, a.token, { area: "nope" }));
  expect(area).toMatchObject({ ok: false, error: { code: "unknown_command" } });
  const verb = await w.dispatcher.handle("alice", call(a.sessionId, a.token, { verb: "constructor" }));
  expect(verb).toMatchObject({ ok: false, error: { code: "unknown_command" } });
});

test("a call with side effects delivered twice acts once; a new call, or a relaunch's, acts again", async () => {
  const w = world();
  const a = w.session("alice");
  const add = (n: number, token = a.token) =>
    call(a.sessionId, token, { area: "count", verb: "add", call: n });
  expect(await w.dispatcher.handle("alice", add(7))).toEqual(ok({ n: 1 }));
  // The runner resends call 7 (its connection dropped before the answer): the first answer again.
  expect(await w.dispatcher.handle("alice", add(7))).toEqual(ok({ n: 1 }));
  expect(await w.dispatcher.handle("alice", add(8))).toEqual(ok({ n: 2 }));
  // A relaunched session (new token, a runner counting from the start again) is not mistaken for a resend.
  const fresh = w.tokens.issue({ userId: a.userId, projectId: a.projectId, sessionId: a.sessionId });
  expect(await w.dispatcher.handle("alice", add(7, fresh))).toEqual(ok({ n: 3 }));
  // Reads are not logged.
  const peek = call(a.sessionId, fresh, { area: "count", verb: "peek", call: 9 });
  expect(await w.dispatcher.handle("alice", peek)).toEqual(ok({ n: 3 }));
  expect(await w.dispatcher.handle("alice", add(10, fresh))).toEqual(ok({ n: 4 }));
  expect(await w.dispatcher.handle("alice", peek)).toEqual(ok({ n: 4 }));
});
