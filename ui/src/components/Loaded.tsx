import { type Accessor, type JSX, Show } from "solid-js";
import type { ApiResult } from "../api/http.ts";

/** Renders an API result: "Loading…" until it arrives, the error if it failed, else the children. */
export function Loaded<T>(props: {
  result: ApiResult<T> | undefined;
  children: (value: Accessor<T>) => JSX.Element;
  /** Replaces the error box, e.g. for a clear "not found" page. */
  error?: (error: { code: string; message: string; status: number }) => JSX.Element;
}) {
  const value = () => (props.result?.ok ? props.result.value : undefined);
  const error = () => (props.result && !props.result.ok ? props.result.error : undefined);
  return (
    <Show
      when={props.result}
      fallback={
        <p class="muted" role="status">
          Loading…
        </p>
      }
    >
      <Show
        when={value()}
        fallback={
          <Show when={error()}>
            {(e) =>
              props.error ? (
                props.error(e())
              ) : (
                <div class="note error" role="alert">
                  {e().message}
                </div>
              )
            }
          </Show>
        }
      >
        {(v) => props.children(v)}
      </Show>
    </Show>
  );
}
