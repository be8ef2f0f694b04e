import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { finishAt, Jar, ssoSignIn, throughProvider } from "../fixtures/oidc/flow.ts";
import { Client } from "../http/client.ts";
import { addUser } from "../http/harness.ts";
import { clientWith, SECRET_ENV, type SsoSetup, startSso } from "./harness.ts";

/**
 * Single sign-on against a real OpenID provider (oidc-provider) and the real server: the code
 * flow with PKCE, state and nonce, ID tokens verified against the provider's JWKS, accounts made
 * and refused by group, and every check that must fail, failing.
 */

let s: SsoSetup;
beforeAll(async () => {
  s = await startSso();
  // People several tests sign in as (each test may also run alone).
  s.idp.accounts.set("sub-alice", {
    preferred_username: "Alice",
    email: "alice@corp.test",
    groups: ["octo-users"],
  });
  s.idp.accounts.set("sub-eve", { preferred_username: "eve", groups: ["octo-users"] });
});
afterAll(() => s.stop());

const errorOf = (location: string) => new URL(location, "http://x").searchParams.get("error");
const users = async () =>
  (
    (await s.admin.get("/api/admin/users")).body as {
      users: { id: string; username: string; role: string }[];
    }
  ).users;

describe("sign-in", () => {
  test("start redirects to the provider with PKCE S256, state and nonce", async () => {
    const res = await fetch(`${s.t.url}/api/auth/oidc/corp/start?next=/projects`, { redirect: "manual" });
    expect(res.status).toBe(302);
    const to = new URL(res.headers.get("location") ?? "");
    expect(to.origin).toBe(s.idp.issuer);
    const q = to.searchParams;
    expect(q.get("response_type")).toBe("code");
    expect(q.get("client_id")).toBe("octo-test");
    expect(q.get("redirect_uri")).toBe(`${s.t.url}/api/auth/oidc/corp/callback`);
    expect(q.get("code_challenge_method")).toBe("S256");
    expect(q.get("code_challenge")).toMatch(/^[\w-]{43}$/);
    expect(q.get("state")).toMatch(/^[\w-]{43}$/);
    expect(q.get("nonce")).toMatch(/^[\w-]{43}$/);
    expect(q.get("scope")).toBe("openid profile email groups");
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("octo_oidc=")) ?? "";
    expect(cookie).toMatch(
      /^octo_oidc=[\w-]{43}; Path=\/api\/auth\/oidc; HttpOnly; SameSite=Lax; Max-Age=600$/,
    );
  });

  test("a good sign-in makes the account, and its cookie works on /api/auth/me", async () => {
    s.idp.accounts.set("sub-alice", {
      preferred_username: "Alice",
      email: "alice@corp.test",
      groups: ["octo-users"],
    });
    const r = await ssoSignIn(s.t.url, "corp", "sub-alice", { next: "/projects" });
    expect(r.location).toBe("/projects");
    const me = await clientWith(s.t.url, r.session).get("/api/auth/me");
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ user: { username: "alice", role: "user", disabled: false } });
    const ids = (await s.admin.get("/api/admin/identities")).body as {
      identities: { subject: string; user_id: string }[];
    };
    expect(ids.identities.find((i) => i.subject === "sub-alice")?.user_id).toBe(
      (me.body as { user: { id: string } }).user.id,
    );
    // The second sign-in finds the same account.
    const again = await ssoSignIn(s.t.url, "corp", "sub-alice");
    expect(again.location).toBe("/");
    const me2 = await clientWith(s.t.url, again.session).get("/api/auth/me");
    expect((me2.body as { user: { id: string } }).user.id).toBe(
      (me.body as { user: { id: string } }).user.id,
    );
    expect((await users()).filter((u) => u.username.startsWith("alice"))).toHaveLength(1);
  });

  test("groups in the ID token are used as they are (userinfo only fills what it lacks)", async () => {
    // The provider's userinfo says no groups; the ID token carries them.
    s.idp.accounts.set("sub-ida", { preferred_username: "ida", groups: [] });
    s.idp.tamperIdToken = (c) => ({ ...c, groups: ["octo-users"] });
    try {
      const r = await ssoSignIn(s.t.url, "corp", "sub-ida");
      expect((await clientWith(s.t.url, r.session).get("/api/auth/me")).body).toMatchObject({
        user: { username: "ida" },
      });
    } finally {
      s.idp.tamperIdToken = null;
    }
    // Without them in the ID token, userinfo's (none) decide.
    expect(errorOf((await ssoSignIn(s.t.url, "corp", "sub-ida")).location)).toBe("oidc_group_denied");
  });

  test("an account says how it signs in: linked providers, and whether it has a password", async () => {
    const alice = clientWith(s.t.url, (await ssoSignIn(s.t.url, "corp", "sub-alice")).session);
    expect((await alice.get("/api/account/sso")).body).toEqual({
      providers: [{ name: "corp", display_name: "Corp ID" }],
      has_password: false,
    });
    expect((await s.admin.get("/api/account/sso")).body).toEqual({ providers: [], has_password: true });
    expect((await new Client(s.t.url).get("/api/account/sso")).code).toBe("unauthorized");
  });

  test("an OIDC account has no password: the local form never signs it in", async () => {
    const c = new Client(s.t.url);
    const r = await c.post("/api/auth/login", { username: "alice", password: "!sso" });
    expect(r.code).toBe("invalid_credentials");
  });
});

describe("what must fail", () => {
  test("wrong state: refused, no session", async () => {
    const r = await ssoSignIn(s.t.url, "corp", "sub-eve", {
      editCallback: (u) => u.searchParams.set("state", "A".repeat(43)),
    });
    expect(errorOf(r.location)).toBe("oidc_state_mismatch");
    expect(r.session).toBeUndefined();
    expect((await users()).some((u) => u.username === "eve")).toBe(false);
  });

  test("state from another browser, and a used state, are refused", async () => {
    const { callback } = await throughProvider(s.t.url, "corp", "sub-eve");
    // The callback opened in a browser that did not start the sign-in (no binding cookie).
    const elsewhere = await finishAt(callback, new Jar());
    expect(errorOf(elsewhere.location)).toBe("oidc_state_mismatch");
    expect(elsewhere.session).toBeUndefined();
    // That attempt used the state up: the right browser cannot finish with it either.
    const { jar, callback: second } = await throughProvider(s.t.url, "corp", "sub-eve");
    const ok = await finishAt(second, jar);
    expect(ok.session).toBeDefined();
    const replay = await finishAt(second, jar);
    expect(errorOf(replay.location)).toBe("oidc_state_mismatch");
  });

  test("wrong nonce: the ID token's nonce is not this sign-in's", async () => {
    const r = await ssoSignIn(s.t.url, "corp", "sub-eve", {
      editAuthorization: (u) => u.searchParams.set("nonce", "not-the-nonce-octo-sent"),
    });
    expect(errorOf(r.location)).toBe("oidc_nonce_mismatch");
    expect(r.session).toBeUndefined();
  });

  test("an expired ID token is refused; within the 60 s clock skew it is accepted", async () => {
    const now = Math.floor(Date.now() / 1000);
    s.idp.tamperIdToken = (c) => ({ ...c, iat: now - 3600, exp: now - 120 });
    try {
      const expired = await ssoSignIn(s.t.url, "corp", "sub-eve");
      expect(errorOf(expired.location)).toBe("oidc_token_invalid");
      expect(expired.session).toBeUndefined();
      s.idp.tamperIdToken = (c) => ({ ...c, exp: Math.floor(Date.now() / 1000) - 30 });
      const skewed = await ssoSignIn(s.t.url, "corp", "sub-eve");
      expect(skewed.session).toBeDefined();
    } finally {
      s.idp.tamperIdToken = null;
    }
  });

  test("an ID token for another audience, or signed by an unpublished key, is refused", async () => {
    s.idp.tamperIdToken = (c) => ({ ...c, aud: "someone-else" });
    try {
      const r = await ssoSignIn(s.t.url, "corp", "sub-eve");
      expect(errorOf(r.location)).toBe("oidc_token_invalid");
      s.idp.tamperIdToken = (c) => c;
      expect((await ssoSignIn(s.t.url, "corp", "sub-eve")).session).toBeDefined();
      s.idp.forgeSignature = true;
      const forged = await ssoSignIn(s.t.url, "corp", "sub-eve");
      expect(errorOf(forged.location)).toBe("oidc_token_invalid");
      expect(forged.session).toBeUndefined();
    } finally {
      s.idp.tamperIdToken = null;
      s.idp.forgeSignature = false;
    }
  });

  test("a person outside allowed_groups gets no account", async () => {
    s.idp.accounts.set("sub-mallory", { preferred_username: "mallory", groups: ["sales"] });
    const r = await ssoSignIn(s.t.url, "corp", "sub-mallory");
    expect(errorOf(r.location)).toBe("oidc_group_denied");
    expect(r.session).toBeUndefined();
    expect((await users()).some((u) => u.username === "mallory")).toBe(false);
    // Removed from the group later: the existing account is refused too.
    s.idp.accounts.set("sub-fred", { preferred_username: "fred", groups: ["octo-users"] });
    expect((await ssoSignIn(s.t.url, "corp", "sub-fred")).session).toBeDefined();
    s.idp.accounts.set("sub-fred", { preferred_username: "fred", groups: [] });
    expect(errorOf((await ssoSignIn(s.t.url, "corp", "sub-fred")).location)).toBe("oidc_group_denied");
  });

  test("a code bound to another PKCE challenge is refused by the provider; an answer from another issuer by octo", async () => {
    // Someone swapped the challenge: octo's verifier does not match it, the token endpoint says no.
    const swapped = await ssoSignIn(s.t.url, "corp", "sub-eve", {
      editAuthorization: (u) => u.searchParams.set("code_challenge", "x".repeat(43)),
    });
    expect(errorOf(swapped.location)).toBe("oidc_provider_error");
    expect(swapped.session).toBeUndefined();
    // RFC 9207: the provider names itself in the answer; a different name is a mix-up.
    const mixed = await ssoSignIn(s.t.url, "corp", "sub-eve", {
      editCallback: (u) => {
        expect(u.searchParams.get("iss")).toBe(s.idp.issuer);
        u.searchParams.set("iss", "https://other-idp.example");
      },
    });
    expect(errorOf(mixed.location)).toBe("oidc_token_invalid");
    expect(mixed.session).toBeUndefined();
  });

  test("the provider saying no (access_denied) lands on the sign-in page with a code", async () => {
    const { jar, callback } = await throughProvider(s.t.url, "corp", "sub-eve");
    callback.searchParams.delete("code");
    callback.searchParams.set("error", "access_denied");
    const r = await finishAt(callback, jar);
    expect(errorOf(r.location)).toBe("oidc_provider_error");
  });

  test("?next= never leads off the site after sign-in", async () => {
    for (const next of ["https://evil.example/x", "//evil.example", "/\\evil.example", "/api/auth/logout"]) {
      const r = await ssoSignIn(s.t.url, "corp", "sub-alice", { next });
      expect(r.session).toBeDefined();
      expect(r.location).toBe("/");
    }
  });

  test("deleting an account deletes its identity: the next sign-in makes a new account", async () => {
    s.idp.accounts.set("sub-jo", { preferred_username: "jo", groups: ["octo-users"] });
    const first = await ssoSignIn(s.t.url, "corp", "sub-jo");
    const id = (
      (await clientWith(s.t.url, first.session).get("/api/auth/me")).body as { user: { id: string } }
    ).user.id;
    expect((await s.admin.delete(`/api/admin/users/${id}`)).status).toBe(200);
    const ids = (await s.admin.get("/api/admin/identities")).body as { identities: { subject: string }[] };
    expect(ids.identities.some((i) => i.subject === "sub-jo")).toBe(false);
    const again = await ssoSignIn(s.t.url, "corp", "sub-jo");
    const me = (await clientWith(s.t.url, again.session).get("/api/auth/me")).body as {
      user: { id: string; username: string };
    };
    expect(me.user.id).not.toBe(id);
    expect(me.user.username).toBe("jo");
  });

  test("an unknown provider name is refused", async () => {
    const res = await fetch(`${s.t.url}/api/auth/oidc/nope/start`, { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(errorOf(res.headers.get("location") ?? "")).toBe("not_found");
  });
});

describe("accounts and roles", () => {
  test("disabling a user ends their SSO session, and the provider's yes no longer signs them in", async () => {
    s.idp.accounts.set("sub-gina", { preferred_username: "gina", groups: ["octo-users"] });
    const r = await ssoSignIn(s.t.url, "corp", "sub-gina");
    const gina = clientWith(s.t.url, r.session);
    const id = ((await gina.get("/api/auth/me")).body as { user: { id: string } }).user.id;
    expect((await s.admin.post(`/api/admin/users/${id}/disable`)).status).toBe(200);
    expect((await gina.get("/api/auth/me")).code).toBe("account_disabled");
    const again = await ssoSignIn(s.t.url, "corp", "sub-gina");
    expect(errorOf(again.location)).toBe("account_disabled");
    expect(again.session).toBeUndefined();
  });

  test("admin_groups make an admin, re-evaluated at each sign-in", async () => {
    s.idp.accounts.set("sub-hal", { preferred_username: "hal", groups: ["octo-users", "octo-admins"] });
    const first = await ssoSignIn(s.t.url, "corp", "sub-hal");
    const hal = clientWith(s.t.url, first.session);
    expect((await hal.get("/api/auth/me")).body).toMatchObject({ user: { username: "hal", role: "admin" } });
    expect((await hal.get("/api/admin/users")).status).toBe(200);
    s.idp.accounts.set("sub-hal", { preferred_username: "hal", groups: ["octo-users"] });
    const second = await ssoSignIn(s.t.url, "corp", "sub-hal");
    expect((await clientWith(s.t.url, second.session).get("/api/auth/me")).body).toMatchObject({
      user: { role: "user" },
    });
    // The role is the account's: the earlier session lost admin rights too.
    expect((await hal.get("/api/admin/users")).code).toBe("forbidden");
  });

  test("a name taken by a local account gets a suffix; the local account is untouched", async () => {
    const carolId = await addUser(s.admin, "carol", "carol-password");
    s.idp.accounts.set("sub-carol", {
      preferred_username: "carol",
      email: "carol@corp.test",
      groups: ["octo-users"],
    });
    const r = await ssoSignIn(s.t.url, "corp", "sub-carol");
    const me = (await clientWith(s.t.url, r.session).get("/api/auth/me")).body as {
      user: { id: string; username: string };
    };
    expect(me.user.username).toBe("carol-2");
    expect(me.user.id).not.toBe(carolId);
    await new Client(s.t.url).login("carol", "carol-password");
    // A reserved name is never given out either.
    s.idp.accounts.set("sub-root", { preferred_username: "root", groups: ["octo-users"] });
    const root = await ssoSignIn(s.t.url, "corp", "sub-root");
    expect((await clientWith(s.t.url, root.session).get("/api/auth/me")).body).toMatchObject({
      user: { username: "root-2" },
    });
  });

  test("an admin links a local account to an identity; then that identity signs into it", async () => {
    const daveId = await addUser(s.admin, "dave", "dave-password");
    s.idp.accounts.set("sub-dave", { preferred_username: "d.smith", groups: ["octo-users"] });
    // Not for non-admins, not to unknown providers.
    const other = new Client(s.t.url);
    await other.login("dave", "dave-password");
    const link = { provider: "corp", subject: "sub-dave" };
    expect((await other.post(`/api/admin/users/${daveId}/identities`, link)).code).toBe("forbidden");
    expect(
      (await s.admin.post(`/api/admin/users/${daveId}/identities`, { ...link, provider: "nope" })).code,
    ).toBe("not_found");
    expect((await s.admin.post(`/api/admin/users/usr_nobody/identities`, link)).code).toBe("not_found");
    expect((await s.admin.post(`/api/admin/users/${daveId}/identities`, link)).status).toBe(200);
    const r = await ssoSignIn(s.t.url, "corp", "sub-dave");
    const me = (await clientWith(s.t.url, r.session).get("/api/auth/me")).body as { user: { id: string } };
    expect(me.user.id).toBe(daveId);
    // An identity belongs to one account.
    const eveId = (await users()).find((u) => u.username === "eve")?.id;
    expect((await s.admin.post(`/api/admin/users/${eveId}/identities`, link)).code).toBe("conflict");
    // Unlinked, the next sign-in makes a new account rather than reaching dave's.
    expect((await s.admin.delete(`/api/admin/users/${daveId}/identities/corp`)).status).toBe(200);
    const after = await ssoSignIn(s.t.url, "corp", "sub-dave");
    const me2 = (await clientWith(s.t.url, after.session).get("/api/auth/me")).body as {
      user: { id: string; username: string };
    };
    expect(me2.user.id).not.toBe(daveId);
    expect(me2.user.username).toBe("d_smith");
  });
});

describe("keys and logout", () => {
  test("the provider rotates its signing key: the next sign-in still verifies", async () => {
    const before = s.idp.hits.get("/jwks") ?? 0;
    const oldKid = s.idp.kid();
    expect((await ssoSignIn(s.t.url, "corp", "sub-alice")).session).toBeDefined();
    const newKid = s.idp.rotateKeys();
    expect(newKid).not.toBe(oldKid);
    const r = await ssoSignIn(s.t.url, "corp", "sub-alice");
    expect(r.session).toBeDefined();
    expect((await clientWith(s.t.url, r.session).get("/api/auth/me")).body).toMatchObject({
      user: { username: "alice" },
    });
    // The new key was fetched (an unknown kid makes jose read the JWKS again).
    expect(s.idp.hits.get("/jwks") ?? 0).toBeGreaterThan(before);
  });

  test("sign-out ends the octo session and hands the browser to the provider's end-session", async () => {
    const r = await ssoSignIn(s.t.url, "corp", "sub-alice");
    const c = clientWith(s.t.url, r.session);
    const out = await c.post("/api/auth/logout");
    expect(out.status).toBe(200);
    const to = new URL((out.body as { redirect_to: string }).redirect_to);
    expect(`${to.origin}${to.pathname}`).toBe(`${s.idp.issuer}/session/end`);
    expect(to.searchParams.get("post_logout_redirect_uri")).toBe(`${s.t.url}/login`);
    expect(to.searchParams.get("id_token_hint")?.split(".")).toHaveLength(3);
    const stale = new Client(s.t.url);
    stale.cookie = r.session;
    expect((await stale.get("/api/auth/me")).code).toBe("token_revoked");
    // The provider confirms, then sends the browser back to octo's sign-in page.
    let res = await fetch(to, { redirect: "manual", headers: { cookie: r.jar.header() } });
    r.jar.take(res);
    const html = await res.text();
    const action = /action="([^"]+)"/.exec(html)?.[1] ?? "";
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1] ?? "";
    res = await fetch(new URL(action, s.idp.issuer), {
      method: "POST",
      redirect: "manual",
      headers: { cookie: r.jar.header(), "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ xsrf, logout: "yes" }),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`${s.t.url}/login`);
  });

  test("a local sign-out has no provider to visit", async () => {
    const c = new Client(s.t.url);
    await c.login(s.t.admin.username, s.t.admin.password);
    const out = await c.post("/api/auth/logout");
    expect(out.body).toEqual({ ok: true });
  });
});

describe("who may call what", () => {
  test("the admin side of single sign-on is for admins only", async () => {
    s.idp.accounts.set("sub-kim", { preferred_username: "kim", groups: ["octo-users"] });
    const kim = clientWith(s.t.url, (await ssoSignIn(s.t.url, "corp", "sub-kim")).session);
    const kimId = ((await kim.get("/api/auth/me")).body as { user: { id: string } }).user.id;
    const stranger = new Client(s.t.url);
    for (const c of [kim, stranger]) {
      const want = c === kim ? "forbidden" : "unauthorized";
      expect((await c.get("/api/admin/identities")).code).toBe(want);
      expect((await c.get("/api/admin/sign-in")).code).toBe(want);
      expect((await c.delete(`/api/admin/users/${kimId}/identities/corp`)).code).toBe(want);
      expect(
        (await c.post(`/api/admin/users/${kimId}/identities`, { provider: "corp", subject: "x" })).code,
      ).toBe(want);
    }
    // Kim's identity is still there: none of that changed anything.
    const ids = (await s.admin.get("/api/admin/identities")).body as { identities: { user_id: string }[] };
    expect(ids.identities.some((i) => i.user_id === kimId)).toBe(true);
    // A cookie-authenticated change from another origin is refused.
    const foreign = new Client(s.t.url, "https://evil.example");
    foreign.cookie = s.admin.cookie;
    expect(
      (await foreign.request("PUT", "/api/admin/sign-in", { body: { local_sign_in: "admins" } })).code,
    ).toBe("origin_not_allowed");
  });
});

describe("local sign-in off", () => {
  test("only admins may use the password form; SSO keeps working; the setting is admin-only", async () => {
    await addUser(s.admin, "ivan", "ivan-password");
    const methods = await new Client(s.t.url).get("/api/auth/methods");
    expect(methods.body).toEqual({
      providers: [{ name: "corp", display_name: "Corp ID" }],
      local_sign_in: "everyone",
    });
    const ivan = new Client(s.t.url);
    await ivan.login("ivan", "ivan-password");
    expect(
      (await ivan.request("PUT", "/api/admin/sign-in", { body: { local_sign_in: "admins" } })).code,
    ).toBe("forbidden");
    expect(
      (await s.admin.request("PUT", "/api/admin/sign-in", { body: { local_sign_in: "nobody" } })).code,
    ).toBe("validation_failed");
    const set = await s.admin.request("PUT", "/api/admin/sign-in", { body: { local_sign_in: "admins" } });
    expect(set.body).toEqual({ local_sign_in: "admins" });
    try {
      expect((await new Client(s.t.url).get("/api/auth/methods")).body).toMatchObject({
        local_sign_in: "admins",
      });
      const refused = await new Client(s.t.url).post("/api/auth/login", {
        username: "ivan",
        password: "ivan-password",
      });
      expect(refused.code).toBe("local_sign_in_disabled");
      expect(refused.status).toBe(403);
      // A wrong password still reads as a wrong password (the setting tells nothing to a guesser).
      const wrong = await new Client(s.t.url).post("/api/auth/login", {
        username: "ivan",
        password: "not-it-at-all",
      });
      expect(wrong.code).toBe("invalid_credentials");
      await new Client(s.t.url).login(s.t.admin.username, s.t.admin.password);
      expect((await ssoSignIn(s.t.url, "corp", "sub-alice")).session).toBeDefined();
      // Invite sign-up would make a password account: off too.
      const invite = (await s.admin.post("/api/admin/invites", {})).body as { invite: { code: string } };
      const signup = await new Client(s.t.url).post("/api/auth/signup", {
        invite_code: invite.invite.code,
        username: "newbie",
        password: "newbie-password",
      });
      expect(signup.code).toBe("local_sign_in_disabled");
    } finally {
      await s.admin.request("PUT", "/api/admin/sign-in", { body: { local_sign_in: "everyone" } });
    }
  });
});

describe("logs", () => {
  test("refusals are logged with the subject (for linking), never with secrets or tokens", async () => {
    await ssoSignIn(s.t.url, "corp", "sub-eve", {
      editAuthorization: (u) => u.searchParams.set("nonce", "not-the-nonce-octo-sent"),
    });
    const logs = s.t.logs.join("\n");
    expect(logs).toContain('"code":"oidc_nonce_mismatch"');
    expect(logs).toContain('"sub":"sub-mallory"');
    expect(logs).not.toContain(process.env[SECRET_ENV] ?? "no secret set");
    // No JWT (ID token, session token).
    expect(logs).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
  });
});
