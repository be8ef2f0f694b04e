import { lazy } from "solid-js";

/**
 * The terminal view, loaded on first use: ghostty-web (~190 KB gzip with its WASM inlined) stays
 * out of the main bundle. Mount as `<LazyTerminalView projectId={id} transport={…} />` inside a
 * `<Suspense>` (or let the router's Suspense catch it).
 */
export const LazyTerminalView = lazy(() => import("./TerminalView.tsx"));
