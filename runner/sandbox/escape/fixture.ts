import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import probeScript from "./probe.pl" with { type: "text" };

/**
 * Everything the escape battery attacks, built for real: two Linux accounts (A attacks, B is the
 * neighbour), their workspaces and homes (world-readable, so A *can* read B's files outside the
 * sandbox and the sandbox is what stops it), a runner-like socket, a host loopback service, HTTP
 * servers for the egress proxy on 127.0.0.2 and a long-lived process of A. Needs root.
 */
export interface Account {
  name: string;
  uid: number;
  gid: number;
  home: string;
  workspace: string;
  project: string;
}

export interface EscapeFixture {
  a: Account;
  b: Account;
  dir: string;
  probeDir: string;
  profilesDir: string;
  runnerSocket: string;
  sharedDir: string;
  loopbackPort: number;
  webAddress: string;
  webPort: number;
  /** Another port of the same server address, not in the checknet profile's `allow_ports`. */
  otherWebPort: number;
  /** `name=address` table handed to the egress proxy (OCTO_EGRESS_HOSTS). */
  egressHosts: string;
  victimPid: number;
  suidBinary: string;
  cleanup(): Promise<void>;
}

async function sh(argv: string[]): Promise<string> {
  const proc = Bun.spawn(argv, { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (code !== 0) throw new Error(`${argv.join(" ")} failed (${code}): ${err.trim()}`);
  return out.trim();
}

async function createAccount(name: string): Promise<Account> {
  await sh(["useradd", "--create-home", "--shell", "/bin/sh", "--user-group", name]);
  const uid = Number(await sh(["id", "-u", name]));
  const gid = Number(await sh(["id", "-g", name]));
  const home = `/home/${name}`;
  const workspace = join(home, "octo");
  const project = join(workspace, "proj");
  mkdirSync(join(project, ".octo"), { recursive: true });
  writeFileSync(join(project, "secret.txt"), `workspace secret of ${name}\n`);
  writeFileSync(join(home, "secret-home.txt"), `home secret of ${name}\n`);
  for (const path of [
    workspace,
    project,
    join(project, ".octo"),
    join(project, "secret.txt"),
    join(home, "secret-home.txt"),
  ])
    chownSync(path, uid, gid);
  chmodSync(home, 0o755);
  for (const path of [workspace, project, join(project, ".octo")]) chmodSync(path, 0o755);
  return { name, uid, gid, home, workspace, project };
}

/** A proxy-mode profile whose allow-list names our local server (the shipped ones name real registries). */
export const checknetProfile = (
  webPort: number,
) => `description = "escape battery: proxy mode, allow-list of one local test name"
[filesystem]
read_only = ["/usr", "/bin", "/sbin", "/lib", "/lib64", "/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/ld.so.cache"]
[network]
mode = "proxy"
allow = ["allowed.octo.test"]
allow_ports = [${webPort}]
block_private = false
[limits]
processes = 512
`;

const EVIL_NAMES = ["allowed.octo.test", "evil.octo.test", "registry.npmjs.org"];

export async function createEscapeFixture(): Promise<EscapeFixture> {
  if (process.getuid?.() !== 0) throw new Error("the escape battery needs root (it creates octo_* users)");
  const tag = Math.random().toString(36).slice(2, 7);
  const a = await createAccount(`octo_esc${tag}a`);
  const b = await createAccount(`octo_esc${tag}b`);
  const dir = mkdtempSync(join(tmpdir(), "octo-escape-"));
  chmodSync(dir, 0o755);
  const probeDir = join(dir, "probe");
  const profilesDir = join(dir, "profiles");
  const sharedDir = join(dir, "shared");
  const runnerDir = join(dir, "runner");
  for (const d of [probeDir, profilesDir, runnerDir]) mkdirSync(d, { mode: 0o755 });
  mkdirSync(sharedDir, { mode: 0o777 });
  chmodSync(sharedDir, 0o777);
  writeFileSync(join(probeDir, "probe.pl"), probeScript as unknown as string, { mode: 0o644 });

  const runnerSocket = join(runnerDir, "runner.sock");
  const runner = Bun.listen({ unix: runnerSocket, socket: { data() {} } });
  chmodSync(runnerSocket, 0o777);
  const loopback = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const webAddress = "127.0.0.2";
  const web = Bun.serve({ hostname: webAddress, port: 0, fetch: () => new Response("reached\n") });
  // Same host, a port the checknet profile does not list: the proxy must refuse it.
  const otherWeb = Bun.serve({ hostname: webAddress, port: 0, fetch: () => new Response("reached\n") });

  // A proxy-mode profile whose allow-list names our local server (the shipped ones name real registries).
  writeFileSync(join(profilesDir, "checknet.toml"), checknetProfile(web.port ?? 0), { mode: 0o644 });

  const victim = Bun.spawn(["cat"], {
    uid: a.uid,
    gid: a.gid,
    env: { PATH: "/usr/bin:/bin" },
    stdin: "pipe",
    stdout: "ignore",
  });
  const suidBinary = join(a.project, "suid-id");
  copyFileSync("/usr/bin/id", suidBinary);
  chownSync(suidBinary, 0, 0);
  chmodSync(suidBinary, 0o4755);

  return {
    a,
    b,
    dir,
    probeDir,
    profilesDir,
    runnerSocket,
    sharedDir,
    loopbackPort: loopback.port,
    webAddress,
    webPort: web.port ?? 0,
    otherWebPort: otherWeb.port ?? 0,
    egressHosts: EVIL_NAMES.map((n) => `${n}=${webAddress}`).join(","),
    victimPid: victim.pid,
    suidBinary,
    async cleanup() {
      victim.kill("SIGKILL"); // the ptrace control may have left it stopped
      await victim.exited;
      runner.stop(true);
      loopback.stop(true);
      await web.stop(true);
      await otherWeb.stop(true);
      for (const account of [a, b]) await sh(["userdel", "--remove", account.name]).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
