import { describe, expect, test } from "bun:test";
import type { Invite } from "../../../src/protocol/api.ts";
import { inviteLink, inviteStatus, isolationNote, parseInviteForm } from "./invite-rules.ts";

const base: Invite = {
  code: "abc",
  note: "",
  role: "user",
  max_uses: 2,
  uses: 0,
  expires_at: null,
  revoked: false,
  created_at: 0,
  usable: true,
};

describe("invite status", () => {
  test("usable", () => expect(inviteStatus(base, 10)).toBe("usable"));
  test("revoked wins", () =>
    expect(inviteStatus({ ...base, revoked: true, usable: false }, 10)).toBe("revoked"));
  test("expired", () => expect(inviteStatus({ ...base, expires_at: 5, usable: false }, 10)).toBe("expired"));
  test("used up", () => expect(inviteStatus({ ...base, uses: 2, usable: false }, 10)).toBe("used up"));
  test("the server's 'not usable' is respected even if the clock disagrees", () =>
    expect(inviteStatus({ ...base, usable: false }, 10)).not.toBe("usable"));
});

describe("invite link", () => {
  test("points at the sign-up page with the code escaped", () => {
    expect(inviteLink("https://octo.example", "a b&c")).toBe("https://octo.example/signup?code=a%20b%26c");
  });
});

describe("invite form", () => {
  const ok = { max_uses: "3", expiry: "7 days", note: " team ", role: "user" };
  test("good input becomes the request body", () => {
    expect(parseInviteForm(ok)).toEqual({
      ok: true,
      value: { max_uses: 3, expires_in: 604800, note: "team", role: "user" },
    });
  });
  test("never expiring leaves expires_in out", () => {
    const r = parseInviteForm({ ...ok, expiry: "Never" });
    expect(r.ok && "expires_in" in r.value).toBe(false);
  });
  test.each(["0", "-1", "1.5", "abc", "", "10001"])("rejects %p uses", (max_uses) => {
    expect(parseInviteForm({ ...ok, max_uses }).ok).toBe(false);
  });
  test("rejects a long note and an unknown expiry", () => {
    expect(parseInviteForm({ ...ok, note: "x".repeat(201) }).ok).toBe(false);
    expect(parseInviteForm({ ...ok, expiry: "2 weeks" }).ok).toBe(false);
  });
  test("anything but admin is a user invite", () => {
    const r = parseInviteForm({ ...ok, role: "root" });
    expect(r.ok && r.value.role).toBe("user");
  });
});

describe("isolationNote", () => {
  test("says what each mode gives an invited person", () => {
    expect(isolationNote("multi-user")).toContain("Linux account of their own");
    expect(isolationNote("single-user")).toContain("kept apart by the sandbox only");
    expect(isolationNote("single-user")).toContain("octo install");
  });
});
