import { describe, expect, test } from "bun:test";
import { ERROR_STATUS } from "../../../src/protocol/errors.ts";
import { ssoErrorMessage } from "./sso-errors.ts";

describe("ssoErrorMessage", () => {
  test("every single sign-on code has its own words; unknown codes a general one", () => {
    const codes = Object.keys(ERROR_STATUS).filter((c) => c.startsWith("oidc_"));
    expect(codes.length).toBeGreaterThanOrEqual(6);
    const general = ssoErrorMessage("something_new");
    for (const code of [...codes, "account_disabled", "local_sign_in_disabled"])
      expect(ssoErrorMessage(code)).not.toBe(general);
    expect(general).toContain("Single sign-on did not work");
  });
});
