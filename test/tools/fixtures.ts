import { existsSync, readFileSync, watch } from "node:fs";
import { dirname } from "node:path";

/** A small website on 127.0.0.1: an article between navigation and a footer, and a redirect to it. */
export function startSite() {
  const article = `<!doctype html><html><head><title>Otters of the Elbe</title>
<script>window.tracker = "SCRIPT-MARKER";</script><style>.x{color:red}</style></head>
<body>
<nav><a href="/">Home</a> <a href="/about">NAV-MARKER About us</a></nav>
<main><article>
<h1>Otters of the Elbe</h1>
<p>The Eurasian otter returned to the Elbe in the nineties. ARTICLE-MARKER: counts along the river
rose every year since the water got cleaner, and the animals now live close to Hamburg again.</p>
<p>Biologists count them by their tracks and spraints rather than by sight, because otters are shy
and mostly active at night. Read <a href="/methods">how the counts are made</a> for details.</p>
<p>${"Further field notes describe dens, fishing grounds and the young. ".repeat(6)}</p>
</article></main>
<aside>SIDEBAR-MARKER related links</aside>
<footer>FOOTER-MARKER © 2026 River Society · Imprint · Privacy</footer>
</body></html>`;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      const path = new URL(req.url).pathname;
      if (path === "/old") return Response.redirect("/article", 302);
      if (path === "/article")
        return new Response(article, { headers: { "content-type": "text/html; charset=utf-8" } });
      if (path === "/paper.pdf")
        return new Response(onePagePdf("Otter paper", "Spraint counts PDF-MARKER"), {
          headers: { "content-type": "application/pdf" },
        });
      return new Response("not here", { status: 404 });
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, stop: () => server.stop(true) };
}

/** A SearXNG-compatible JSON search endpoint that records the queries it got. */
export function startSearxng() {
  const queries: string[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      const url = new URL(req.url);
      if (url.pathname !== "/search") return new Response("no", { status: 404 });
      if (url.searchParams.get("format") !== "json") return new Response("html only", { status: 403 });
      const q = url.searchParams.get("q") ?? "";
      queries.push(q);
      return Response.json({
        query: q,
        results: [
          { url: "https://one.example/foo", title: `First about ${q}`, content: "The best match.", score: 3 },
          { url: "https://two.example/foo", title: "Second", content: "Also  relevant\nhere.", score: 2 },
          { url: "https://one.example/foo", title: "Duplicate of the first", content: "dup", score: 1 },
          { url: "javascript:alert(1)", title: "Not a page", content: "", score: 1 },
          { url: "https://three.example/", title: "Third", content: null, score: 1 },
        ],
      });
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, queries, stop: () => server.stop(true) };
}

/** A Brave-Search-API-compatible endpoint that takes one key and records the queries and counts it got. */
export function startBraveSearch(key: string) {
  const queries: { q: string; count: string | null }[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      const url = new URL(req.url);
      if (url.pathname !== "/res/v1/web/search") return new Response("no", { status: 404 });
      if (req.headers.get("x-subscription-token") !== key)
        return Response.json(
          { type: "ErrorResponse", error: { code: "SUBSCRIPTION_TOKEN_INVALID" } },
          { status: 401 },
        );
      const q = url.searchParams.get("q") ?? "";
      queries.push({ q, count: url.searchParams.get("count") });
      return Response.json({
        type: "search",
        query: { original: q },
        web: {
          type: "search",
          results: [
            {
              title: `Brave first about ${q}`,
              url: "https://b1.example/",
              description: `All about <strong>${q}</strong> &amp; more`,
            },
            { title: "Brave second", url: "https://b2.example/", description: "Second one" },
          ],
        },
      });
    },
  });
  return { url: `http://127.0.0.1:${server.port}/res/v1/web/search`, queries, stop: () => server.stop(true) };
}

/** Resolves once `file` contains `needle` (watching the file, no polling delay). */
export function fileContains(file: string, needle: string, ms = 30_000): Promise<void> {
  const has = () => {
    try {
      return readFileSync(file, "utf8").includes(needle);
    } catch {
      return false;
    }
  };
  return new Promise((resolve, reject) => {
    if (has()) return resolve();
    const watcher = watch(file, () => {
      if (!has()) return;
      clearTimeout(timer);
      watcher.close();
      resolve();
    });
    const timer = setTimeout(() => {
      watcher.close();
      reject(new Error(`timed out waiting for "${needle}" in ${file}`));
    }, ms);
  });
}

/** A process's environment (same user: /proc/<pid>/environ is readable). */
export function environOf(pid: number): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of readFileSync(`/proc/${pid}/environ`, "utf8").split("\0")) {
    const eq = entry.indexOf("=");
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

/** Resolves once `path` no longer exists (watching its grandparent directory). */
export function gone(path: string, ms = 30_000): Promise<void> {
  const dir = dirname(dirname(path));
  return new Promise((resolve, reject) => {
    if (!existsSync(path)) return resolve();
    const watcher = watch(dir, { recursive: true }, () => {
      if (existsSync(path)) return;
      clearTimeout(timer);
      watcher.close();
      resolve();
    });
    const timer = setTimeout(() => {
      watcher.close();
      reject(new Error(`timed out waiting for ${path} to go`));
    }, ms);
  });
}

/** A minimal, valid one-page PDF showing `text` (Helvetica), with a document title. */
export function onePagePdf(title: string, text: string): string {
  const stream = `BT /F1 12 Tf 20 100 Td (${text}) Tj ET`;
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    `<< /Title (${title}) >>`,
  ];
  let out = "%PDF-1.4\n";
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, "0")} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info 6 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return out;
}
