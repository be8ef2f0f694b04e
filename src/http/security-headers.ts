/**
 * Headers on every response of the web UI (index.html, assets, SPA fallback, UI 404s).
 *
 * The policy allows only our own origin, with two exceptions the UI needs:
 * - ghostty-web (the terminal) ships its WebAssembly inlined in its JS as a `data:application/wasm`
 *   URL, which it `fetch`es and compiles (`WebAssembly.compile`); without both the terminal cannot
 *   start (test/ui/csp.test.ts saw each blocked). So `connect-src` admits `data:` (a data: URL
 *   carries its bytes in itself: nothing leaves the page) and `script-src` has `'wasm-unsafe-eval'`,
 *   which permits WebAssembly compilation only, not `eval` or `new Function`.
 * - `style-src 'unsafe-inline'`: Solid compiles static `style={{…}}` props into `style="…"`
 *   attributes of its HTML templates, and the terminal and dialogs set inline styles.
 * Images may also be `data:` (the favicon, pasted images) and `blob:` (previews of uploads).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self' data:",
  // The service worker (/sw.js: push, offline shell) and the web manifest are our own files.
  "worker-src 'self'",
  "manifest-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
  "form-action 'self'",
].join("; ");

export const UI_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};
