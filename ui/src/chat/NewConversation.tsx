import { createSignal, Show } from "solid-js";
import type { ImagePart } from "../../../src/protocol/agent.ts";
import { Composer } from "./Composer.tsx";

/**
 * A project's Chat before its first message: the box is ready at once, and the conversation is
 * created only when something is sent (so empty conversations are never saved). While the agent
 * starts, the message shows as on its way, with "Starting the agent…".
 */
export function NewConversation(props: {
  projectId: string;
  onStart: (text: string, images: ImagePart[]) => Promise<string | null>;
  composerRef: (el: HTMLTextAreaElement) => void;
}) {
  const [sending, setSending] = createSignal<string | null>(null);
  const start = async (text: string, images: ImagePart[]) => {
    setSending(text || "(images)");
    const err = await props.onStart(text, images);
    setSending(null);
    return err;
  };
  return (
    <div class="session-pane">
      <div class="timeline" role="log" aria-label="Conversation">
        <div class="timeline-rows">
          <Show
            when={sending()}
            fallback={
              <div class="chat-empty">
                <h2>What should the agent do?</h2>
                <p class="muted">It works in this project's sandbox. You can follow every command it runs.</p>
              </div>
            }
          >
            {(text) => (
              <article class="msg pending" data-role="user" aria-label="You (not yet delivered)">
                <div class="user-text">{text()}</div>
                <div class="msg-foot small">
                  <span class="muted">Sending…</span>
                </div>
              </article>
            )}
          </Show>
        </div>
      </div>
      <div class="chat-status" aria-live="polite">
        <Show
          when={sending()}
          fallback={
            <span class="activity">
              <span class="dot" aria-hidden="true" /> New conversation
            </span>
          }
        >
          <span class="activity starting">
            <span class="boot-bar" role="progressbar" aria-label="Starting the agent" /> Starting the agent…
          </span>
        </Show>
      </div>
      <Composer
        working={null}
        disabled={null}
        queue={{ steering: [], follow_up: [] }}
        onSend={(_kind, text, images) => start(text, images)}
        onStop={() => {}}
        onQueue={async () => null}
        extras={false}
        ref={props.composerRef}
        projectId={props.projectId}
      />
    </div>
  );
}
