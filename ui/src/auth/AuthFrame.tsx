import type { JSX } from "solid-js";
import { ThemeToggle } from "../components/ThemeToggle.tsx";

/** The calm, centered frame of the signed-out pages. */
export function AuthFrame(props: { title: string; children: JSX.Element }) {
  return (
    <main class="auth-page">
      <div class="auth-card">
        <div class="auth-top">
          <span class="brand">
            <span class="brand-mark" aria-hidden="true">
              oo
            </span>
            octo
          </span>
          <ThemeToggle />
        </div>
        <div class="card" style={{ padding: "1.5rem" }}>
          <h1>{props.title}</h1>
          {props.children}
        </div>
      </div>
    </main>
  );
}
