import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Result } from "../../src/protocol/errors.ts";

/** A temp workspace with projects `p` and `other`, and a folder outside the workspace. */
export interface Sandbox {
  base: string;
  root: string;
  project: string;
  outside: string;
  at(path: string): { root: string; project: string; path: string };
  put(rel: string, content: string | Uint8Array): string;
  cleanup(): void;
}

export function makeWorkspace(prefix = "octo-fs-"): Sandbox {
  const base = mkdtempSync(join("/tmp", prefix));
  const root = join(base, "workspace");
  const project = join(root, "p");
  const outside = join(base, "outside");
  mkdirSync(project, { recursive: true });
  mkdirSync(join(root, "other"));
  mkdirSync(outside);
  writeFileSync(join(outside, "secret.txt"), "outside secret");
  writeFileSync(join(root, "other", "secret.txt"), "sibling secret");
  return {
    base,
    root,
    project,
    outside,
    at: (path) => ({ root, project: "p", path }),
    put(rel, content) {
      const file = join(project, rel);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, content);
      return file;
    },
    cleanup: () => rmSync(base, { recursive: true, force: true }),
  };
}

/** The value of a result that must have succeeded (fails the test with the error otherwise). */
export function must<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(`expected success, got ${r.error.code}: ${r.error.message}`);
  return r.value;
}

/** The error code of a result that must have failed. */
export function codeOf(r: Result<unknown>): string {
  if (r.ok) throw new Error(`expected a failure, got ${JSON.stringify(r.value).slice(0, 200)}`);
  return r.error.code;
}

/** Resolves when `check()` holds, re-checking on every `wake()`; rejects after `ms`. */
export function waitFor<T>(what: string, check: () => T | undefined, ms = 10_000) {
  let wake = () => {};
  const done = new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    wake = () => {
      const v = check();
      if (v !== undefined) {
        clearTimeout(timer);
        resolve(v);
      }
    };
  });
  return { done, wake: () => wake() };
}

export const bytes = (s: string) => new TextEncoder().encode(s);
