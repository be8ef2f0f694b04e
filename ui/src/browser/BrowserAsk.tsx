import { useNavigate } from "@solidjs/router";
import { createEffect, createSignal, onCleanup, Show } from "solid-js";
import * as v from "valibot";
import { browserEventSchema } from "../../../src/protocol/browser.ts";
import type { MuxClient } from "../api/mux-client.ts";
import "./browser.css";

/**
 * In the chat: the agent's `octo-tool browser ask` question, while it waits for the person, with a
 * button that takes control of the agent's browser and opens the Browser tab. Watches the browser's
 * state only (no frames).
 */
export function BrowserAsk(props: { projectId: string; sessionId: string; mux: MuxClient }) {
  const navigate = useNavigate();
  const [ask, setAsk] = createSignal<string | null>(null);
  const [driving, setDriving] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);

  createEffect(() => {
    const id = props.sessionId;
    setAsk(null);
    const watch = () => void props.mux.request("browser", "watch", { session_id: id, frames: false });
    const off = props.mux.onChannel("browser", (raw) => {
      const e = v.safeParse(browserEventSchema, raw);
      if (!e.success || e.output.session_id !== id || e.output.event !== "state") return;
      setAsk(e.output.state.ask);
      setDriving(e.output.state.driver === "user");
    });
    const offOpen = props.mux.onOpen(watch);
    if (props.mux.isOpen()) watch();
    onCleanup(() => {
      off();
      offOpen();
      void props.mux.request("browser", "unwatch", { session_id: id, frames: false });
    });
  });

  const browserTab = () => navigate(`/projects/${props.projectId}/browser?session=${props.sessionId}`);
  const takeControl = async () => {
    setError(null);
    if (!driving()) {
      const r = await props.mux.request("browser", "control", { session_id: props.sessionId, take: true });
      if (!r.ok) return setError(r.error.message);
    }
    browserTab();
  };

  return (
    <Show when={ask()}>
      {(question) => (
        <div class="browser-ask chat-browser-ask" role="alert">
          <div class="grow">
            <strong>The agent needs you in its browser:</strong> {question()}
          </div>
          <div class="row">
            <button type="button" class="btn primary small" onClick={() => void takeControl()}>
              {driving() ? "Open the browser" : "Take control"}
            </button>
          </div>
          <Show when={error()}>
            <span class="small error-text">{error()}</span>
          </Show>
        </div>
      )}
    </Show>
  );
}
