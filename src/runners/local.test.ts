import { expect, test } from "bun:test";
import { runnerEnv } from "./local.ts";

test("the single-user runner does not inherit the server's secrets or settings", () => {
  const env = runnerEnv({
    PATH: "/usr/bin",
    HOME: "/home/me",
    LANG: "C.UTF-8",
    LC_ALL: "C",
    XDG_RUNTIME_DIR: "/run/user/1",
    OCTO_BIN_DIR: "/opt/octo/bin",
    ANTHROPIC_API_KEY: "sk-secret",
    OCTO_AUTH_JWT_SECRET: "jwt",
    GITHUB_TOKEN: "ghp",
    OCTO_PROFILES_DIR: "/srv/profiles",
    OCTO_EGRESS_HOSTS: "a.test=127.0.0.2",
    OCTO_AGENT_START_WAIT_MS: "3000",
  });
  expect(env).toEqual({
    PATH: "/usr/bin",
    HOME: "/home/me",
    LANG: "C.UTF-8",
    LC_ALL: "C",
    XDG_RUNTIME_DIR: "/run/user/1",
    OCTO_BIN_DIR: "/opt/octo/bin",
    OCTO_PROFILES_DIR: "/srv/profiles",
    OCTO_EGRESS_HOSTS: "a.test=127.0.0.2",
    OCTO_AGENT_START_WAIT_MS: "3000",
  });
});
