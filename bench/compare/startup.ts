/**
 * Start-up of both products as they ship: the compiled `octo serve` and opencode's own binary, each
 * from process spawn to the first 200 on its health route, polled every 5 ms. "Cold" is the first
 * start on an empty home (octo creates its database and first admin; opencode its database and
 * state); "restart" is the next start on the same home after a SIGTERM and exit.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bin } from "../../test/build/built.ts";
import { stopDetachedRunner } from "../../test/build/process.ts";
import { type OpencodeHome, opencodeHome, spawnOpencode, stopProcess } from "./opencode.ts";

function freePort(): number {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

async function spawnOcto(home: string): Promise<number> {
  const port = freePort();
  const t0 = performance.now();
  const proc = Bun.spawn([bin("octo"), "serve", "--port", String(port)], {
    cwd: home,
    env: { HOME: home, XDG_RUNTIME_DIR: join(home, "run"), PATH: "/usr/bin:/bin" },
    stdin: "ignore",
    stdout: "ignore",
    stderr: "ignore",
  });
  let ms = Number.NaN;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/health`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) {
        ms = performance.now() - t0;
        break;
      }
    } catch {
      // not listening yet (or accepted but not answering: each try gives up after a second)
    }
    // Every 5 ms: a tighter loop would take a core from the server it waits for (2 cores here).
    await Bun.sleep(5);
    if (proc.exitCode !== null) throw new Error(`octo serve exited with ${proc.exitCode}`);
    if (performance.now() - t0 > 120_000) {
      await stopProcess(proc);
      throw new Error("octo serve not up after 120 s");
    }
  }
  await stopProcess(proc);
  return ms;
}

export interface StartupRun {
  octoCold: number;
  opencodeCold: number;
  octoRestart: number;
  opencodeRestart: number;
}

/** One interleaved run: octo cold, opencode cold, octo restart, opencode restart; fresh homes. */
export async function startupRun(
  opencodeBin: string,
  llm: { openaiBaseUrl: string; key: string },
): Promise<StartupRun> {
  const octoHome = mkdtempSync(join(tmpdir(), "octo-bench-compare-"));
  // Its own runtime dir: the runner the first start launches is the one the restart finds. Both
  // traversable by others: run as root, octo otherwise moves its runner to the agent account's
  // shared home (/var/lib/octo-agent/run), where other servers on the machine would find it.
  mkdirSync(join(octoHome, "run"));
  chmodSync(octoHome, 0o711);
  chmodSync(join(octoHome, "run"), 0o711);
  const oc: OpencodeHome = opencodeHome(llm);
  try {
    const octoCold = await spawnOcto(octoHome);
    const first = await spawnOpencode(opencodeBin, oc);
    await stopProcess(first.proc);
    const octoRestart = await spawnOcto(octoHome);
    const again = await spawnOpencode(opencodeBin, oc);
    await stopProcess(again.proc);
    return { octoCold, opencodeCold: first.ms, octoRestart, opencodeRestart: again.ms };
  } finally {
    await stopDetachedRunner(join(octoHome, "run"));
    rmSync(octoHome, { recursive: true, force: true });
    rmSync(oc.root, { recursive: true, force: true });
  }
}
