import { render, Suspense } from "solid-js/web";
import { LazyTerminalView } from "../../../ui/src/terminal/lazy.ts";
import { SocketTransport } from "../../../ui/src/terminal/transport.ts";

/**
 * The terminal view mounted on its own, for the e2e test: `?ws=<mux url>&project=<prj_…>`.
 * Screens are exposed on `window.__screens` so the test can read what ghostty-web rendered.
 */
const params = new URLSearchParams(location.search);
const screens: Record<string, () => string> = {};
(window as unknown as { __screens: typeof screens }).__screens = screens;
const transport = new SocketTransport(params.get("ws") ?? undefined);
const root = document.getElementById("root");
if (root)
  render(
    () => (
      <Suspense fallback={<p>Loading terminal…</p>}>
        <LazyTerminalView
          projectId={params.get("project") ?? ""}
          transport={transport}
          onScreen={(s) => {
            screens[s.id] = s.text;
          }}
        />
      </Suspense>
    ),
    root,
  );
