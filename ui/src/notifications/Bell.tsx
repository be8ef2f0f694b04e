import { useNavigate } from "@solidjs/router";
import BellIcon from "lucide-solid/icons/bell";
import { createSignal, For, onCleanup, Show } from "solid-js";
import { relativeTime } from "../components/time.ts";
import { bell, startBell } from "./live.ts";
import { markRead } from "./notifications-api.ts";
import "./notifications.css";

/**
 * The bell: how many notifications are unread, and the latest ones in a panel. Opening one marks
 * it read (every tab's bell follows) and goes to its conversation at that point.
 */
export function Bell() {
  startBell();
  const navigate = useNavigate();
  const [open, setOpen] = createSignal(false);
  let root!: HTMLDivElement;
  const outside = (e: PointerEvent) => {
    if (open() && !root.contains(e.target as Node)) setOpen(false);
  };
  const onEscape = (e: KeyboardEvent) => {
    if (open() && e.key === "Escape") setOpen(false);
  };
  document.addEventListener("pointerdown", outside);
  document.addEventListener("keydown", onEscape);
  onCleanup(() => {
    document.removeEventListener("pointerdown", outside);
    document.removeEventListener("keydown", onEscape);
  });
  const label = () => (bell().unread ? `Notifications, ${bell().unread} unread` : "Notifications");
  const go = (id: string, url: string, unread: boolean) => {
    if (unread) void markRead({ ids: [id] });
    setOpen(false);
    // Only a path of this site: a notification never sends anyone elsewhere.
    navigate(url.startsWith("/") && !url.startsWith("//") ? url : "/projects");
  };
  return (
    <div class="bell" ref={root}>
      <button
        type="button"
        class="btn ghost icon bell-button"
        aria-label={label()}
        title={label()}
        aria-expanded={open()}
        onClick={() => setOpen((o) => !o)}
      >
        <BellIcon size={18} aria-hidden="true" />
        <Show when={bell().unread > 0}>
          <span class="bell-count" data-testid="bell-count">
            {bell().unread > 99 ? "99+" : bell().unread}
          </span>
        </Show>
      </button>
      <Show when={open()}>
        <div class="bell-panel" role="dialog" aria-label="Notifications">
          <div class="row bell-head">
            <b>Notifications</b>
            <span class="spacer" />
            <Show when={bell().unread > 0}>
              <button type="button" class="btn ghost small" onClick={() => void markRead({ all: true })}>
                Mark all read
              </button>
            </Show>
          </div>
          <Show when={bell().items.length > 0} fallback={<p class="muted small bell-empty">Nothing yet.</p>}>
            <ul class="bell-list">
              <For each={bell().items}>
                {(n) => (
                  <li>
                    <a
                      href={n.url}
                      class="bell-item"
                      classList={{ unread: n.read_at === null }}
                      onClick={(e) => {
                        e.preventDefault();
                        go(n.id, n.url, n.read_at === null);
                      }}
                    >
                      <span class="bell-title">{n.title}</span>
                      <Show when={n.body}>
                        <span class="bell-body muted small">{n.body}</span>
                      </Show>
                      <span class="muted small">{relativeTime(n.created_at)}</span>
                    </a>
                  </li>
                )}
              </For>
            </ul>
          </Show>
        </div>
      </Show>
    </div>
  );
}
