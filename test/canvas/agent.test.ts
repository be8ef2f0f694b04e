import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { Client } from "../http/client.ts";
import { addUser } from "../http/harness.ts";
import { AgentTab, createProject, type SessionWorld, startWorld } from "../sessions/harness.ts";

/**
 * The canvas from both sides: a real session in a real sandbox runs `octo-tool canvas …` with its
 * bash tool (the scripted model asks for it); people read, upload and delete over HTTP, and another
 * user reaches none of it.
 */
setDefaultTimeout(180_000);

let w: SessionWorld;
let tab: AgentTab;
let alpha: string;
let bob: Client;
let bobProject: string;
let session: string;
let prompts = 0;

interface Artifact {
  id: string;
  title: string;
  kind: string;
  revision: number;
  revisions: number;
  size: number;
  path: string;
  updated_by: { kind: string; session_id?: string; username?: string };
}

beforeAll(async () => {
  w = await startWorld();
  alpha = await createProject(w.admin, "Alpha");
  await addUser(w.admin, "bob", "bob-password-1");
  bob = new Client(w.t.url);
  await bob.login("bob", "bob-password-1");
  bobProject = await createProject(bob, "Bobs");
  tab = await AgentTab.open(w.t.url, w.admin.cookie);
  const created = await tab.ok<{ session_id: string }>("session.create", { project_id: alpha });
  session = created.session_id;
  await tab.ok("session.subscribe", { session_id: session });
  await tab.waitEvent(session, (f) => f.event === "session.state", "session.state", 150_000);
});
afterAll(async () => {
  await tab?.close();
  await w?.stop();
});

/** The agent runs `command` with its bash tool; returns the tool's result as the model sees it. */
async function agentRuns(command: string): Promise<{ output: string; isError: boolean }> {
  w.fx.enqueue([{ toolCall: { name: "bash", args: { command } } }], [{ text: "done" }]);
  const idles = tab.events(session).filter((f) => f.event === "agent.idle").length;
  await tab.ok("prompt", { session_id: session, message: `run ${command}`, client_id: `p-${++prompts}` });
  await tab.waitIdle(session, idles + 1, 150_000);
  const end = tab
    .events(session)
    .filter((f) => f.event === "tool.end")
    .at(-1);
  if (!end) throw new Error(`no tool.end among ${tab.events(session).map((f) => f.event)}`);
  return { output: String(end.output), isError: end.is_error === true };
}

const list = async (c: Client, project: string) =>
  (await c.get<{ artifacts: Artifact[] }>(`/api/projects/${project}/canvas`)).body.artifacts;

describe("the agent publishes through the tool socket", () => {
  let reportId = "";

  test("publish, publish again (a revision), list and show", async () => {
    const first = await agentRuns(
      "printf '# Findings\\n\\nAll **green**.\\n' > report.md && octo-tool canvas publish report.md --title 'Findings'",
    );
    expect(first.isError).toBe(false);
    reportId = /Published (cnv_[0-9a-f]{28}) "Findings" \(markdown/.exec(first.output)?.[1] ?? "";
    expect(reportId).not.toBe("");
    const [a] = await list(w.admin, alpha);
    expect(a).toMatchObject({ id: reportId, title: "Findings", kind: "markdown", revision: 1 });
    expect(a?.path.endsWith("/report.md")).toBe(true);
    expect(a?.updated_by).toEqual({ kind: "session", session_id: session });

    const again = await agentRuns(
      "printf '# Findings\\n\\nStill green.\\n' > report.md && octo-tool canvas publish report.md",
    );
    expect(again.output).toContain(`Published revision 2 of ${reportId} "Findings"`);
    const content = await fetch(`${w.t.url}/api/projects/${alpha}/canvas/${reportId}/revisions/2/content`, {
      headers: { cookie: `octo_session=${w.admin.cookie}` },
    });
    expect(await content.text()).toBe("# Findings\n\nStill green.\n");
    const old = await fetch(`${w.t.url}/api/projects/${alpha}/canvas/${reportId}/revisions/1/content`, {
      headers: { cookie: `octo_session=${w.admin.cookie}` },
    });
    expect(await old.text()).toContain("All **green**.");

    const shown = await agentRuns(`octo-tool canvas list && octo-tool canvas show ${reportId}`);
    expect(shown.output).toContain(`${reportId}  Findings  [markdown; revision 2;`);
    expect(shown.output).toContain("Revisions (2):");
    expect(shown.output).toContain(`by session ${session}`);
  });

  test("a file bigger than one tool line travels in chunks and arrives whole", async () => {
    // 1 MiB + a few bytes of a valid PNG header followed by noise: chunked (160 KiB per call).
    const made = await agentRuns(
      "{ printf '\\x89PNG\\r\\n\\x1a\\n'; head -c 1048600 /dev/urandom; } > big.png && sha256sum big.png && octo-tool canvas publish big.png",
    );
    expect(made.isError).toBe(false);
    const sha = /^([0-9a-f]{64}) {2}big\.png$/m.exec(made.output)?.[1];
    const id = /Published (cnv_[0-9a-f]{28}) "big\.png" \(image/.exec(made.output)?.[1];
    expect(sha && id).toBeTruthy();
    const detail = await w.admin.get<{ revisions: { sha256: string; size: number; mime: string }[] }>(
      `/api/projects/${alpha}/canvas/${id}`,
    );
    expect(detail.body.revisions[0]).toMatchObject({ sha256: sha, size: 1048608, mime: "image/png" });
  });

  test("too big, unknown kind, a missing file and bad or foreign ids fail with stable codes", async () => {
    const big = await agentRuns(
      `head -c 5242881 /dev/zero > huge.md; octo-tool canvas publish huge.md; echo "exit=$?"`,
    );
    expect(big.output).toMatch(
      /octo-tool: payload_too_large: the artifact is 5242881 bytes; the canvas takes at most 5242880/,
    );
    expect(big.output).toContain("exit=1");
    const txt = await agentRuns(`echo hello > notes.txt; octo-tool canvas publish notes.txt; echo "exit=$?"`);
    expect(txt.output).toContain("octo-tool: unknown_kind: cannot tell what");
    const fake = await agentRuns(`echo hello > fake.png; octo-tool canvas publish fake.png; echo "exit=$?"`);
    expect(fake.output).toContain("octo-tool: unknown_kind: ");
    expect(fake.output).toContain("is not a PNG, JPEG, WebP or GIF image");
    const kind = await agentRuns(`octo-tool canvas publish notes.txt --kind poster; echo "exit=$?"`);
    expect(kind.output).toContain("octo-tool: unknown_kind: --kind must be one of");
    const asMd = await agentRuns("octo-tool canvas publish notes.txt --kind markdown");
    expect(asMd.output).toMatch(/Published cnv_[0-9a-f]{28} "notes\.txt" \(markdown/);
    const missing = await agentRuns(`octo-tool canvas publish nowhere.md; echo "exit=$?"`);
    expect(missing.output).toContain("octo-tool: not_found: cannot read nowhere.md: ENOENT");
    const badId = await agentRuns(`octo-tool canvas show cnv_nope; echo "exit=$?"`);
    expect(badId.output).toMatch(/octo-tool: validation_failed: canvas show: id: expected a cnv_ id/);

    const theirs = await bobUpload(
      "bob.svg",
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
    );
    expect(theirs.status).toBe(200);
    const foreign = await agentRuns(`octo-tool canvas show ${theirs.body.artifact.id}; echo "exit=$?"`);
    expect(foreign.output).toContain("octo-tool: not_found: no such canvas artifact");
    const listed = await agentRuns("octo-tool canvas list");
    expect(listed.output).not.toContain(theirs.body.artifact.id);
  });
});

async function bobUpload(
  name: string,
  body: string | Uint8Array<ArrayBuffer>,
  project = bobProject,
  who = bob,
) {
  const res = await fetch(
    `${w.t.url}/api/projects/${project}/canvas/upload?name=${encodeURIComponent(name)}`,
    {
      method: "POST",
      headers: {
        cookie: `octo_session=${who.cookie}`,
        origin: w.t.url,
        "content-type": "application/octet-stream",
      },
      body,
    },
  );
  return { status: res.status, body: (await res.json()) as { artifact: Artifact; error?: { code: string } } };
}

describe("people over HTTP", () => {
  test("a person uploads; the same name again is a revision; the bytes come with the sandboxing CSP", async () => {
    const html = "<!doctype html><p>hi</p><script>document.title='x'</script>";
    const first = await bobUpload("page.html", html, alpha, w.admin);
    expect(first.status).toBe(200);
    expect(first.body.artifact).toMatchObject({
      kind: "html",
      revision: 1,
      updated_by: { kind: "person", username: w.t.admin.username },
    });
    const second = await bobUpload("page.html", `${html}<p>two</p>`, alpha, w.admin);
    expect(second.body.artifact).toMatchObject({ id: first.body.artifact.id, revision: 2, revisions: 2 });
    const res = await fetch(
      `${w.t.url}/api/projects/${alpha}/canvas/${first.body.artifact.id}/revisions/2/content`,
      { headers: { cookie: `octo_session=${w.admin.cookie}` } },
    );
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("sandbox allow-scripts");
    expect(csp).not.toContain("connect-src");
    expect(csp).not.toContain("allow-same-origin");
    expect(await res.text()).toContain("<p>two</p>");
  });

  test("bad uploads: too big (413), unknown kind (415), no name, a bad revision", async () => {
    const big = await bobUpload("big.md", new Uint8Array(5 * 1024 * 1024 + 1));
    expect([big.status, big.body.error?.code]).toEqual([413, "payload_too_large"]);
    const odd = await bobUpload("data.bin", new Uint8Array([0, 1, 2, 255]));
    expect([odd.status, odd.body.error?.code]).toEqual([415, "unknown_kind"]);
    const res = await fetch(`${w.t.url}/api/projects/${bobProject}/canvas/upload`, {
      method: "POST",
      headers: { cookie: `octo_session=${bob.cookie}`, origin: w.t.url },
      body: "# x",
    });
    expect(res.status).toBe(422);
    const mine = (await list(bob, bobProject))[0];
    const rev = await bob.get(`/api/projects/${bobProject}/canvas/${mine?.id}/revisions/0/content`);
    expect(rev.code).toBe("validation_failed");
    const nine = await bob.get(`/api/projects/${bobProject}/canvas/${mine?.id}/revisions/9/content`);
    expect(nine.code).toBe("not_found");
  });

  test("another user gets 404 for every canvas route of someone else's project or artifact", async () => {
    const [a] = await list(w.admin, alpha);
    if (!a) throw new Error("no artifact");
    const paths = [
      `/api/projects/${alpha}/canvas`,
      `/api/projects/${alpha}/canvas/${a.id}`,
      `/api/projects/${alpha}/canvas/${a.id}/revisions/1/content`,
      // Their own project with someone else's artifact id is not found either.
      `/api/projects/${bobProject}/canvas/${a.id}`,
      `/api/projects/${bobProject}/canvas/${a.id}/revisions/1/content`,
    ];
    for (const p of paths) expect([p, (await bob.get(p)).status]).toEqual([p, 404]);
    expect((await bob.delete(`/api/projects/${alpha}/canvas/${a.id}`)).status).toBe(404);
    expect((await bob.delete(`/api/projects/${bobProject}/canvas/${a.id}`)).status).toBe(404);
    expect((await bobUpload("x.md", "# mine now", alpha)).status).toBe(404);
    // Nothing changed for the owner.
    expect((await list(w.admin, alpha)).find((x) => x.id === a.id)).toMatchObject({ revision: a.revision });
    expect((await new Client(w.t.url).get(`/api/projects/${alpha}/canvas`)).status).toBe(401);
    // The owner deletes it.
    expect((await w.admin.delete(`/api/projects/${alpha}/canvas/${a.id}`)).status).toBe(200);
    expect((await w.admin.get(`/api/projects/${alpha}/canvas/${a.id}`)).status).toBe(404);
  });
});
