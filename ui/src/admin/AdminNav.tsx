import { A } from "@solidjs/router";

/** Sub-navigation of the admin area on phones; on wider screens the sidebar lists the sections. */
export function AdminNav() {
  return (
    <nav class="tabs-list admin-tabs" aria-label="Admin">
      <A class="tab" activeClass="active" href="/admin/users">
        Users
      </A>
      <A class="tab" activeClass="active" href="/admin/invites">
        Invites
      </A>
      <A class="tab" activeClass="active" href="/admin/models">
        Models
      </A>
      <A class="tab" activeClass="active" href="/admin/usage">
        Usage
      </A>
      <A class="tab" activeClass="active" href="/admin/settings">
        Settings
      </A>
      <A class="tab" activeClass="active" href="/admin/status">
        Status
      </A>
    </nav>
  );
}
