import Moon from "lucide-solid/icons/moon";
import Sun from "lucide-solid/icons/sun";
import { Show } from "solid-js";
import { effectiveTheme, toggleTheme } from "../shell/theme.ts";

export function ThemeToggle(props: { withLabel?: boolean }) {
  const label = () => (effectiveTheme() === "dark" ? "Switch to light theme" : "Switch to dark theme");
  return (
    <button
      type="button"
      class={props.withLabel ? "btn ghost" : "btn ghost icon"}
      onClick={toggleTheme}
      aria-label={label()}
      title={`${label()} (t)`}
    >
      <Show when={effectiveTheme() === "dark"} fallback={<Moon size={18} />}>
        <Sun size={18} />
      </Show>
      <Show when={props.withLabel}>
        <span>{effectiveTheme() === "dark" ? "Light theme" : "Dark theme"}</span>
      </Show>
    </button>
  );
}
