import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fail, ok, type Result } from "../protocol/errors.ts";
import { systemConfig } from "./config.ts";
import { type GeneratedFile, generatedFiles, type InstallLayout } from "./units.ts";

/**
 * `octo install` / `octo uninstall` side effects, each reported as one line of what was done.
 * Every step first checks whether it is already done, so a second run changes nothing.
 */

export interface Step {
  done: boolean;
  what: string;
}

const UNITS = ["octo.service", "octo-llm-gateway.service", "octo-runner-system.service"];

function sh(argv: string[]): { ok: boolean; out: string } {
  const r = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  return { ok: r.exitCode === 0, out: `${r.stdout.toString()}${r.stderr.toString()}`.trim() };
}

const userExists = (name: string) => sh(["getent", "passwd", name]).ok;
const groupExists = (name: string) => sh(["getent", "group", name]).ok;
const idOf = (flag: "-u" | "-g", name: string) => Number(sh(["id", flag, name]).out);
/** systemd is PID 1 (not in containers and CI here): only then may we talk to systemctl. */
export const systemdRunning = () => existsSync("/run/systemd/system");

/** A failed system command aborts the whole run; `attempt` turns it back into a value. */
class StepFailed extends Error {}

function must(r: { ok: boolean; out: string }, what: string): void {
  if (!r.ok) throw new StepFailed(`${what} failed: ${r.out}`);
}

function attempt(body: (steps: Step[]) => void): Result<Step[]> {
  const steps: Step[] = [];
  try {
    body(steps);
    return ok(steps);
  } catch (e) {
    if (!(e instanceof StepFailed)) throw e;
    return fail("internal", `${e.message} (after: ${steps.map((s) => s.what).join("; ") || "nothing"})`);
  }
}

/** All files install writes; the config only matters when missing. */
export function plannedFiles(l: InstallLayout): GeneratedFile[] {
  return [
    ...generatedFiles(l),
    { path: join(l.configDir, "config.toml"), content: systemConfig(l.linuxUserPrefix), mode: 0o640 },
  ];
}

function writeIfChanged(file: GeneratedFile, keepExisting: boolean): Step {
  if (existsSync(file.path)) {
    if (keepExisting) return { done: false, what: `kept ${file.path}` };
    if (readFileSync(file.path, "utf8") === file.content)
      return { done: false, what: `unchanged ${file.path}` };
  }
  mkdirSync(dirname(file.path), { recursive: true });
  writeFileSync(file.path, file.content, { mode: file.mode });
  chmodSync(file.path, file.mode);
  return { done: true, what: `wrote ${file.path}` };
}

function ensureDir(path: string, mode: number, uid: number, gid: number): Step {
  const existed = existsSync(path);
  mkdirSync(path, { recursive: true, mode });
  chownSync(path, uid, gid);
  chmodSync(path, mode);
  return { done: !existed, what: `${existed ? "checked" : "created"} ${path} (${mode.toString(8)})` };
}

export const install = (l: InstallLayout): Result<Step[]> => attempt((steps) => installSteps(l, steps));
export const uninstall = (l: InstallLayout, purge: boolean): Result<Step[]> =>
  attempt((steps) => uninstallSteps(l, purge, steps));

function installSteps(l: InstallLayout, steps: Step[]): void {
  if (!userExists(l.user)) {
    must(
      sh([
        "useradd",
        "--system",
        "--user-group",
        "--home-dir",
        l.dataDir,
        "--no-create-home",
        "--shell",
        "/usr/sbin/nologin",
        l.user,
      ]),
      `useradd ${l.user}`,
    );
    steps.push({ done: true, what: `created system user ${l.user}` });
  } else {
    steps.push({ done: false, what: `system user ${l.user} exists` });
  }
  const uid = idOf("-u", l.user);
  const gid = idOf("-g", l.user);
  steps.push(ensureDir(l.configDir, 0o750, 0, gid));
  steps.push(ensureDir(l.dataDir, 0o700, uid, gid));
  for (const file of plannedFiles(l)) {
    const isConfig = file.path === join(l.configDir, "config.toml");
    const step = writeIfChanged(file, isConfig);
    if (isConfig && step.done) chownSync(file.path, 0, gid);
    steps.push(step);
  }
  const tmpfiles = join(l.tmpfilesDir, "octo.conf");
  if (Bun.which("systemd-tmpfiles")) {
    must(sh(["systemd-tmpfiles", "--create", tmpfiles]), "systemd-tmpfiles --create");
    steps.push({ done: false, what: `applied ${tmpfiles} (${l.runtimeDir})` });
  } else {
    steps.push(ensureDir(l.runtimeDir, 0o711, 0, 0));
  }
  if (systemdRunning()) {
    must(sh(["systemctl", "daemon-reload"]), "systemctl daemon-reload");
    steps.push({ done: true, what: "systemctl daemon-reload" });
  }
}

function uninstallSteps(l: InstallLayout, purge: boolean, steps: Step[]): void {
  if (systemdRunning()) {
    sh(["systemctl", "disable", "--now", ...UNITS]);
    steps.push({ done: true, what: `stopped and disabled ${UNITS.join(", ")}` });
  }
  for (const file of generatedFiles(l)) {
    if (!existsSync(file.path)) continue;
    rmSync(file.path);
    steps.push({ done: true, what: `removed ${file.path}` });
  }
  if (systemdRunning()) sh(["systemctl", "daemon-reload"]);
  if (existsSync(l.runtimeDir)) {
    rmSync(l.runtimeDir, { recursive: true, force: true });
    steps.push({ done: true, what: `removed ${l.runtimeDir}` });
  }
  if (!purge) {
    steps.push({
      done: false,
      what: `kept ${l.configDir}, ${l.dataDir} and user ${l.user} (--purge removes them)`,
    });
    return;
  }
  for (const dir of [l.dataDir, l.configDir]) {
    if (!existsSync(dir)) continue;
    rmSync(dir, { recursive: true, force: true });
    steps.push({ done: true, what: `removed ${dir}` });
  }
  if (userExists(l.user)) {
    must(sh(["userdel", l.user]), `userdel ${l.user}`);
    steps.push({ done: true, what: `removed system user ${l.user}` });
  }
  if (groupExists(l.user)) sh(["groupdel", l.user]);
  steps.push({
    done: false,
    what: `kept platform users' Linux accounts (${l.linuxUserPrefix}*) and their homes: remove them with userdel -r`,
  });
}
