import blankProject from "../../templates/blank/.octo/project.toml" with { type: "text" };
import blankAgents from "../../templates/blank/AGENTS.md" with { type: "text" };
import notesProject from "../../templates/notes/.octo/project.toml" with { type: "text" };
import notesAgents from "../../templates/notes/AGENTS.md" with { type: "text" };

/** A project template: files to write, relative to the new project folder. Embedded in the binary. */
export interface Template {
  name: string;
  description: string;
  profile: string;
  files: Record<string, string>;
}

export const TEMPLATES: Record<string, Template> = {
  blank: {
    name: "blank",
    description: "An empty project with an AGENTS.md to describe it",
    profile: "default",
    files: { "AGENTS.md": blankAgents, ".octo/project.toml": blankProject },
  },
  notes: {
    name: "notes",
    description: "Writing and research in Markdown, no network",
    profile: "strict",
    files: { "AGENTS.md": notesAgents, ".octo/project.toml": notesProject },
  },
};

export const DEFAULT_TEMPLATE = "blank";
