import Check from "lucide-solid/icons/check";
import Copy from "lucide-solid/icons/copy";
import { createSignal, Show } from "solid-js";

/** Copies text and says so for a moment (also to screen readers, via a live region). */
export function CopyButton(props: { text: string; label?: string; class?: string }) {
  const [copied, setCopied] = createSignal(false);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const copy = async () => {
    const ok = await writeClipboard(props.text);
    setCopied(ok);
    clearTimeout(timer);
    timer = setTimeout(() => setCopied(false), 1800);
  };
  return (
    <button
      type="button"
      class={props.class ?? "btn small"}
      onClick={copy}
      aria-label={props.label ?? "Copy"}
    >
      <Show when={copied()} fallback={<Copy size={15} />}>
        <Check size={15} />
      </Show>
      <span aria-live="polite">{copied() ? "Copied" : "Copy"}</span>
    </button>
  );
}

/** navigator.clipboard needs a secure context; plain-http LAN installs fall back to execCommand. */
async function writeClipboard(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.append(area);
    area.select();
    const ok = document.execCommand("copy");
    area.remove();
    return ok;
  }
}
