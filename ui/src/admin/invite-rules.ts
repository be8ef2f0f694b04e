import type { Invite } from "../../../src/protocol/api.ts";

/** Why an invite can or cannot be used now; the server's `usable` is the authority, this names the reason. */
export type InviteStatus = "usable" | "revoked" | "expired" | "used up";

export function inviteStatus(invite: Invite, now = Date.now()): InviteStatus {
  if (invite.revoked) return "revoked";
  if (invite.expires_at !== null && invite.expires_at <= now) return "expired";
  if (invite.uses >= invite.max_uses) return "used up";
  return invite.usable ? "usable" : "expired";
}

export const inviteLink = (origin: string, code: string) =>
  `${origin}/signup?code=${encodeURIComponent(code)}`;

/** Expiry choices offered when creating an invite, in seconds (undefined: never). */
export const EXPIRY_CHOICES: readonly { label: string; seconds: number | undefined }[] = [
  { label: "1 hour", seconds: 3600 },
  { label: "1 day", seconds: 86400 },
  { label: "7 days", seconds: 7 * 86400 },
  { label: "30 days", seconds: 30 * 86400 },
  { label: "Never", seconds: undefined },
];

/** Turns the create form into the request body, or says what is wrong. */
export function parseInviteForm(fields: { max_uses: string; expiry: string; note: string; role: string }):
  | { ok: true; value: { max_uses: number; expires_in?: number; note: string; role: "admin" | "user" } }
  | {
      ok: false;
      error: string;
    } {
  const uses = Number(fields.max_uses);
  if (!Number.isInteger(uses) || uses < 1 || uses > 10_000)
    return { ok: false, error: "Uses: a whole number from 1 to 10,000." };
  const note = fields.note.trim();
  if (note.length > 200) return { ok: false, error: "The note has at most 200 characters." };
  const choice = EXPIRY_CHOICES.find((c) => c.label === fields.expiry);
  if (!choice) return { ok: false, error: "Pick when the invite expires." };
  const role = fields.role === "admin" ? "admin" : "user";
  return {
    ok: true,
    value: {
      max_uses: uses,
      note,
      role,
      ...(choice.seconds === undefined ? {} : { expires_in: choice.seconds }),
    },
  };
}

/** What an invited person gets, in the words of the server's mode (shown in the invite dialog). */
export function isolationNote(mode: "single-user" | "multi-user" | undefined): string {
  return mode === "multi-user"
    ? "They get a Linux account of their own (octo_<name>) and their own workspace."
    : "They get project folders of their own. In single-user mode everyone's agents run as one Linux " +
        "account and are kept apart by the sandbox only; for one Linux account each, install octo as a " +
        "service (multi-user mode: octo install).";
}
