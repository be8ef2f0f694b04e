import type { AgentEvent } from "../../src/protocol/agent.ts";

/**
 * pi `extension_ui_request` → canonical event. Dialogs (confirm/select/input/editor) block the
 * extension until answered and become `agent.input_needed`; everything else is fire-and-forget and
 * becomes an `agent.notice`. Unknown methods are dropped (a newer pi may add some).
 */
type Obj = Record<string, unknown>;
const str = (x: unknown): string | undefined => (typeof x === "string" ? x : undefined);
const opt = <K extends string, T>(key: K, value: T | undefined) =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: T };

export function dialogOrNotice(e: Obj): AgentEvent | undefined {
  const id = str(e.id);
  const method = str(e.method);
  if (!id || !method) return undefined;
  const title = str(e.title) ?? "";
  const timeout = typeof e.timeout === "number" && e.timeout > 0 ? Math.floor(e.timeout) : undefined;
  const base = { id, title, ...opt("timeout_ms", timeout) };
  switch (method) {
    case "confirm":
      return {
        event: "agent.input_needed",
        request: { ...base, kind: "confirm", ...opt("message", str(e.message)) },
      };
    case "select": {
      const options = Array.isArray(e.options)
        ? e.options.filter((o): o is string => typeof o === "string")
        : [];
      return { event: "agent.input_needed", request: { ...base, kind: "select", options } };
    }
    case "input":
      return {
        event: "agent.input_needed",
        request: { ...base, kind: "input", ...opt("placeholder", str(e.placeholder)) },
      };
    case "editor":
      return {
        event: "agent.input_needed",
        request: { ...base, kind: "editor", ...opt("prefill", str(e.prefill)) },
      };
    case "notify": {
      const t = e.notifyType;
      const level = t === "warning" || t === "error" ? t : "info";
      return { event: "agent.notice", kind: "notify", level, text: str(e.message) ?? "" };
    }
    case "setStatus":
      return {
        event: "agent.notice",
        kind: "status",
        key: str(e.statusKey) ?? "",
        ...opt("text", str(e.statusText)),
      };
    case "setWidget": {
      const lines = Array.isArray(e.widgetLines)
        ? e.widgetLines.filter((l): l is string => typeof l === "string")
        : undefined;
      return { event: "agent.notice", kind: "widget", key: str(e.widgetKey) ?? "", ...opt("lines", lines) };
    }
    case "setTitle":
      return { event: "agent.notice", kind: "title", text: title };
    case "set_editor_text":
      return { event: "agent.notice", kind: "editor_text", text: str(e.text) ?? "" };
    default:
      return undefined;
  }
}
