import type { Database } from "bun:sqlite";
import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignIns } from "../auth/sign-ins.ts";
import { openMainDb } from "../storage/main-db.ts";
import { usersRepo } from "../storage/users.ts";
import { CLOSE_SIGNED_OUT, UserSockets } from "./sockets.ts";

let dir: string;
let db: Database;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "octo-sockets-"));
  const r = openMainDb(join(dir, "octo.db"));
  if (!r.ok) throw new Error(r.error.message);
  db = r.value;
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function socket(userId: string, sid?: string) {
  const ends: [number, string][] = [];
  return {
    user: { id: userId, sid },
    ends,
    end: (code: number, reason: string) => ends.push([code, reason]),
  };
}

test("the cap counts open sockets per user; closing one makes room", () => {
  const sockets = new UserSockets(new SignIns(db), 2);
  const [a, b, c] = [socket("usr_a"), socket("usr_a"), socket("usr_a")];
  expect(sockets.add(a).ok).toBe(true);
  expect(sockets.add(b).ok).toBe(true);
  const refused = sockets.add(c);
  expect(refused.ok ? "ok" : refused.error.code).toBe("connection_limit");
  expect(sockets.mayOpen("usr_b").ok).toBe(true);
  sockets.remove(a);
  expect(sockets.add(c).ok).toBe(true);
});

test("ending a user closes all their sockets and refuses their frames; logout ends only its sign-in", () => {
  const signIns = new SignIns(db);
  const sockets = new UserSockets(signIns, 10);
  const [one, two, other] = [socket("usr_a", "sid_1"), socket("usr_a", "sid_2"), socket("usr_b", "sid_3")];
  for (const s of [one, two, other]) sockets.add(s);

  signIns.endSignIn("usr_a", "sid_1", Date.now() + 60_000);
  expect(one.ends).toEqual([[CLOSE_SIGNED_OUT, "session ended: signed out"]]);
  expect(sockets.revoked(one)?.code).toBe("token_revoked");
  expect(two.ends).toEqual([]);
  expect(sockets.revoked(two)).toBeNull();

  signIns.endUser("usr_a", "account_disabled");
  expect(two.ends).toEqual([[CLOSE_SIGNED_OUT, "session ended: this account was disabled"]]);
  expect(sockets.revoked(two)?.code).toBe("token_revoked");
  expect(other.ends).toEqual([]);
  expect(sockets.revoked(other)).toBeNull();
  // A socket opened after the end is a new sign-in: it holds.
  const fresh = socket("usr_a", "sid_4");
  sockets.add(fresh);
  expect(sockets.revoked(fresh)).toBeNull();
});

test("a token_version bumped outside this process (octo user passwd) ends the sockets on the next recheck", () => {
  const users = usersRepo(db);
  const now = Date.now();
  for (const id of ["usr_c", "usr_d"])
    users.insert({
      id,
      username: id,
      password_hash: "x",
      role: "user",
      linux_user: null,
      created_at: now,
      updated_at: now,
    });
  const signIns = new SignIns(db);
  const sockets = new UserSockets(signIns, 10);
  const c = { ...socket("usr_c", "sid_c"), user: { id: "usr_c", sid: "sid_c", tokenVersion: 0 } };
  const d = { ...socket("usr_d", "sid_d"), user: { id: "usr_d", sid: "sid_d", tokenVersion: 0 } };
  sockets.add(c);
  sockets.add(d);
  sockets.recheck();
  expect([c.ends, d.ends]).toEqual([[], []]);

  users.bumpTokenVersion("usr_c", now);
  users.setDisabled("usr_d", true, now);
  sockets.recheck();
  expect(c.ends).toEqual([[CLOSE_SIGNED_OUT, expect.stringContaining("password or status changed")]]);
  expect(d.ends).toEqual([[CLOSE_SIGNED_OUT, expect.stringContaining("disabled")]]);
});

test("the sign-in that changed its own password keeps its sockets, at the new token version", () => {
  const signIns = new SignIns(db);
  const sockets = new UserSockets(signIns, 10);
  const mine = { ...socket("usr_e", "sid_e"), user: { id: "usr_e", sid: "sid_e", tokenVersion: 0 } };
  const theirs = { ...socket("usr_e", "sid_f"), user: { id: "usr_e", sid: "sid_f", tokenVersion: 0 } };
  sockets.add(mine);
  sockets.add(theirs);
  signIns.endUser("usr_e", "password_changed", { sid: "sid_e", tokenVersion: 1 });
  expect(mine.ends).toEqual([]);
  expect(sockets.revoked(mine)).toBeNull();
  expect(theirs.ends).toHaveLength(1);
});

test("a socket whose sign-in ended between its upgrade and its opening is refused", () => {
  const signIns = new SignIns(db);
  const sockets = new UserSockets(signIns, 10);
  const upgraded = {
    ...socket("usr_g", "sid_g"),
    user: { id: "usr_g", sid: "sid_g", epoch: signIns.epoch("usr_g") },
  };
  signIns.endUser("usr_g", "account_disabled");
  const refused = sockets.add(upgraded);
  expect(refused.ok ? "ok" : refused.error.code).toBe("token_revoked");

  const loggedOut = { ...socket("usr_h", "sid_h"), user: { id: "usr_h", sid: "sid_h", epoch: 0 } };
  signIns.endSignIn("usr_h", "sid_h", Date.now() + 60_000);
  expect(sockets.add(loggedOut).ok).toBe(false);
});

test("recheckAccess and sendTo reach one user's sockets, or every user's", () => {
  const sockets = new UserSockets(new SignIns(db), 4);
  const calls: string[] = [];
  const tracked = (userId: string, name: string) => ({
    ...socket(userId),
    recheckAccess: () => calls.push(`recheck ${name}`),
    send: (f: unknown) => calls.push(`send ${name} ${JSON.stringify(f)}`),
  });
  const [a1, a2, b] = [tracked("usr_a", "a1"), tracked("usr_a", "a2"), tracked("usr_b", "b")];
  for (const s of [a1, a2, b]) expect(sockets.add(s).ok).toBe(true);
  sockets.recheckAccess("usr_a");
  expect(calls).toEqual(["recheck a1", "recheck a2"]);
  calls.length = 0;
  sockets.recheckAccess();
  expect(calls.sort()).toEqual(["recheck a1", "recheck a2", "recheck b"]);
  calls.length = 0;
  sockets.sendTo("usr_b", { event: "x" });
  sockets.remove(a2);
  sockets.sendTo(undefined, { event: "y" });
  expect(calls).toEqual(['send b {"event":"x"}', 'send a1 {"event":"y"}', 'send b {"event":"y"}']);
  sockets.recheckAccess("usr_nobody");
});
