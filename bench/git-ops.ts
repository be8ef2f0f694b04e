/**
 * What running git inside the project's sandbox costs (decisions/0025): a status of a project's
 * repository as the Git panel asks for it, bare git as the runner ran it before vs `jailedGit` (one
 * octo-sandbox start per request, `default` profile). Also the overview (status + log in one sandbox)
 * and the project's changes list.
 *
 *   bun bench/git-ops.ts [--files 1000] [--runs 15]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { projectChanges } from "../runner/review/project-git.ts";
import { gitAction } from "../runner/review/project-git-ops.ts";

const { values } = parseArgs({
  options: { files: { type: "string", default: "1000" }, runs: { type: "string", default: "15" } },
});
const files = Number(values.files);
const runs = Number(values.runs);
const root = mkdtempSync(join(tmpdir(), "octo-bench-git-"));
const ws = join(root, "ws");
const project = join(ws, "proj");
mkdirSync(project, { recursive: true });
for (let i = 0; i < files; i++) {
  const d = join(project, `d${i % 50}`);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, `f${i}.txt`), `file ${i}\n`.repeat(20));
}
const env = {
  ...process.env,
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_AUTHOR_NAME: "b",
  GIT_AUTHOR_EMAIL: "b@b",
  GIT_COMMITTER_NAME: "b",
  GIT_COMMITTER_EMAIL: "b@b",
};
for (const args of [
  ["init", "-q"],
  ["add", "-A"],
  ["commit", "-qm", "seed"],
])
  Bun.spawnSync(["git", ...args], { cwd: project, env });
for (let i = 0; i < 3; i++) writeFileSync(join(project, `d${i}`, `f${i}.txt`), "changed\n");
writeFileSync(join(project, "new.txt"), "new\n");

const jail = { profile: "default", workspaceRoot: ws };
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
async function time(label: string, fn: () => Promise<unknown>) {
  await fn();
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    xs.push(performance.now() - t);
  }
  console.log(`${label.padEnd(44)} median ${median(xs).toFixed(0)} ms  max ${Math.max(...xs).toFixed(0)} ms`);
}

console.log(`git-ops: ${files} tracked files, 3 changed + 1 new; ${runs} runs each`);
await time("bare git status (as before, unsandboxed)", async () => {
  const p = Bun.spawn(["git", "status", "--porcelain=v1", "-z", "--branch"], {
    cwd: project,
    env,
    stdout: "pipe",
  });
  await new Response(p.stdout).text();
  await p.exited;
});
await time("status in the project's sandbox", () => gitAction(project, jail, { do: "status" }));
await time("log (30) in the project's sandbox", () => gitAction(project, jail, { do: "log", limit: 30 }));
await time("changes list in the project's sandbox", () => projectChanges(project, jail));
rmSync(root, { recursive: true, force: true });
