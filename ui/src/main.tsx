import { Navigate, Route, Router, useLocation } from "@solidjs/router";
import { type JSX, lazy, Match, Switch } from "solid-js";
import { render } from "solid-js/web";
import { isAdmin, loadSession, session } from "./auth/auth-session.ts";
import Login from "./auth/Login.tsx";
import Signup from "./auth/Signup.tsx";
import "./shell/app.css";
import "./shell/layout.css";
import "./components/components.css";

// Sign-in and sign-up are in the first bundle; everything behind sign-in loads on demand.
const Shell = lazy(() => import("./shell/Shell.tsx").then((m) => ({ default: m.Shell })));
const Projects = lazy(() => import("./projects/Projects.tsx"));
const ProjectView = lazy(() => import("./projects/ProjectView.tsx"));
const Account = lazy(() => import("./account/Account.tsx"));
const AdminUsers = lazy(() => import("./admin/Users.tsx"));
const AdminInvites = lazy(() => import("./admin/Invites.tsx"));
const AdminProviders = lazy(() => import("./admin/Providers.tsx"));
const AdminStatus = lazy(() => import("./admin/Status.tsx"));
const AdminUsage = lazy(() => import("./usage/AdminUsage.tsx"));
const AdminSettings = lazy(() => import("./admin/Settings.tsx"));
const SharedPage = lazy(() => import("./sharing/SharedList.tsx"));
const SharedView = lazy(() => import("./sharing/SharedView.tsx"));
const NotFound = lazy(() => import("./shell/NotFound.tsx"));

void loadSession();

function Loading() {
  return (
    <div class="auth-page muted" role="status">
      Loading…
    </div>
  );
}

/** Signed-in area: waits for the session, sends strangers to /login?next=… */
function SignedIn(props: { children?: JSX.Element }) {
  const location = useLocation();
  return (
    <Switch>
      <Match when={session() === undefined}>
        <Loading />
      </Match>
      <Match when={session() === null}>
        <Navigate href={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} />
      </Match>
      <Match when={session()}>
        <Shell>{props.children}</Shell>
      </Match>
    </Switch>
  );
}

/** The sign-in pages send an already signed-in person onward. */
function SignedOut(props: { children?: JSX.Element }) {
  return (
    <Switch>
      <Match when={session() === undefined}>
        <Loading />
      </Match>
      <Match when={session()}>
        <Navigate href="/projects" />
      </Match>
      <Match when={session() === null}>{props.children}</Match>
    </Switch>
  );
}

function AdminOnly(props: { children?: JSX.Element }) {
  return (
    <Switch>
      <Match when={isAdmin()}>{props.children}</Match>
      <Match when={!isAdmin()}>
        <div class="empty">
          <h1>Admins only</h1>
          <p>This page is for administrators of this octo server.</p>
        </div>
      </Match>
    </Switch>
  );
}

const root = document.getElementById("root");
if (root) {
  render(
    () => (
      <Router>
        <Route path="/login" component={() => <SignedOut>{<Login />}</SignedOut>} />
        <Route path="/signup" component={() => <SignedOut>{<Signup />}</SignedOut>} />
        <Route path="/" component={SignedIn}>
          <Route path="/" component={() => <Navigate href="/projects" />} />
          <Route path="/projects" component={Projects} />
          <Route path="/projects/:id/:tab?" component={ProjectView} />
          <Route path="/shared" component={SharedPage} />
          <Route path="/shared/:id" component={SharedView} />
          <Route path="/account" component={Account} />
          <Route path="/admin" component={AdminOnly}>
            <Route path="/" component={() => <Navigate href="/admin/users" />} />
            <Route path="/users" component={AdminUsers} />
            <Route path="/invites" component={AdminInvites} />
            <Route path="/models" component={AdminProviders} />
            <Route path="/usage" component={AdminUsage} />
            <Route path="/settings" component={AdminSettings} />
            <Route path="/status" component={AdminStatus} />
          </Route>
          <Route path="*404" component={NotFound} />
        </Route>
      </Router>
    ),
    root,
  );
}
