import { createResource, createUniqueId, For } from "solid-js";
import { listSandboxProfiles } from "./projects-api.ts";
import "./profile-picker.css";

/** Shown until the server's list arrives (and for the four profiles shipped with octo). */
const SHIPPED: Record<string, string> = {
  default: "Development: toolchains read-only, network through the egress proxy",
  strict: "No network, nothing of home, tight limits",
  minimal: "Project folder and system programs only; no network",
  open: "Host network (chosen by the user); toolchains read-only",
};

/**
 * The sandbox profile as radio choices: each with its name and what it allows, wrapped in full at
 * any width (a select cut the descriptions off on phones and had room for none in Settings).
 */
export function ProfilePicker(props: { name?: string; value: string; onChange?: (profile: string) => void }) {
  const [listed] = createResource(listSandboxProfiles);
  const id = createUniqueId();
  const choices = () => {
    const r = listed();
    const details = r?.ok
      ? r.value.details
      : Object.entries(SHIPPED).map(([name, description]) => ({ name, description }));
    // The current value stays choosable even if it is no longer on the server.
    return details.some((d) => d.name === props.value)
      ? details
      : [...details, { name: props.value, description: "" }];
  };
  return (
    <fieldset class="profile-picker">
      <legend>Sandbox profile</legend>
      <p class="hint">What the agent and terminals may touch: files, network, processes.</p>
      <For each={choices()}>
        {(p) => (
          <label class="profile-choice" data-profile={p.name}>
            {/* Named by the profile, described by its sentence: "strict, radio button, No network…". */}
            <input
              type="radio"
              name={props.name ?? "profile"}
              value={p.name}
              checked={p.name === props.value}
              onChange={() => props.onChange?.(p.name)}
              aria-labelledby={`${id}-${p.name}`}
              aria-describedby={p.description ? `${id}-${p.name}-desc` : undefined}
            />
            <span>
              <span class="profile-name" id={`${id}-${p.name}`}>
                {p.name}
              </span>
              <span class="profile-desc" id={`${id}-${p.name}-desc`}>
                {p.description}
              </span>
            </span>
          </label>
        )}
      </For>
    </fieldset>
  );
}
