import { createSignal } from "solid-js";

/** Theme choice: follow the system, or force light/dark. Stored per browser. */
export type ThemeChoice = "system" | "light" | "dark";
const KEY = "octo.theme";

const read = (): ThemeChoice => {
  try {
    const t = localStorage.getItem(KEY);
    return t === "light" || t === "dark" ? t : "system";
  } catch {
    return "system";
  }
};

const [theme, setThemeSignal] = createSignal<ThemeChoice>(read());

export { theme };

export function setTheme(choice: ThemeChoice): void {
  setThemeSignal(choice);
  const root = document.documentElement;
  if (choice === "system") delete root.dataset.theme;
  else root.dataset.theme = choice;
  try {
    if (choice === "system") localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, choice);
  } catch {
    // private mode: the choice lasts for this tab only
  }
}

const systemDark = () => window.matchMedia?.("(prefers-color-scheme: dark)").matches ?? false;
export const effectiveTheme = (): "light" | "dark" =>
  theme() === "system" ? (systemDark() ? "dark" : "light") : (theme() as "light" | "dark");

/** Toggle flips what the user sees now; picking the system's own value again returns to "system". */
export function toggleTheme(): void {
  const next = effectiveTheme() === "dark" ? "light" : "dark";
  setTheme(next === (systemDark() ? "dark" : "light") ? "system" : next);
}
