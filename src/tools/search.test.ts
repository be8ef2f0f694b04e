import { afterAll, expect, test } from "bun:test";
import { runSearch, searxngBackend } from "./search.ts";

let mode: "ok" | "html-only" | "broken" | "slow" = "ok";
/** A slow backend holds its answer until the test is over. */
let release: () => void = () => {};
const held = new Promise<void>((resolve) => {
  release = resolve;
});
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(req) {
    const url = new URL(req.url);
    if (mode === "html-only" && url.searchParams.get("format") === "json")
      return new Response("no", { status: 403 });
    if (mode === "broken")
      return new Response("<html>oops</html>", { headers: { "content-type": "text/html" } });
    if (mode === "slow") await held;
    return Response.json({
      results: [
        { url: "https://a.example/", title: " A ", content: "x".repeat(1000) },
        { url: "https://a.example/", title: "A again" },
        { url: "https://b.example/", title: "B", content: null },
      ],
    });
  },
});
afterAll(() => {
  release();
  server.stop(true);
});
const base = `http://127.0.0.1:${server.port}/searx`;

test("results come back ranked, deduplicated by URL, with short snippets", async () => {
  mode = "ok";
  const r = await runSearch(searxngBackend(base, 2000), { query: " otters ", limit: 5 });
  if (!r.ok) throw new Error(r.error.message);
  expect(r.value.query).toBe("otters");
  expect(r.value.results.map((x) => x.url)).toEqual(["https://a.example/", "https://b.example/"]);
  expect(r.value.results[0]?.title).toBe("A");
  expect(r.value.results[0]?.snippet.length).toBe(400);
  expect(r.value.results[1]?.snippet).toBe("");
});

test("a SearXNG without JSON, a non-JSON answer and a slow one fail with search_failed", async () => {
  mode = "html-only";
  const html = await runSearch(searxngBackend(base, 2000), { query: "q" });
  expect(html).toMatchObject({ ok: false, error: { code: "search_failed" } });
  expect(html.ok ? "" : html.error.message).toContain("settings.yml");
  mode = "broken";
  expect(await runSearch(searxngBackend(base, 2000), { query: "q" })).toMatchObject({
    ok: false,
    error: { code: "search_failed" },
  });
  mode = "slow";
  const slow = await runSearch(searxngBackend(base, 50), { query: "q" });
  expect(slow.ok ? "" : slow.error.message).toContain("no answer within 50 ms");
});

test("no backend is search_not_configured; bad arguments are refused first", async () => {
  expect(await runSearch(null, { query: "q" })).toMatchObject({
    ok: false,
    error: { code: "search_not_configured" },
  });
  expect(await runSearch(null, { query: "  " })).toMatchObject({
    ok: false,
    error: { code: "validation_failed" },
  });
  expect(await runSearch(null, { query: "q", limit: 99 })).toMatchObject({
    ok: false,
    error: { code: "validation_failed" },
  });
});
