/**
 * The agent browser: `bun bench/browser.ts [--runs N]`. Real pieces end to end below the server:
 * a sandbox (`octo-sandbox run`, profile strict) serving a test page with python's http.server, the
 * runner's BrowserService, its driver and Chromium joined into that sandbox. Prints:
 *   - start → first frame (the first command starts the driver and Chromium)
 *   - page change → frame (an agent `click` that recolours the page → the next screencast frame)
 *   - input → frame (the person's CDP mouse click → the next frame)
 *   - memory per browser (RSS of the driver and every Chromium process)
 *   - frame bytes/s at 1280×800 while the page animates
 *   - frames/s while the person scrolls a long page with the wheel (they hold the browser)
 * The server and mux hops add one local WebSocket write each (see bench/terminal.ts for that cost).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BrowserService } from "../runner/browser/service.ts";
import type { RunnerBrowserEvent } from "../src/protocol/browser.ts";
import { createLogger } from "../src/shared/log.ts";
import { commandFor } from "../src/shared/paths.ts";

const runs = Number(process.argv[process.argv.indexOf("--runs") + 1]) || 15;
const PORT = 8799;
const PAGE = `<!doctype html><title>bench</title><style>
  body { margin: 0; height: 100vh; background: #fff; font: 40px sans-serif }
  .spin { width: 300px; height: 300px; background: linear-gradient(90deg, red, blue); animation: s 1s linear infinite }
  @keyframes s { to { transform: rotate(360deg) } }
</style>
<button id="b" style="position:absolute;left:50px;top:50px;width:300px;height:100px"
  onclick="document.body.style.background = document.body.style.background === 'black' ? 'white' : 'black'">Flip</button>
<div id="a"></div>
<script>if (location.hash === "#spin") document.getElementById("a").className = "spin";
if (location.hash === "#tall") { document.body.style.height = "40000px";
  document.body.style.background = "repeating-linear-gradient(#fff 0 60px, #ccd 60px 120px)"; }</script>`;

const root = mkdtempSync(join(tmpdir(), "octo-bench-browser-"));
const project = join(root, "p");
mkdirSync(join(project, ".octo"), { recursive: true });
writeFileSync(join(project, "index.html"), PAGE);
const sandbox = Bun.spawn(
  [
    ...commandFor("octo-sandbox"),
    "run",
    "--profile",
    "strict",
    "--project",
    project,
    "--workspace-root",
    root,
    // What an agent sandbox has: the Bun runtime (Chromium's seccomp step runs on it, join.ts).
    "--ro",
    `${process.execPath}=/opt/octo/bin/bun`,
    "--",
    "python3",
    "-m",
    "http.server",
    String(PORT),
    "--bind",
    "127.0.0.1",
  ],
  { stdout: "ignore", stderr: "ignore" },
);

function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {}
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}
const cmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
};
/** Proportional set size: shared pages split between the processes sharing them (summable). */
const pssKb = (pid: number) => {
  try {
    return Number(/Pss:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"))?.[1] ?? 0);
  } catch {
    return 0;
  }
};

async function sandboxPid(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const py = descendants(sandbox.pid).find((p) => cmdline(p).startsWith("python3 -m http.server"));
    if (py) {
      const ok = await fetchInside(py);
      if (ok) return py;
    }
    await Bun.sleep(50);
  }
  throw new Error("the sandbox's http.server did not start");
}
/** The server listens inside the sandbox's own network: wait until its socket shows there. */
async function fetchInside(pid: number): Promise<boolean> {
  try {
    const tcp = readFileSync(`/proc/${pid}/net/tcp`, "utf8");
    return tcp.includes(`:${PORT.toString(16).toUpperCase().padStart(4, "0")} 00000000:0000 0A`);
  } catch {
    return false;
  }
}

const pid = await sandboxPid();
const frames: { at: number; bytes: number }[] = [];
const waiters: ((at: number) => void)[] = [];
const service = new BrowserService({
  locate: () => ({ pid, project }),
  maxBrowsers: 1,
  idleMs: 600_000,
  heapMb: 512,
  log: createLogger({ format: "text", level: "warn" }),
  publish: (e: RunnerBrowserEvent) => {
    if (e.event !== "browser.frame") return;
    const at = performance.now();
    frames.push({ at, bytes: e.data.length });
    for (const w of waiters.splice(0)) w(at);
  },
});
const S = "ses_bench0000000000000000000000";
const nextFrame = () => new Promise<number>((resolve) => waiters.push(resolve));
const must = async (p: Promise<{ ok: boolean }>) => {
  const r = await p;
  if (!r.ok) throw new Error(JSON.stringify(r));
};

const t0 = performance.now();
const first = nextFrame();
await must(service.handle(S, "open", { url: `http://127.0.0.1:${PORT}/` }));
const startToFrame = (await first) - t0;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)] ?? NaN;
const snap = (await service.handle(S, "snapshot", {})) as { ok: true; value: { text: string } };
const flip = /button "Flip" \[(@e\d+)\]/.exec(snap.value.text)?.[1] ?? "@e2";

const changes: number[] = [];
for (let i = 0; i < runs; i++) {
  const t = performance.now();
  const f = nextFrame();
  await must(service.handle(S, "click", { ref: flip }));
  changes.push((await f) - t);
}
await must(service.control(S, { type: "take" }));
const inputs: number[] = [];
for (let i = 0; i < runs; i++) {
  const t = performance.now();
  const f = nextFrame();
  for (const kind of ["mousePressed", "mouseReleased"] as const)
    await must(service.control(S, { type: "mouse", kind, x: 200, y: 100, button: "left", click_count: 1 }));
  inputs.push((await f) - t);
}
await must(service.control(S, { type: "release" }));

const driverPid = descendants(process.pid).find((p) => cmdline(p).includes("browser/driver"));
const browserPids = driverPid ? [driverPid, ...descendants(driverPid)] : [];
const chromiumKb = browserPids
  .filter((p) => cmdline(p).includes("chromium"))
  .reduce((a, p) => a + pssKb(p), 0);
const driverKb = driverPid ? pssKb(driverPid) : 0;

await must(service.handle(S, "open", { url: `http://127.0.0.1:${PORT}/#spin` }));
await must(service.handle(S, "reload", {}));
const from = performance.now();
const startCount = frames.length;
await Bun.sleep(5000);
const during = frames.slice(startCount);
const seconds = (performance.now() - from) / 1000;
const bytes = during.reduce((a, f) => a + (f.bytes * 3) / 4, 0);

// The person scrolls a long page with the wheel, one notch per 16 ms, for 3 s.
await must(service.handle(S, "open", { url: `http://127.0.0.1:${PORT}/#tall` }));
await must(service.handle(S, "reload", {}));
await must(service.control(S, { type: "take" }));
const scrollFrom = performance.now();
const scrollStart = frames.length;
while (performance.now() - scrollFrom < 3000) {
  await must(service.control(S, { type: "mouse", kind: "mouseWheel", x: 640, y: 400, delta_y: 100 }));
  await Bun.sleep(16);
}
const scrollFrames = frames.length - scrollStart;
const scrollSeconds = (performance.now() - scrollFrom) / 1000;
await must(service.control(S, { type: "release" }));

service.stop();
sandbox.kill();
await sandbox.exited;
rmSync(root, { recursive: true, force: true });

const load = readFileSync("/proc/loadavg", "utf8").split(" ")[0];
const ms = (n: number) => `${n.toFixed(0)} ms`;
console.log(`agent browser (load ${load}, ${runs} runs each)`);
console.log(`  start → first frame          ${ms(startToFrame)}`);
console.log(`  page change → frame  p50     ${ms(median(changes))}   p90 ${ms(p90(changes))}`);
console.log(`  input → frame        p50     ${ms(median(inputs))}   p90 ${ms(p90(inputs))}`);
console.log(
  `  memory: Chromium PSS         ${(chromiumKb / 1024).toFixed(0)} MB (all its processes, shared pages split)`,
);
console.log(`  memory: driver PSS           ${(driverKb / 1024).toFixed(0)} MB`);
console.log(
  `  frames while animating       ${(during.length / seconds).toFixed(1)} /s, ${(bytes / seconds / 1024).toFixed(0)} KiB/s (JPEG q70, 1280×800)`,
);
console.log(
  `  frames while scrolling       ${(scrollFrames / scrollSeconds).toFixed(1)} /s (wheel, 1280×800)`,
);
process.exit(0);
