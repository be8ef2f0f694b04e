import { A } from "@solidjs/router";
import { children, For, type JSX, Show } from "solid-js";
import type { ApiResult } from "../api/http.ts";
import { Loaded } from "./Loaded.tsx";

/**
 * The one list pattern of API keys, invites, users and projects: a loaded list (or its empty state),
 * one row per item with an icon, a title, facts beneath and its actions at the end. Actions that
 * cannot be undone are `ConfirmButton`s whose request runs through `confirmed`, so every such action
 * asks first and shows its failure in the same dialog.
 */
export function ResourceList<V, T>(props: {
  /** The list's accessible name. */
  label: string;
  result: ApiResult<V> | undefined;
  items: (value: V) => readonly T[];
  /** Shown instead of an empty list. */
  empty?: JSX.Element;
  error?: (error: { code: string; message: string; status: number }) => JSX.Element;
  /** Rows are links (`ResourceRow href`): the list is a navigation landmark instead of a list. */
  links?: boolean;
  class?: string;
  style?: JSX.CSSProperties;
  children: (item: T) => JSX.Element;
}) {
  return (
    <Loaded result={props.result} error={props.error}>
      {(value) => (
        <Show when={props.items(value()).length > 0} fallback={props.empty}>
          <Show
            when={props.links}
            fallback={
              <ul class={`list ${props.class ?? ""}`} style={props.style} aria-label={props.label}>
                <For each={props.items(value())}>{props.children}</For>
              </ul>
            }
          >
            <nav class={`list ${props.class ?? ""}`} style={props.style} aria-label={props.label}>
              <For each={props.items(value())}>{props.children}</For>
            </nav>
          </Show>
        </Show>
      )}
    </Loaded>
  );
}

/** One row. The children are its actions; `data` names the row for tests and styles (`data-user`, …). */
export function ResourceRow(props: {
  icon?: JSX.Element;
  title: JSX.Element;
  facts: JSX.Element;
  /** The whole row is a link (inside a `links` list). */
  href?: string;
  data?: Record<`data-${string}`, string>;
  children?: JSX.Element;
}) {
  const actions = children(() => props.children);
  const body = (
    <>
      {props.icon}
      <div class="grow">
        <div class="title">{props.title}</div>
        <div class="muted small">{props.facts}</div>
      </div>
      <Show when={actions.toArray().length > 0}>
        <div class="row">{actions()}</div>
      </Show>
    </>
  );
  return (
    <Show
      when={props.href}
      fallback={
        <li class="list-item" {...props.data}>
          {body}
        </li>
      }
    >
      {(href) => (
        <A class="list-item" href={href()} {...props.data}>
          {body}
        </A>
      )}
    </Show>
  );
}

/**
 * A `ConfirmButton`'s `onConfirm` for one request: on success `then` runs (a refetch, usually) and the
 * dialog closes; on failure the server's message stays in the dialog.
 */
export const confirmed =
  (request: () => Promise<ApiResult<unknown>>, then: () => void) => async (): Promise<string | null> => {
    const res = await request();
    if (!res.ok) return res.error.message;
    then();
    return null;
  };
