import LoaderCircle from "lucide-solid/icons/loader-circle";
import Mic from "lucide-solid/icons/mic";
import Square from "lucide-solid/icons/square";
import { createSignal, Match, onCleanup, Show, Switch } from "solid-js";
import { transcribe, voiceAvailable } from "./voice-api.ts";

/**
 * The composer's microphone: records while on (MediaRecorder), then sends the audio to be
 * transcribed and hands back the text for the box — for the person to read and edit, never sent by
 * itself. Shown only when an admin has set up a transcription model and the browser can record.
 */
export function VoiceButton(props: {
  projectId: string;
  onText: (text: string) => void;
  onError: (message: string) => void;
}) {
  const [state, setState] = createSignal<"idle" | "recording" | "working">("idle");
  let recorder: MediaRecorder | null = null;
  let stream: MediaStream | null = null;
  const canRecord = typeof MediaRecorder !== "undefined" && !!navigator.mediaDevices?.getUserMedia;
  const release = () => {
    for (const t of stream?.getTracks() ?? []) t.stop();
    stream = null;
  };
  onCleanup(() => {
    if (recorder?.state === "recording") recorder.stop();
    release();
  });

  const start = async () => {
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch {
      props.onError("The microphone is not available (check the browser's permission for this site).");
      return;
    }
    const type = ["audio/webm;codecs=opus", "audio/webm", "audio/mp4"].find((t) =>
      MediaRecorder.isTypeSupported(t),
    );
    const rec = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
    const chunks: Blob[] = [];
    rec.ondataavailable = (e) => {
      if (e.data.size > 0) chunks.push(e.data);
    };
    rec.onstop = async () => {
      release();
      setState("working");
      const audio = new Blob(chunks, { type: rec.mimeType || "audio/webm" });
      const r = await transcribe(props.projectId, audio);
      setState("idle");
      if (r.ok) {
        if (r.text) props.onText(r.text);
        else props.onError("Nothing was heard.");
      } else props.onError(r.message);
    };
    recorder = rec;
    rec.start();
    setState("recording");
  };

  return (
    <Show when={canRecord && voiceAvailable()}>
      <button
        type="button"
        class="btn ghost icon voice-button"
        classList={{ recording: state() === "recording" }}
        aria-label={state() === "recording" ? "Stop recording" : "Dictate"}
        title={state() === "recording" ? "Stop and transcribe" : "Dictate (the text lands here to edit)"}
        aria-pressed={state() === "recording"}
        disabled={state() === "working"}
        onClick={() => {
          if (state() === "recording") recorder?.stop();
          else if (state() === "idle") void start();
        }}
      >
        <Switch fallback={<Mic size={18} />}>
          <Match when={state() === "recording"}>
            <Square size={16} />
          </Match>
          <Match when={state() === "working"}>
            <LoaderCircle size={18} class="spin" />
          </Match>
        </Switch>
      </button>
    </Show>
  );
}
