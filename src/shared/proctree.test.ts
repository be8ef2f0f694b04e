import { expect, test } from "bun:test";
import { rssBytes, treeRssBytes } from "./proctree.ts";

test("treeRssBytes adds up a process and everything under it", async () => {
  // The shell prints its child's pid once the child exists: no polling needed.
  const sh = Bun.spawn(["sh", "-c", "sleep 30 & echo $!; wait"], { stdout: "pipe" });
  const reader = sh.stdout.getReader();
  const first = await reader.read();
  const child = Number(new TextDecoder().decode(first.value).trim());
  try {
    expect(rssBytes(child)).toBeGreaterThan(0);
    expect(treeRssBytes(sh.pid)).toBe(rssBytes(sh.pid) + rssBytes(child));
  } finally {
    process.kill(child, "SIGKILL");
    sh.kill("SIGKILL");
  }
});
