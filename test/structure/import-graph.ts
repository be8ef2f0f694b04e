/**
 * The project's import graph, read from the source text: every relative import (static, `export …
 * from`, side-effect and dynamic) of every .ts/.tsx file under src/, runner/ and ui/src/, resolved
 * to a repository path. Bare specifiers (packages, `node:`, `bun:`) are kept by name.
 */
import { dirname, join, relative, resolve } from "node:path";

export interface ModuleImports {
  /** Repository-relative paths of the modules this file imports. */
  local: string[];
  /** Package names (`valibot`, `node:fs`, `solid-js/web`, …). */
  packages: string[];
}

const SPECIFIER =
  /(?:^|[\s;}])(?:import|export)\s+(?:type\s+)?(?:[^'"`;]*?\s+from\s+)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

export function importsOf(source: string): string[] {
  const found: string[] = [];
  const withoutComments = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
  for (const m of withoutComments.matchAll(SPECIFIER)) found.push((m[1] ?? m[2]) as string);
  return found;
}

export async function readGraph(root: string, folders: string[]): Promise<Map<string, ModuleImports>> {
  const graph = new Map<string, ModuleImports>();
  for (const folder of folders) {
    for await (const file of new Bun.Glob(`${folder}/**/*.{ts,tsx}`).scan({ cwd: root })) {
      if (/(^|\/)(node_modules|dist)\//.test(file)) continue;
      const text = await Bun.file(join(root, file)).text();
      const local: string[] = [];
      const packages: string[] = [];
      for (const spec of importsOf(text)) {
        if (spec.startsWith(".")) local.push(relative(root, resolve(dirname(join(root, file)), spec)));
        else packages.push(spec);
      }
      graph.set(file, { local, packages });
    }
  }
  return graph;
}

/** Every import circle among the graph's modules, each as the list of files around it. */
export function cycles(graph: Map<string, ModuleImports>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, "open");
    stack.push(file);
    for (const next of graph.get(file)?.local ?? []) {
      if (!graph.has(next)) continue;
      const s = state.get(next);
      if (s === "open") found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (s === undefined) visit(next);
    }
    stack.pop();
    state.set(file, "done");
  };
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
  return found;
}

export interface ImportRule {
  name: string;
  /** The files the rule speaks of. */
  applies: (file: string) => boolean;
  /** Whether `file` may import the local module `target`. */
  allowsLocal: (target: string) => boolean;
  /** Whether it may import the package `name` (default: any). */
  allowsPackage?: (name: string) => boolean;
}

const under =
  (...prefixes: string[]) =>
  (path: string) =>
    prefixes.some((p) => path.startsWith(p));

/** The one compiled binary's entry: it starts `octo`, `octo-runner` or `octo-sandbox` by invoked name. */
const ENTRY = "src/entry.ts";
const PROGRAMS = new Set(["src/main.ts", "runner/main.ts", "runner/sandbox/main.ts"]);

/** The layering the architecture page describes; `violations` lists every import that breaks it. */
export const RULES: ImportRule[] = [
  {
    name: "the protocol imports only valibot and itself",
    applies: under("src/protocol/"),
    allowsLocal: under("src/protocol/"),
    allowsPackage: (name) => name === "valibot",
  },
  {
    name: "the shared kit imports only itself, the protocol and the embedded profiles",
    applies: under("src/shared/"),
    allowsLocal: under("src/shared/", "src/protocol/", "profiles/", "package.json"),
  },
  {
    name: "the runner imports server code only through the shared kit and the protocol",
    applies: under("runner/"),
    allowsLocal: under("runner/", "src/shared/", "src/protocol/"),
  },
  {
    name: "the server never imports the runner",
    applies: (file) => file.startsWith("src/") && file !== ENTRY,
    allowsLocal: (target) => !target.startsWith("runner/"),
  },
  {
    name: "HTTP routes reach storage only through domain services",
    applies: under("src/http/"),
    allowsLocal: (target) => !under("src/storage/", "src/history/")(target),
    allowsPackage: (name) => name !== "bun:sqlite",
  },
  {
    name: "the compiled binary's entry only picks a program by name",
    applies: (file) => file === ENTRY,
    allowsLocal: (target) => [...PROGRAMS].includes(target),
  },
  {
    name: "the UI imports nothing of the server but the protocol",
    applies: under("ui/"),
    allowsLocal: under("ui/", "src/protocol/"),
  },
];

export function violations(graph: Map<string, ModuleImports>, rules: ImportRule[] = RULES): string[] {
  const out: string[] = [];
  for (const [file, imports] of graph) {
    if (file.endsWith(".test.ts") || file.endsWith(".test.tsx")) continue;
    for (const rule of rules) {
      if (!rule.applies(file)) continue;
      for (const target of imports.local) {
        if (!rule.allowsLocal(target)) out.push(`${file} imports ${target}: ${rule.name}`);
      }
      for (const name of imports.packages) {
        if (rule.allowsPackage && !rule.allowsPackage(name))
          out.push(`${file} imports ${name}: ${rule.name}`);
      }
    }
  }
  return [...new Set(out)].sort();
}
