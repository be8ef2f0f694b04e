import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { OidcProviderSchema } from "../../config/oidc-schema.ts";
import { groupsOf, mayUse, roleFrom } from "./claims.ts";

const provider = (extra: Record<string, unknown> = {}) =>
  v.parse(OidcProviderSchema, {
    name: "corp",
    issuer: "https://id.example.com",
    client_id: "octo",
    client_secret_env: "S",
    ...extra,
  });

describe("claims", () => {
  test("groups from a flat or nested claim, strings only", () => {
    expect(groupsOf({ groups: ["a", 1, "b"] }, "groups")).toEqual(["a", "b"]);
    expect(groupsOf({ groups: "a" }, "groups")).toEqual(["a"]);
    expect(groupsOf({ realm_access: { roles: ["x"] } }, "realm_access.roles")).toEqual(["x"]);
    expect(groupsOf({}, "groups")).toBeUndefined();
    expect(groupsOf({ groups: { no: 1 } }, "groups")).toEqual([]);
  });

  test("empty allowed_groups refuses everyone unless allow_any_user says otherwise", () => {
    expect(mayUse(provider(), ["anything"])).toBe(false);
    expect(mayUse(provider({ allow_any_user: true }), [])).toBe(true);
    expect(mayUse(provider({ allowed_groups: ["eng"] }), ["eng", "x"])).toBe(true);
    expect(mayUse(provider({ allowed_groups: ["eng"] }), ["sales"])).toBe(false);
  });

  test("admin_groups decide the role; without them roles are set by hand", () => {
    expect(roleFrom(provider(), ["ops"])).toBeNull();
    expect(roleFrom(provider({ admin_groups: ["ops"] }), ["ops"])).toBe("admin");
    expect(roleFrom(provider({ admin_groups: ["ops"] }), ["eng"])).toBe("user");
  });

  test("a bad provider block is refused with a clear message", () => {
    const bad = v.safeParse(OidcProviderSchema, {
      name: "corp",
      issuer: "https://id.example.com",
      client_id: "octo",
    });
    expect(bad.success).toBe(false);
    expect(bad.issues?.[0]?.message).toBe("set exactly one of client_secret_env and client_secret_file");
  });
});
