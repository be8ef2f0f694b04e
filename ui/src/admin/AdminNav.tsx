import { A } from "@solidjs/router";

/** Sub-navigation of the admin area (the only admin navigation on phones). */
export function AdminNav() {
  return (
    <nav class="tabs-list" aria-label="Admin">
      <A class="tab" activeClass="active" href="/admin/users">
        Users
      </A>
      <A class="tab" activeClass="active" href="/admin/invites">
        Invites
      </A>
      <A class="tab" activeClass="active" href="/admin/models">
        Models
      </A>
      <A class="tab" activeClass="active" href="/admin/status">
        Status
      </A>
    </nav>
  );
}
