import type { Database } from "bun:sqlite";
import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignIns } from "../auth/sign-ins.ts";
import { openMainDb } from "../storage/main-db.ts";
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
