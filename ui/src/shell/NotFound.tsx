import { A } from "@solidjs/router";
import { usePageTitle } from "./page-title.ts";

export default function NotFound() {
  usePageTitle(() => "Not found");
  return (
    <div class="empty">
      <h1>Not found</h1>
      <p>There is nothing at this address.</p>
      <A class="btn" href="/projects">
        Back to projects
      </A>
    </div>
  );
}
