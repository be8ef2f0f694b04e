import { A, useLocation, useNavigate } from "@solidjs/router";
import FolderGit2 from "lucide-solid/icons/folder-git-2";
import Keyboard from "lucide-solid/icons/keyboard";
import LogOut from "lucide-solid/icons/log-out";
import Share2 from "lucide-solid/icons/share-2";
import Shield from "lucide-solid/icons/shield";
import UserRound from "lucide-solid/icons/user-round";
import { createSignal, For, type JSX, onCleanup, Show } from "solid-js";
import { mux } from "../api/tab-mux.ts";
import { currentUser, isAdmin, signOut } from "../auth/auth-session.ts";
import { Modal } from "../components/Modal.tsx";
import { ThemeToggle } from "../components/ThemeToggle.tsx";
import { Bell } from "../notifications/Bell.tsx";
import { registerServiceWorker } from "../notifications/push.ts";
import { SharedList } from "../sharing/SharedList.tsx";
import { ConnectionIndicator } from "./ConnectionIndicator.tsx";
import { SHORTCUTS } from "./shortcut-matcher.ts";
import { broadcastShortcut, installShortcuts } from "./shortcuts.ts";
import { toggleTheme } from "./theme.ts";

/** Signed-in frame: a sidebar on desktop; a top bar and a bottom tab bar on phones. */
export function Shell(props: { children?: JSX.Element }) {
  const navigate = useNavigate();
  const location = useLocation();
  const [helpOpen, setHelpOpen] = createSignal(false);
  const uninstall = installShortcuts((action) => {
    if (action === "help") setHelpOpen(true);
    else if (action === "theme") toggleTheme();
    else if (action.startsWith("go:")) {
      const to = action.slice(3);
      if (!to.startsWith("/admin") || isAdmin()) navigate(to);
    } else broadcastShortcut(action);
  });
  onCleanup(uninstall);
  // The tab's socket is open on every signed-in page, so the end of a sign-in (the account was
  // disabled, deleted, its password changed) shows at once, not on the next click.
  mux();
  // A tapped push notification with octo already open brings that tab to its conversation.
  registerServiceWorker((url) => navigate(url));

  const out = async () => {
    const provider = await signOut();
    // Single sign-on: the provider ends its session too, then sends the browser back to /login.
    if (provider) window.location.assign(provider);
    else navigate("/login", { replace: true });
  };

  return (
    <div class="shell">
      <nav class="sidebar" aria-label="Main">
        <A href="/projects" class="brand">
          <span class="brand-mark" aria-hidden="true">
            oo
          </span>
          octo
        </A>
        <A href="/projects" class="nav-link" activeClass="active">
          <FolderGit2 size={18} aria-hidden="true" /> Projects
        </A>
        <A href="/account" class="nav-link" activeClass="active">
          <UserRound size={18} aria-hidden="true" /> Account
        </A>
        <SharedList compact />
        <Show when={isAdmin()}>
          <div class="nav-section">Admin</div>
          <A href="/admin/users" class="nav-link" activeClass="active">
            Users
          </A>
          <A href="/admin/invites" class="nav-link" activeClass="active">
            Invites
          </A>
          <A href="/admin/models" class="nav-link" activeClass="active">
            Models
          </A>
          <A href="/admin/usage" class="nav-link" activeClass="active">
            Usage
          </A>
          <A href="/admin/settings" class="nav-link" activeClass="active">
            Settings
          </A>
          <A href="/admin/status" class="nav-link" activeClass="active">
            Status
          </A>
        </Show>
        <div class="sidebar-foot">
          <div class="row">
            <ConnectionIndicator />
            <span class="spacer" />
            <Bell />
            <button
              type="button"
              class="btn ghost icon"
              aria-label="Keyboard shortcuts"
              title="Keyboard shortcuts (?)"
              onClick={() => setHelpOpen(true)}
            >
              <Keyboard size={18} />
            </button>
            <ThemeToggle />
          </div>
          <div class="row small">
            <span class="muted">
              Signed in as <b>{currentUser()?.username}</b>
            </span>
            <span class="spacer" />
            <button type="button" class="btn ghost small" onClick={out}>
              <LogOut size={15} aria-hidden="true" /> Sign out
            </button>
          </div>
        </div>
      </nav>

      <div class="main">
        <header class="topbar">
          <A href="/projects" class="brand">
            <span class="brand-mark" aria-hidden="true">
              oo
            </span>
            octo
          </A>
          <span class="spacer" />
          <ConnectionIndicator />
          <Bell />
          <ThemeToggle />
          <button type="button" class="btn ghost icon" aria-label="Sign out" onClick={out}>
            <LogOut size={18} />
          </button>
        </header>
        <main class="content" classList={{ wide: location.pathname.startsWith("/projects/") }} id="main">
          {props.children}
        </main>
        <nav class="bottom-bar" aria-label="Main">
          <A href="/projects" activeClass="active">
            <FolderGit2 size={20} aria-hidden="true" />
            Projects
          </A>
          <A href="/shared" activeClass="active">
            <Share2 size={20} aria-hidden="true" />
            Shared
          </A>
          <A href="/account" activeClass="active">
            <UserRound size={20} aria-hidden="true" />
            Account
          </A>
          <Show when={isAdmin()}>
            <A href="/admin" activeClass="active">
              <Shield size={20} aria-hidden="true" />
              Admin
            </A>
          </Show>
        </nav>
      </div>

      <Modal open={helpOpen()} onOpenChange={setHelpOpen} title="Keyboard shortcuts">
        <dl class="stack" style={{ margin: 0 }}>
          <For each={SHORTCUTS}>
            {(s) => (
              <div class="row">
                <dt style={{ "min-width": "4.5rem" }}>
                  <For each={s.keys.split(" ")}>{(k) => <kbd>{k}</kbd>}</For>
                </dt>
                <dd style={{ margin: 0 }}>{s.label}</dd>
              </div>
            )}
          </For>
        </dl>
      </Modal>
    </div>
  );
}
