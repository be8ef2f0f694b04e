import { afterAll, expect, test } from "bun:test";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AGENT_PATHS, adoptAgentState, agentStateDir } from "./agent-launch.ts";

const root = mkdtempSync(join(tmpdir(), "octo-adopt-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const world = () => {
  const env = { XDG_STATE_HOME: join(root, `w${++n}`) };
  const dir = (key: string) => agentStateDir(key, env);
  const put = (key: string, name: string, text: string, mtime?: number) => {
    mkdirSync(join(dir(key), "sessions"), { recursive: true });
    writeFileSync(join(dir(key), "sessions", name), text);
    if (mtime) utimesSync(join(dir(key), "sessions", name), mtime, mtime);
  };
  return { env, dir, put };
};

test("the conversation's pi files move into the spare's directory, which takes the conversation's name", () => {
  const { env, dir, put } = world();
  mkdirSync(join(dir("ses_spare"), "sessions"), { recursive: true });
  put("ses_conv", "a.jsonl", "old", 1_000);
  put("ses_conv", "b.jsonl", "newest", 2_000);
  const r = adoptAgentState("ses_spare", "ses_conv", env);
  expect(r.ok && r.value.sessionPath).toBe(`${AGENT_PATHS.state}/sessions/b.jsonl`);
  expect(r.ok && r.value.hostDir).toBe(dir("ses_conv"));
  expect(existsSync(dir("ses_spare"))).toBe(false);
  expect(readdirSync(join(dir("ses_conv"), "sessions")).sort()).toEqual(["a.jsonl", "b.jsonl"]);
  expect(readFileSync(join(dir("ses_conv"), "sessions", "b.jsonl"), "utf8")).toBe("newest");
});

test("nothing to resume, or a spare that already keeps a conversation: refused, nothing moved", () => {
  const { env, dir, put } = world();
  mkdirSync(join(dir("ses_spare"), "sessions"), { recursive: true });
  const none = adoptAgentState("ses_spare", "ses_conv", env);
  expect(none.ok).toBe(false);
  if (!none.ok) expect(none.error.code).toBe("not_found");

  put("ses_conv", "c.jsonl", "conv");
  put("ses_spare", "s.jsonl", "spare's own");
  const busy = adoptAgentState("ses_spare", "ses_conv", env);
  expect(busy.ok).toBe(false);
  if (!busy.ok) expect(busy.error.code).toBe("conflict");
  expect(readdirSync(join(dir("ses_conv"), "sessions"))).toEqual(["c.jsonl"]);
  expect(readdirSync(join(dir("ses_spare"), "sessions"))).toEqual(["s.jsonl"]);
});
