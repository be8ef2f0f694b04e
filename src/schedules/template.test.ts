import { expect, test } from "bun:test";
import { renderTemplate } from "./template.ts";

const body = {
  build: { id: 42, status: "failed", log: "npm ERR!" },
  commits: [{ message: "fix it" }],
  n: null,
};

test("{{body}} is the pretty JSON, {{body.a.b}} one field, {{event}} the header", () => {
  expect(renderTemplate("see {{ body.build.status }} #{{body.build.id}} ({{event}})", body, "ci")).toBe(
    "see failed #42 (ci)",
  );
  expect(renderTemplate("{{body}}", { a: 1 }, null)).toBe('{\n  "a": 1\n}');
  expect(renderTemplate("{{body.commits.0.message}} / {{body.build}}", body, null)).toBe(
    'fix it / {"id":42,"status":"failed","log":"npm ERR!"}',
  );
});

test("missing fields are empty; prototype keys are not reachable; body text is not re-expanded", () => {
  expect(renderTemplate("[{{body.nope.deeper}}][{{body.constructor}}][{{body.n}}]", body, null)).toBe(
    "[][][null]",
  );
  expect(renderTemplate("{{body.x}}", { x: "{{event}}" }, "secret-event")).toBe("{{event}}");
  expect(renderTemplate("{{unknown}} {{event}}", {}, null)).toBe("{{unknown}} ");
});
