import Download from "lucide-solid/icons/download";
import { createResource, createSignal, For, type JSX, Show } from "solid-js";
import type { UsageSums, UserLimits } from "../../../src/protocol/budgets.ts";
import { AdminNav } from "../admin/AdminNav.tsx";
import { Field } from "../components/Field.tsx";
import { Loaded } from "../components/Loaded.tsx";
import { Modal } from "../components/Modal.tsx";
import { usePageTitle } from "../shell/page-title.ts";
import * as usage from "./usage-api.ts";
import { cost, limitText, monthToDate, parseLimit, tokens } from "./usage-format.ts";
import "./usage.css";

/** Admin → Usage: spend and tokens by user, model, project and day; top conversations; CSV; limits. */
export default function AdminUsage() {
  usePageTitle(() => "Usage");
  const initial = monthToDate();
  const [from, setFrom] = createSignal(initial.from);
  const [to, setTo] = createSignal(initial.to);
  const [report, { refetch }] = createResource(
    () => ({ from: from(), to: to() }),
    (r) => usage.report(r.from, r.to),
  );
  const [editing, setEditing] = createSignal<{ id: string; name: string } | null>(null);
  return (
    <>
      <div class="page-head">
        <h1>Admin</h1>
      </div>
      <AdminNav />
      <div class="stack usage-page">
        <div class="row usage-range">
          <label class="small">
            From <input type="date" value={from()} onChange={(e) => setFrom(e.currentTarget.value)} />
          </label>
          <label class="small">
            To <input type="date" value={to()} onChange={(e) => setTo(e.currentTarget.value)} />
          </label>
          <span class="spacer" />
          <a class="btn" href={usage.csvHref(from(), to())} download="">
            <Download size={16} aria-hidden="true" /> Export CSV
          </a>
        </div>
        <Loaded result={report()}>
          {(r) => (
            <>
              <div class="stats">
                <Stat label="Spend" value={cost(r().totals)} />
                <Stat label="Requests" value={String(r().totals.requests)} />
                <Stat label="Input tokens" value={tokens(r().totals.input_tokens)} />
                <Stat label="Output tokens" value={tokens(r().totals.output_tokens)} />
              </div>
              <Show when={r().totals.unknown_requests > 0}>
                <p class="note small" data-testid="unknown-note">
                  {r().totals.unknown_requests} request{r().totals.unknown_requests === 1 ? "" : "s"} used a
                  model without a price: their cost is unknown. Set prices in Admin → Models.
                </p>
              </Show>
              <Table
                title="By user"
                label="Usage by user"
                head={["User", "Spend", "Monthly limit", "Requests", "Tokens in / out", ""]}
                rows={r().by_user}
                key={(u) => u.user_id}
                cells={(u) => [
                  <b>{u.username}</b>,
                  cost(u),
                  limitText(u.monthly_limit_usd),
                  u.requests,
                  inOut(u),
                  <button
                    type="button"
                    class="btn small"
                    onClick={() => setEditing({ id: u.user_id, name: u.username })}
                  >
                    Limits
                  </button>,
                ]}
              />
              <Table
                title="By model"
                label="Usage by model"
                head={["Model", "Spend", "Requests", "Tokens in / out"]}
                rows={r().by_model}
                key={(m) => m.model}
                cells={(m) => [<span class="mono">{m.model}</span>, cost(m), m.requests, inOut(m)]}
              />
              <Table
                title="By project"
                label="Usage by project"
                head={["Project", "Owner", "Spend", "Requests", "Tokens in / out"]}
                rows={r().by_project}
                key={(p) => p.project_id}
                cells={(p) => [p.project, p.username, cost(p), p.requests, inOut(p)]}
              />
              <Table
                title="By day"
                label="Usage by day"
                head={["Day", "Spend", "Requests", "Tokens in / out"]}
                rows={r().by_day}
                key={(d) => d.day}
                cells={(d) => [d.day, cost(d), d.requests, inOut(d)]}
              />
              <Table
                title="Top conversations"
                label="Top conversations"
                head={["Conversation", "Project", "User", "Spend", "Requests"]}
                rows={r().top_sessions}
                key={(s) => s.session_id}
                cells={(s) => [
                  s.title || <span class="muted">Untitled</span>,
                  s.project,
                  s.username,
                  cost(s),
                  s.requests,
                ]}
              />
            </>
          )}
        </Loaded>
      </div>
      <LimitsDialog
        user={editing()}
        onClose={() => setEditing(null)}
        onSaved={() => {
          setEditing(null);
          void refetch();
        }}
      />
    </>
  );
}

const inOut = (s: UsageSums) => `${tokens(s.input_tokens)} / ${tokens(s.output_tokens)}`;

function Stat(props: { label: string; value: string }) {
  return (
    <div class="card stat">
      <span class="muted small">{props.label}</span>
      <b>{props.value}</b>
    </div>
  );
}

function Table<T>(props: {
  title: string;
  label: string;
  head: string[];
  rows: T[];
  key: (row: T) => string;
  cells: (row: T) => (JSX.Element | string | number)[];
}) {
  return (
    <section>
      <h2 class="usage-h">{props.title}</h2>
      <Show when={props.rows.length > 0} fallback={<p class="muted">No model requests in this range.</p>}>
        <div class="table-scroll">
          <table class="usage-table" aria-label={props.label}>
            <thead>
              <tr>
                <For each={props.head}>{(h) => <th scope="col">{h}</th>}</For>
              </tr>
            </thead>
            <tbody>
              <For each={props.rows}>
                {(row) => (
                  <tr data-key={props.key(row)}>
                    <For each={props.cells(row)}>{(c) => <td>{c}</td>}</For>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </div>
      </Show>
    </section>
  );
}

type Draft = Record<"user_monthly_usd" | "session_usd" | "user_rpm", string>;

/** Per-user limits: blank uses the config default, 0 means no limit. */
function LimitsDialog(props: {
  user: { id: string; name: string } | null;
  onClose: () => void;
  onSaved: () => void;
}) {
  const [current] = createResource(
    () => props.user?.id,
    (id) => usage.limitsOf(id),
  );
  const [error, setError] = createSignal<string | null>(null);
  const value = (l: UserLimits, k: keyof Draft) => (l.override[k] === null ? "" : String(l.override[k]));
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const user = props.user;
    if (!user) return;
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const monthly = parseLimit(String(f.get("user_monthly_usd") ?? ""));
    const session = parseLimit(String(f.get("session_usd") ?? ""));
    const rpm = parseLimit(String(f.get("user_rpm") ?? ""), true);
    if (!monthly.ok || !session.ok) return setError("Amounts are dollars, 0 or more (0 means no limit).");
    if (!rpm.ok) return setError("Requests per minute: a whole number, 0 or more.");
    const res = await usage.setLimits(user.id, {
      user_monthly_usd: monthly.value,
      session_usd: session.value,
      user_rpm: rpm.value,
    });
    if (!res.ok) return setError(res.error.message);
    setError(null);
    props.onSaved();
  };
  return (
    <Modal
      open={props.user !== null}
      onOpenChange={(open) => !open && props.onClose()}
      title={`Limits for ${props.user?.name ?? ""}`}
      description="Leave a field blank to use the server default; 0 means no limit."
    >
      <Loaded result={current()}>
        {(l) => (
          <form class="stack" onSubmit={submit}>
            <Field label="Monthly budget (USD)" hint={`Default: ${limitText(l().defaults.user_monthly_usd)}`}>
              {(a) => (
                <input
                  {...a}
                  name="user_monthly_usd"
                  inputmode="decimal"
                  value={value(l(), "user_monthly_usd")}
                />
              )}
            </Field>
            <Field label="Per conversation (USD)" hint={`Default: ${limitText(l().defaults.session_usd)}`}>
              {(a) => (
                <input {...a} name="session_usd" inputmode="decimal" value={value(l(), "session_usd")} />
              )}
            </Field>
            <Field
              label="Requests per minute"
              hint={`Default: ${l().defaults.user_rpm > 0 ? l().defaults.user_rpm : "no limit"}`}
            >
              {(a) => <input {...a} name="user_rpm" inputmode="numeric" value={value(l(), "user_rpm")} />}
            </Field>
            <Show when={error()}>
              <p class="note error" role="alert">
                {error()}
              </p>
            </Show>
            <div class="row">
              <span class="spacer" />
              <button type="button" class="btn" onClick={props.onClose}>
                Cancel
              </button>
              <button type="submit" class="btn primary">
                Save limits
              </button>
            </div>
          </form>
        )}
      </Loaded>
    </Modal>
  );
}
