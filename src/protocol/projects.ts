import * as v from "valibot";
import { idSchema } from "./ids.ts";
import { ProjectShare } from "./members.ts";

/**
 * Projects and sessions over HTTP (JSON). Errors are `{error: {code, message}}` as everywhere.
 *
 *   GET    /api/projects                      → { projects: Project[], shared: Project[] }  (shared: with `share`)
 *   POST   /api/projects  CreateProjectBody   → { project }
 *   GET    /api/projects/:id                  → { project }
 *   PATCH  /api/projects/:id UpdateProjectBody → { project }
 *   DELETE /api/projects/:id                  → { ok: true }      (its sessions and folder too)
 *   GET    /api/projects/:id/sessions         → { sessions: Session[] }
 *   GET    /api/project-templates             → { templates: Template[] }
 *   GET    /api/sandbox-profiles              → SandboxProfiles (names, and each one's description)
 *   GET    /api/sessions                      → { sessions: Session[] }   (mine and shared projects')
 *   GET    /api/sessions/search?q=&project_id= → { hits: SearchHit[] }   (the same reach)
 *   GET    /api/sessions/:id                  → { session }
 *   GET    /api/sessions/:id/messages?after_seq=&limit= → { messages: Message[], last_seq }
 */

export const Project = v.object({
  id: v.string(),
  name: v.string(),
  slug: v.string(),
  profile: v.string(),
  default_model: v.nullable(v.string()),
  template: v.nullable(v.string()),
  /** A new conversation's first prompt gets the most relevant memories ("used N memories"). */
  use_memories: v.boolean(),
  created_at: v.number(),
  updated_at: v.number(),
  last_activity_at: v.number(),
  /** The caller's standing (decision 0030): set on projects shared with them, and on a GET. */
  share: v.optional(ProjectShare),
});
export type Project = v.InferOutput<typeof Project>;

const profileName = v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "a sandbox profile name"));
const modelRef = v.pipe(
  v.string(),
  v.maxLength(200),
  v.regex(/^[^/\s]+\/\S+$/, "a model as provider/model-id"),
);

export const CreateProjectBody = v.strictObject({
  name: v.pipe(v.string(), v.maxLength(200)),
  template: v.optional(v.pipe(v.string(), v.maxLength(64))),
  profile: v.optional(profileName),
  default_model: v.optional(v.nullable(modelRef)),
});
export const UpdateProjectBody = v.strictObject({
  name: v.optional(v.pipe(v.string(), v.maxLength(200))),
  profile: v.optional(profileName),
  default_model: v.optional(v.nullable(modelRef)),
  use_memories: v.optional(v.boolean()),
});

export const SandboxProfiles = v.object({
  profiles: v.array(v.string()),
  /** What each profile allows, in a sentence (from its `description`), for the pickers. */
  details: v.array(v.object({ name: v.string(), description: v.string() })),
});
export type SandboxProfiles = v.InferOutput<typeof SandboxProfiles>;

export const Template = v.object({ name: v.string(), description: v.string(), profile: v.string() });

export const Session = v.object({
  id: v.string(),
  project_id: v.string(),
  title: v.string(),
  model: v.nullable(v.string()),
  profile: v.string(),
  status: v.picklist(["starting", "ready", "sleeping", "closed"]),
  last_seq: v.number(),
  created_at: v.number(),
  updated_at: v.number(),
  parent_id: v.nullable(v.string()),
  /** The member who started it in a shared project (a user id); null: the project's owner. */
  created_by: v.optional(v.nullable(v.string())),
});
export type Session = v.InferOutput<typeof Session>;

export const SearchHit = v.object({
  session_id: v.string(),
  project_id: v.string(),
  message_id: v.string(),
  role: v.string(),
  created_at: v.number(),
  seq: v.number(),
  snippet: v.string(),
});

export const SessionIdParam = idSchema("ses");
export const ProjectIdParam = idSchema("prj");
