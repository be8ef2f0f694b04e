import { parseArgs } from "node:util";
import { generatePassword } from "../auth/passwords.ts";
import { parseDuration } from "../config/index.ts";
import type { AdminStatus, Invite, SessionSummary, User } from "../protocol/api.ts";
import type { Result } from "../protocol/errors.ts";
import type { AdminSchedule, Schedule, ScheduleRun } from "../protocol/schedules.ts";
import { callApi, resolveTarget, type Target } from "./ctl-client.ts";
import {
  formatDuration,
  formatTime,
  printJson,
  readPasswordFromStdin,
  renderTable,
  userRows,
} from "./format.ts";

const USAGE = `usage: octoctl <command> [--json] [--url URL --api-key KEY | --socket PATH] [--config FILE]
  status                                   server version, mode, uptime, users
  user list
  user add NAME [--admin] [--password-stdin]
  user disable|enable|delete NAME
  user passwd NAME [--password-stdin]      (a password is generated unless piped in)
  invite create [--uses N] [--expires 7d] [--note TEXT] [--admin]
  invite list
  invite revoke CODE
  session list
  schedule list                            every schedule: owner, when, state, next run
  schedule run ID                          start a run of a schedule now
  schedule pause ID [--resume]             pause a schedule (or resume it)
Reaches the local server through its admin socket (root or the server's user), or any server with
--url and an admin's API key (also OCTOCTL_URL, OCTOCTL_API_KEY).`;

type Values = { [k: string]: string | boolean | undefined };

interface Run {
  target: Target;
  values: Values;
  args: string[];
}

/** `octoctl …` (`octo ctl …`): administration of a running server. */
export async function ctlCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      json: { type: "boolean" },
      url: { type: "string" },
      "api-key": { type: "string" },
      socket: { type: "string" },
      config: { type: "string" },
      admin: { type: "boolean" },
      "password-stdin": { type: "boolean" },
      uses: { type: "string" },
      expires: { type: "string" },
      note: { type: "string" },
      resume: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: true,
    strict: true,
  });
  // `status` is one word; every other command is a noun and a verb.
  const words = positionals[0] === "status" ? 1 : 2;
  const command = COMMANDS[positionals.slice(0, words).join(" ")];
  if (values.help || !command) {
    (values.help ? console.log : console.error)(USAGE);
    return values.help ? 0 : 2;
  }
  jsonErrors = Boolean(values.json);
  const target = resolveTarget({
    url: values.url,
    apiKey: values["api-key"],
    socket: values.socket,
    config: values.config,
  });
  if (!target.ok) return failed(target);
  return command({ target: target.value, values, args: positionals.slice(words) });
}

let jsonErrors = false;

/** Errors go to stderr: a sentence for people, or `{error: {code, message}}` with --json. */
function failed(r: Extract<Result<unknown>, { ok: false }>): number {
  if (jsonErrors) process.stderr.write(`${JSON.stringify({ error: r.error })}\n`);
  else console.error(`octoctl: ${r.error.message}`);
  return 1;
}

/** Print the JSON answer with --json, else the human rendering. */
async function show<T>(run: Run, call: Promise<Result<T>>, human: (value: T) => string): Promise<number> {
  const r = await call;
  if (!r.ok) return failed(r);
  if (run.values.json) printJson(r.value);
  else console.log(human(r.value));
  return 0;
}

function needArgs(run: Run, names: string[]): string | null {
  if (run.args.length === names.length) return null;
  return `expected ${names.length ? names.join(" ") : "no arguments"}${run.args.length ? `, got: ${run.args.join(" ")}` : ""}`;
}

async function userByName(run: Run, name: string): Promise<Result<User>> {
  const r = await callApi<{ users: User[] }>(run.target, "GET", "/api/admin/users");
  if (!r.ok) return r;
  const user = r.value.users.find((u) => u.username === name);
  return user
    ? { ok: true, value: user }
    : { ok: false, error: { code: "not_found", message: `no user named ${name}` } };
}

async function status(run: Run): Promise<number> {
  const bad = needArgs(run, []);
  if (bad) return usage(bad);
  return show(run, callApi<AdminStatus>(run.target, "GET", "/api/admin/status"), (s) => {
    const server = renderTable(
      ["VERSION", "MODE", "UPTIME", "USERS", "RUNNERS"],
      [[s.version, s.mode, formatDuration(s.uptime_ms), s.users, s.runners.length]],
    );
    if (s.runners.length === 0) return server;
    const runners = renderTable(
      ["RUNNER", "CONNECTED", "PID", "UPTIME", "PROCESSES", "RSS", "TREE PSS", "AGENTS"],
      s.runners.map((r) => [
        r.user,
        r.connected ? "yes" : `no${r.error ? ` (${r.error})` : ""}`,
        r.pid ?? "-",
        r.uptime_ms === null ? "-" : formatDuration(r.uptime_ms),
        r.processes === null ? "-" : `${r.processes}/${r.max_processes}`,
        mb(r.rss_bytes),
        mb(r.tree_pss_bytes),
        r.agents ?? r.agent_memory?.length ?? "-",
      ]),
    );
    const agents = s.runners.flatMap((r) => (r.agent_memory ?? []).map((a) => ({ user: r.user, ...a })));
    if (agents.length === 0) return `${server}\n\n${runners}`;
    const sessions = renderTable(
      ["SESSION", "RUNNER", "PSS", "PRIVATE"],
      agents.map((a) => [a.session_id, a.user, mb(a.pss_bytes), mb(a.private_bytes)]),
    );
    return `${server}\n\n${runners}\n\n${sessions}`;
  });
}

const mb = (bytes: number | null | undefined) =>
  bytes === null || bytes === undefined ? "-" : `${Math.round(bytes / 1048576)} MB`;

function withUser(action: (run: Run, user: User) => Promise<number>) {
  return async (run: Run) => {
    const bad = needArgs(run, ["NAME"]);
    if (bad) return usage(bad);
    const user = await userByName(run, run.args[0] as string);
    return user.ok ? action(run, user.value) : failed(user);
  };
}

function usage(problem: string): number {
  console.error(`octoctl: ${problem}\n${USAGE}`);
  return 2;
}

async function passwordFor(run: Run): Promise<{ password: string; generated: boolean }> {
  if (run.values["password-stdin"]) return { password: await readPasswordFromStdin(), generated: false };
  return { password: generatePassword(), generated: true };
}

function withPassword(text: string, secret: { password: string; generated: boolean }): string {
  return secret.generated
    ? `${text}\n  password: ${secret.password}\n  (shown once; only its hash is stored)`
    : text;
}

const COMMANDS: Record<string, (run: Run) => Promise<number>> = {
  status,
  "user list": (run) =>
    show(run, callApi<{ users: User[] }>(run.target, "GET", "/api/admin/users"), (r) => userRows(r.users)),
  "user add": async (run) => {
    const bad = needArgs(run, ["NAME"]);
    if (bad) return usage(bad);
    const secret = await passwordFor(run);
    const role = run.values.admin ? "admin" : "user";
    const body = { username: run.args[0], password: secret.password, role };
    const r = await callApi<{ user: User }>(run.target, "POST", "/api/admin/users", body);
    if (!r.ok) return failed(r);
    if (run.values.json) printJson(secret.generated ? { ...r.value, password: secret.password } : r.value);
    else console.log(withPassword(`created ${role} ${r.value.user.username}`, secret));
    return 0;
  },
  "user disable": withUser((run, u) =>
    show(
      run,
      callApi(run.target, "POST", `/api/admin/users/${u.id}/disable`),
      () => `disabled ${u.username}`,
    ),
  ),
  "user enable": withUser((run, u) =>
    show(run, callApi(run.target, "POST", `/api/admin/users/${u.id}/enable`), () => `enabled ${u.username}`),
  ),
  "user delete": withUser((run, u) =>
    show(run, callApi(run.target, "DELETE", `/api/admin/users/${u.id}`), () => `deleted ${u.username}`),
  ),
  "user passwd": withUser(async (run, u) => {
    const secret = await passwordFor(run);
    const r = await callApi(run.target, "POST", `/api/admin/users/${u.id}/password`, {
      password: secret.password,
    });
    if (!r.ok) return failed(r);
    if (run.values.json) printJson(secret.generated ? { ok: true, password: secret.password } : { ok: true });
    else console.log(withPassword(`password of ${u.username} set; their sessions have ended`, secret));
    return 0;
  }),
  "invite create": async (run) => {
    const bad = needArgs(run, []);
    if (bad) return usage(bad);
    const body: Record<string, unknown> = { role: run.values.admin ? "admin" : "user" };
    if (run.values.uses !== undefined) body.max_uses = Number(run.values.uses);
    if (typeof run.values.note === "string") body.note = run.values.note;
    if (typeof run.values.expires === "string") {
      if (!/^\d+(s|m|h|d)$/.test(run.values.expires))
        return usage(`--expires takes a duration like 30m, 12h or 7d`);
      body.expires_in = Math.floor(parseDuration(run.values.expires) / 1000);
    }
    return show(
      run,
      callApi<{ invite: Invite }>(run.target, "POST", "/api/admin/invites", body),
      ({ invite }) =>
        [
          `invite code: ${invite.code}`,
          `  role ${invite.role}, ${invite.max_uses} use(s), expires ${formatTime(invite.expires_at)}${invite.note ? `, note: ${invite.note}` : ""}`,
        ].join("\n"),
    );
  },
  "invite list": (run) =>
    show(run, callApi<{ invites: Invite[] }>(run.target, "GET", "/api/admin/invites"), (r) =>
      renderTable(
        ["CODE", "ROLE", "USES", "EXPIRES", "STATE", "NOTE"],
        r.invites.map((i) => [
          i.code,
          i.role,
          `${i.uses}/${i.max_uses}`,
          formatTime(i.expires_at),
          i.usable ? "usable" : i.revoked ? "revoked" : i.uses >= i.max_uses ? "used up" : "expired",
          i.note,
        ]),
      ),
    ),
  "invite revoke": async (run) => {
    const bad = needArgs(run, ["CODE"]);
    if (bad) return usage(bad);
    const code = run.args[0] as string;
    return show(
      run,
      callApi(run.target, "DELETE", `/api/admin/invites/${encodeURIComponent(code)}`),
      () => `revoked ${code}`,
    );
  },
  "session list": (run) =>
    show(run, callApi<{ sessions: SessionSummary[] }>(run.target, "GET", "/api/admin/sessions"), (r) =>
      r.sessions.length === 0
        ? "no sessions"
        : renderTable(
            ["SESSION", "USER", "STATUS", "UPDATED", "TITLE"],
            r.sessions.map((s) => [s.id, s.username, s.status, formatTime(s.updated_at), s.title]),
          ),
    ),
  "schedule list": (run) =>
    show(run, callApi<{ schedules: AdminSchedule[] }>(run.target, "GET", "/api/admin/schedules"), (r) =>
      r.schedules.length === 0
        ? "no schedules"
        : renderTable(
            ["SCHEDULE", "USER", "NAME", "WHEN", "STATE", "NEXT RUN", "RUNNING"],
            r.schedules.map((s) => [
              s.id,
              s.username,
              s.name,
              s.cron ? `${s.cron} (${s.timezone})` : `once at ${formatTime(s.at as number)}`,
              s.state,
              s.next_run_at === null ? "-" : formatTime(s.next_run_at),
              s.running ? "yes" : "no",
            ]),
          ),
    ),
  "schedule run": async (run) => {
    const bad = needArgs(run, ["ID"]);
    if (bad) return usage(bad);
    const id = encodeURIComponent(run.args[0] as string);
    return show(
      run,
      callApi<{ run: ScheduleRun }>(run.target, "POST", `/api/admin/schedules/${id}/run`),
      (r) => `started run ${r.run.id} of ${r.run.title}`,
    );
  },
  "schedule pause": async (run) => {
    const bad = needArgs(run, ["ID"]);
    if (bad) return usage(bad);
    const id = encodeURIComponent(run.args[0] as string);
    const verb = run.values.resume ? "resume" : "pause";
    return show(
      run,
      callApi<{ schedule: Schedule }>(run.target, "POST", `/api/admin/schedules/${id}/${verb}`),
      (r) => `${verb === "pause" ? "paused" : "resumed"} ${r.schedule.name} (${r.schedule.id})`,
    );
  },
};
