import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { CreatedApiKey, Invite, User } from "../../src/protocol/api.ts";
import { Client } from "../http/client.ts";
import { startTestServer, type TestServer, tempHome } from "../http/harness.ts";
import { runCli } from "./run.ts";

// Every step runs the CLI as a real subprocess (~0.3-0.5 s each from source on a busy machine).
setDefaultTimeout(60_000);

let t: TestServer;
let admin: Client;
let adminKey: string;
beforeAll(async () => {
  t = await startTestServer();
  admin = new Client(t.url);
  await admin.login(t.admin.username, t.admin.password);
  adminKey = (await admin.post<CreatedApiKey>("/api/account/keys", { name: "octoctl" })).body.secret;
});
afterAll(() => t.stop());

const ctl = (args: string[], stdin?: string) => runCli(["ctl", ...args], t.env, { stdin });
const json = <T>(text: string) => JSON.parse(text) as T;

describe("octoctl over the admin socket", () => {
  test("status, as human table and as JSON; also when invoked by the name octoctl", async () => {
    const human = await ctl(["status"]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(
      /VERSION\s+MODE\s+UPTIME\s+USERS\s+RUNNERS\n\S+\s+single-user\s+\S+\s+1\s+0/,
    );
    const asJson = await ctl(["status", "--json"]);
    expect(json<{ mode: string; users: number }>(asJson.stdout)).toMatchObject({
      mode: "single-user",
      users: 1,
    });
    const alias = await runCli(["status", "--json"], t.env, { argv0: "octoctl" });
    expect(alias.code).toBe(0);
    expect(json<{ mode: string }>(alias.stdout).mode).toBe("single-user");
  });

  test("user add with a piped password; the user can sign in with it", async () => {
    const r = await ctl(["user", "add", "wanda", "--password-stdin"], "wanda-password\n");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("created user wanda");
    expect(r.stdout).not.toContain("wanda-password");
    await new Client(t.url).login("wanda", "wanda-password");
  });

  test("user add without a password generates one and shows it once", async () => {
    const r = await ctl(["user", "add", "xena", "--admin", "--json"]);
    expect(r.code).toBe(0);
    const out = json<{ user: User; password: string }>(r.stdout);
    expect(out.user).toMatchObject({ username: "xena", role: "admin" });
    await new Client(t.url).login("xena", out.password);
  });

  test("user list, disable, enable, passwd, delete", async () => {
    await ctl(["user", "add", "yuri", "--password-stdin"], "yuri-password");
    const list = await ctl(["user", "list"]);
    expect(list.stdout).toMatch(/USERNAME\s+ROLE\s+STATUS/);
    expect(list.stdout).toMatch(/yuri\s+user\s+active/);

    expect((await ctl(["user", "disable", "yuri"])).stdout).toContain("disabled yuri");
    expect((await ctl(["user", "list"])).stdout).toMatch(/yuri\s+user\s+disabled/);
    expect(
      (await new Client(t.url).post("/api/auth/login", { username: "yuri", password: "yuri-password" })).code,
    ).toBe("account_disabled");
    expect((await ctl(["user", "enable", "yuri"])).code).toBe(0);

    const passwd = await ctl(["user", "passwd", "yuri", "--password-stdin"], "yuri-new-password\n");
    expect(passwd.code).toBe(0);
    await new Client(t.url).login("yuri", "yuri-new-password");

    expect((await ctl(["user", "delete", "yuri"])).stdout).toContain("deleted yuri");
    const users = json<{ users: User[] }>((await ctl(["user", "list", "--json"])).stdout).users;
    expect(users.map((u) => u.username)).not.toContain("yuri");
  });

  test("invite create, list, revoke; the code works for signup", async () => {
    const created = await ctl([
      "invite",
      "create",
      "--uses",
      "2",
      "--expires",
      "2h",
      "--note",
      "for zoe",
      "--json",
    ]);
    expect(created.code).toBe(0);
    const invite = json<{ invite: Invite }>(created.stdout).invite;
    expect(invite).toMatchObject({ max_uses: 2, note: "for zoe", role: "user", usable: true });
    expect(invite.expires_at).toBeGreaterThan(Date.now() + 3_500_000);
    const signup = await new Client(t.url).post("/api/auth/signup", {
      invite_code: invite.code,
      username: "zoe",
      password: "zoe-password",
    });
    expect(signup.status).toBe(200);
    const list = await ctl(["invite", "list"]);
    expect(list.stdout).toMatch(new RegExp(`${invite.code}\\s+user\\s+1/2\\s+.*usable\\s+for zoe`));
    expect((await ctl(["invite", "revoke", invite.code])).code).toBe(0);
    expect((await ctl(["invite", "list"])).stdout).toMatch(new RegExp(`${invite.code}.*revoked`));
  });

  test("session list is empty until sessions exist", async () => {
    expect((await ctl(["session", "list"])).stdout.trim()).toBe("no sessions");
    expect(json((await ctl(["session", "list", "--json"])).stdout)).toEqual({ sessions: [] });
  });

  test("server-side refusals are clear errors with exit code 1", async () => {
    const dup = await ctl(["user", "add", t.admin.username, "--password-stdin"], "whatever-pw");
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain(`user ${t.admin.username} already exists`);
    const bad = await ctl(["user", "add", "Not_Linux", "--password-stdin"], "whatever-pw");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("username: a user name is 1-31 characters");
    const missing = await ctl(["user", "disable", "ghost", "--json"]);
    expect(missing.code).toBe(1);
    expect(json(missing.stderr)).toEqual({ error: { code: "not_found", message: "no user named ghost" } });
    // xena (added above) is the other admin: with her disabled, admin is the last one.
    expect((await ctl(["user", "disable", "xena"])).code).toBe(0);
    const last = await ctl(["user", "delete", t.admin.username]);
    expect(last.code).toBe(1);
    expect(last.stderr).toContain("it is the last enabled admin");
    expect((await ctl(["user", "enable", "xena"])).code).toBe(0);
  });

  test("usage errors exit 2", async () => {
    expect((await ctl(["user", "frobnicate"])).code).toBe(2);
    expect((await ctl(["user", "add"])).code).toBe(2);
    expect((await ctl(["invite", "create", "--expires", "soon"])).code).toBe(2);
    expect((await ctl(["status", "--bogus"])).code).toBe(2);
    expect((await ctl(["status", "extra"])).code).toBe(2);
  });
});

describe("octoctl with --url and an API key", () => {
  test("reaches the server over HTTP with an admin's key", async () => {
    const r = await runCli(
      ["ctl", "user", "list", "--json", "--url", t.url, "--api-key", adminKey],
      tempHome().env,
    );
    expect(r.code).toBe(0);
    expect(json<{ users: User[] }>(r.stdout).users.map((u) => u.username)).toContain(t.admin.username);
    const viaEnv = await runCli(["ctl", "status"], {
      ...tempHome().env,
      OCTOCTL_URL: t.url,
      OCTOCTL_API_KEY: adminKey,
    });
    expect(viaEnv.code).toBe(0);
  });

  test("a wrong or non-admin key is refused clearly", async () => {
    const wrong = await runCli(["ctl", "status", "--url", t.url, "--api-key", "octo_nope"], tempHome().env);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("API key is not valid");
    const member = new Client(t.url);
    await member.login("wanda", "wanda-password");
    const key = (await member.post<CreatedApiKey>("/api/account/keys", { name: "k" })).body.secret;
    const forbidden = await runCli(["ctl", "status", "--url", t.url, "--api-key", key], tempHome().env);
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toContain("needs an administrator");
    const noKey = await runCli(["ctl", "status", "--url", t.url], tempHome().env);
    expect(noKey.stderr).toContain("--url needs an API key");
  });
});

describe("octoctl without a server", () => {
  test("says that no server is running and how to start one", async () => {
    const r = await runCli(["ctl", "status"], tempHome().env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no octo server is running here");
    expect(r.stderr).toContain("octo serve");
  });

  test("a stale socket file is reported as no server answering", async () => {
    const { env } = tempHome();
    const path = `${env.XDG_RUNTIME_DIR}/stale.sock`;
    const listener = Bun.listen({ unix: path, socket: { data() {} } });
    listener.stop(true);
    const r = await runCli(["ctl", "status", "--socket", path], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no octo server answers on .*stale\.sock/);
  });

  test("an unreachable --url is reported", async () => {
    const r = await runCli(
      ["ctl", "status", "--url", "http://127.0.0.1:9", "--api-key", adminKey],
      tempHome().env,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("cannot reach http://127.0.0.1:9");
  });
});
