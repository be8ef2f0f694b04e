import { expect, test } from "bun:test";
import { allows } from "./access.ts";

test("what each standing allows: viewers read, editors write, the terminal is a separate grant", () => {
  const table = (["owner", "editor", "viewer"] as const).flatMap((role) =>
    [false, true].map((terminal) => ({
      role,
      terminal,
      read: allows({ role, terminal }, "read"),
      write: allows({ role, terminal }, "write"),
      shell: allows({ role, terminal }, "terminal"),
      owner: allows({ role, terminal }, "owner"),
    })),
  );
  expect(table).toEqual([
    { role: "owner", terminal: false, read: true, write: true, shell: true, owner: true },
    { role: "owner", terminal: true, read: true, write: true, shell: true, owner: true },
    { role: "editor", terminal: false, read: true, write: true, shell: false, owner: false },
    { role: "editor", terminal: true, read: true, write: true, shell: true, owner: false },
    { role: "viewer", terminal: false, read: true, write: false, shell: false, owner: false },
    { role: "viewer", terminal: true, read: true, write: false, shell: true, owner: false },
  ]);
});
