import { createContext, useContext } from "solid-js";
import type { ProjectShare } from "../../../src/protocol/members.ts";

/**
 * The signed-in user's standing in the open project (decision 0030), as an accessor: it changes
 * while the project is open when the owner changes the role. Undefined: the user's own project.
 */
export const ProjectShareContext = createContext<() => ProjectShare | undefined>(() => undefined);

export const useProjectShare = (): (() => ProjectShare | undefined) => useContext(ProjectShareContext);

/** Viewers read; editors and the owner chat and change files. */
export const canWrite = (s: ProjectShare | undefined): boolean => s?.role !== "viewer";

export const isOwner = (s: ProjectShare | undefined): boolean => !s || s.role === "owner";

/** "Shared by ana · viewer", for a project someone else owns; null for one's own. */
export const shareLabel = (s: ProjectShare | undefined): string | null =>
  s && s.role !== "owner" ? `Shared by ${s.owner} · ${s.role}${s.terminal ? " · terminal" : ""}` : null;
