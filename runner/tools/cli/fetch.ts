import { fail, ok, type Result } from "../../../src/protocol/errors.ts";

/** The most a fetch downloads; a larger body is cut here and the cut is said. */
export const MAX_DOWNLOAD_BYTES = 10 * 1024 * 1024;
const TIMEOUT_MS = 30_000;

export interface Page {
  /** After redirects. */
  url: string;
  status: number;
  contentType: string;
  title: string;
  text: string;
  /** The body was longer than MAX_DOWNLOAD_BYTES. */
  cut: boolean;
}

/**
 * The proxy the sandbox set for this URL, if any. In `proxy` network mode the sandbox sets
 * HTTP(S)_PROXY to its egress relay, so the request goes through the allow-list and its log; in
 * `none` and `open` modes there is none and the request goes straight out (or nowhere).
 */
export function proxyFor(url: URL, env: Record<string, string | undefined>): string | undefined {
  const noProxy = (env.NO_PROXY ?? env.no_proxy ?? "").split(",").map((h) => h.trim().toLowerCase());
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (
    noProxy.some((h) => h && (h === host || (h.startsWith(".") && host.endsWith(h)))) ||
    noProxy.includes("*")
  )
    return undefined;
  return url.protocol === "https:"
    ? (env.HTTPS_PROXY ?? env.https_proxy ?? env.ALL_PROXY ?? env.all_proxy)
    : (env.HTTP_PROXY ?? env.http_proxy ?? env.ALL_PROXY ?? env.all_proxy);
}

export function parseUrl(text: string): Result<URL> {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:/i.test(text) ? text : `https://${text}`);
  } catch {
    return fail("bad_request", `not a URL: ${text}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    return fail("bad_request", `only http and https URLs can be fetched, not ${url.protocol}`);
  return ok(url);
}

/** Downloads a page (following redirects) and turns it into text: Markdown for HTML, text for PDFs. */
export async function fetchPage(url: URL, env: Record<string, string | undefined>): Promise<Result<Page>> {
  const proxy = proxyFor(url, env);
  let response: Response;
  try {
    response = await fetch(url, {
      redirect: "follow",
      proxy,
      signal: AbortSignal.timeout(TIMEOUT_MS),
      headers: {
        "user-agent": "octo-tool/1 (+fetch; a reader for an AI agent)",
        accept: "text/html,application/xhtml+xml,application/pdf,text/plain;q=0.9,*/*;q=0.5",
      },
    });
  } catch (e) {
    const via = proxy
      ? " (through this sandbox's egress proxy: is the host on the project's allow-list?)"
      : "";
    return fail("fetch_failed", `cannot fetch ${url.href}: ${describeFetchError(e)}${via}`);
  }
  const contentType = (response.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (proxy && response.status === 403) {
    // The egress proxy's own refusal (plain HTTP; for HTTPS the CONNECT fails above).
    const text = await response.text().catch(() => "");
    const reason = /^octo egress: (.+)$/m.exec(text)?.[1];
    if (reason)
      return fail("fetch_failed", `${url.href} is blocked by this sandbox's network policy: ${reason}`);
    return fail(
      "fetch_failed",
      `${response.url || url.href} answered HTTP 403 ${response.statusText}`.trimEnd(),
    );
  }
  if (response.status >= 400) {
    await response.body?.cancel().catch(() => {});
    return fail(
      "fetch_failed",
      `${response.url || url.href} answered HTTP ${response.status} ${response.statusText}`.trimEnd(),
    );
  }
  const body = await readCapped(response);
  if (!body.ok) return body;
  const finalUrl = response.url || url.href;
  const converted = await toText(body.value.bytes, contentType, finalUrl);
  if (!converted.ok) return converted;
  return ok({
    url: finalUrl,
    status: response.status,
    contentType,
    title: converted.value.title,
    text: converted.value.text,
    cut: body.value.cut,
  });
}

async function toText(
  bytes: Uint8Array,
  contentType: string,
  url: string,
): Promise<Result<{ title: string; text: string }>> {
  const looksPdf =
    contentType === "application/pdf" || new TextDecoder().decode(bytes.subarray(0, 5)) === "%PDF-";
  if (looksPdf) {
    // Loaded only for PDFs: pdf.js is large.
    const { pdfToText } = await import("./pdf.ts");
    return pdfToText(bytes);
  }
  const text = new TextDecoder().decode(bytes);
  if (
    contentType === "text/html" ||
    contentType === "application/xhtml+xml" ||
    (!contentType && /<html/i.test(text))
  ) {
    const { htmlToMarkdown } = await import("./readable.ts");
    const page = htmlToMarkdown(text, url);
    return ok({ title: page.title, text: page.markdown });
  }
  if (
    contentType.startsWith("text/") ||
    /json|xml|javascript|yaml|toml/.test(contentType) ||
    contentType === ""
  )
    return ok({ title: "", text });
  return fail("fetch_failed", `${url} is ${contentType}, which cannot be shown as text`);
}

async function readCapped(response: Response): Promise<Result<{ bytes: Uint8Array; cut: boolean }>> {
  const parts: Uint8Array[] = [];
  let size = 0;
  let cut = false;
  try {
    if (response.body) {
      for await (const chunk of response.body) {
        const room = MAX_DOWNLOAD_BYTES - size;
        if (chunk.byteLength > room) {
          parts.push(chunk.subarray(0, room));
          size += room;
          cut = true;
          break;
        }
        parts.push(chunk);
        size += chunk.byteLength;
      }
    }
  } catch (e) {
    return fail("fetch_failed", `reading ${response.url}: ${describeFetchError(e)}`);
  }
  return ok({ bytes: Buffer.concat(parts), cut });
}

function describeFetchError(e: unknown): string {
  const err = e as { code?: string; name?: string; message?: string };
  if (err.name === "TimeoutError") return `no answer within ${TIMEOUT_MS / 1000} s`;
  if (err.code === "ConnectionRefused" || err.code === "ECONNREFUSED")
    return "connection refused (nothing listens there, or this sandbox has no route to it)";
  if (err.code === "FailedToOpenSocket" || err.code === "ENOTFOUND")
    return "the host cannot be reached from this sandbox (no route, or its name does not resolve)";
  return (err.message ?? String(e)).split("\n")[0] ?? "failed";
}
