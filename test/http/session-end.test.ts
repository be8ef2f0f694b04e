import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { MuxClient } from "../terminals/harness.ts";
import { Client } from "./client.ts";
import { addUser, startTestServer, type TestServer } from "./harness.ts";

/**
 * A session ends when it should: logout revokes the token server-side; disabling a user or
 * changing their password closes their open sockets at once; per-user socket cap; every mux frame
 * with an id is answered, however malformed.
 */
let t: TestServer;
let admin: Client;
const sockets: MuxClient[] = [];

beforeAll(async () => {
  t = await startTestServer("[server]\nmax_sockets_per_user = 3\n");
  admin = new Client(t.url);
  await admin.login(t.admin.username, t.admin.password);
});
afterAll(async () => {
  for (const s of sockets) if (!s.closed) s.ws.close();
  await t.stop();
});

async function signedIn(username: string, password: string): Promise<Client> {
  const c = new Client(t.url);
  await c.login(username, password);
  return c;
}

async function socket(c: Client): Promise<MuxClient> {
  const s = await MuxClient.connect(t.url, c.cookie);
  sockets.push(s);
  return s;
}

const closed = (s: MuxClient) => s.waitFor("socket closed", () => s.closed, 5000);

/** The raw answer to a WebSocket upgrade (status and body), for refusals a WebSocket client hides. */
function upgrade(cookie: string | undefined): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(t.url);
  return new Promise((resolve, reject) => {
    const sock = connect(Number(port), hostname);
    let text = "";
    sock.on("data", (d) => {
      text += d.toString();
      const head = text.indexOf("\r\n\r\n");
      if (head < 0) return;
      const status = Number(text.split(" ")[1]);
      const length = Number(/content-length: (\d+)/i.exec(text)?.[1] ?? 0);
      if (status === 101 || text.length >= head + 4 + length) {
        sock.destroy();
        resolve({ status, body: text.slice(head + 4) });
      }
    });
    sock.on("error", reject);
    sock.write(
      [
        "GET /api/ws/mux HTTP/1.1",
        `Host: ${hostname}:${port}`,
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 13",
        `Origin: ${t.url}`,
        `Cookie: octo_session=${cookie ?? ""}`,
        "",
        "",
      ].join("\r\n"),
    );
  });
}

describe("logout", () => {
  test("a token captured before logout is refused after it, and that sign-in's sockets close", async () => {
    await addUser(admin, "lou", "lou-password-1");
    const tab = await signedIn("lou", "lou-password-1");
    const other = await signedIn("lou", "lou-password-1");
    const captured = tab.cookie;
    const tabSocket = await socket(tab);
    const otherSocket = await socket(other);

    expect((await tab.post("/api/auth/logout")).status).toBe(200);
    const thief = new Client(t.url);
    thief.cookie = captured;
    const me = await thief.get("/api/auth/me");
    expect(me.status).toBe(401);
    expect(me.code).toBe("token_revoked");
    expect((await upgrade(captured)).status).toBe(401);

    await closed(tabSocket);
    expect(tabSocket.closeCode).toBe(4401);
    expect(tabSocket.closeReason).toContain("signed out");
    // Another sign-in of the same user is not affected.
    expect((await other.get("/api/auth/me")).status).toBe(200);
    expect((await otherSocket.cmd("ping", {}, "system")).ok).toBe(true);
  });
});

describe("ending a user's sign-ins closes their open sockets", () => {
  test("an admin resetting the password closes the socket with 4401 and a reason; the old cookie is refused", async () => {
    const id = await addUser(admin, "pat", "pat-password-1");
    const pat = await signedIn("pat", "pat-password-1");
    const s = await socket(pat);
    expect((await s.cmd("ping", {}, "system")).ok).toBe(true);
    expect((await admin.post(`/api/admin/users/${id}/password`, { password: "pat-password-2" })).status).toBe(
      200,
    );
    await closed(s);
    expect(s.closeCode).toBe(4401);
    expect(s.closeReason).toContain("password");
    expect((await upgrade(pat.cookie)).status).toBe(401);
  });

  test("a user changing their own password closes the sockets of their other sign-ins, not this one's", async () => {
    await addUser(admin, "cam", "cam-password-1");
    const cam = await signedIn("cam", "cam-password-1");
    const elsewhere = await signedIn("cam", "cam-password-1");
    const here = await socket(cam);
    const there = await socket(elsewhere);
    const r = await cam.post("/api/account/password", {
      current_password: "cam-password-1",
      new_password: "cam-password-2",
    });
    expect(r.status).toBe(200);
    await closed(there);
    expect(there.closeCode).toBe(4401);
    expect((await elsewhere.get("/api/auth/me")).code).toBe("token_revoked");
    // The tab that changed it stays signed in: its socket keeps working, and its new cookie too.
    expect(here.closed).toBe(false);
    expect((await here.cmd("ping", {}, "system")).ok).toBe(true);
    expect((await cam.get("/api/auth/me")).status).toBe(200);
    const again = await socket(cam);
    expect((await again.cmd("ping", {}, "system")).ok).toBe(true);
  });

  test("disabling and deleting a user close every socket of theirs", async () => {
    const id = await addUser(admin, "dee", "dee-password-1");
    const dee = await signedIn("dee", "dee-password-1");
    const a = await socket(dee);
    const b = await socket(dee);
    expect((await admin.post(`/api/admin/users/${id}/disable`)).status).toBe(200);
    await closed(a);
    await closed(b);
    expect([a.closeCode, b.closeCode]).toEqual([4401, 4401]);
    expect(a.closeReason).toContain("disabled");

    expect((await admin.post(`/api/admin/users/${id}/enable`)).status).toBe(200);
    const dee2 = await signedIn("dee", "dee-password-1");
    const c = await socket(dee2);
    expect((await admin.delete(`/api/admin/users/${id}`)).status).toBe(200);
    await closed(c);
    expect(c.closeCode).toBe(4401);
    expect(c.closeReason).toContain("deleted");
  });
});

describe("limits and malformed frames", () => {
  test("a user may hold max_sockets_per_user sockets; the next upgrade is 429 connection_limit", async () => {
    await addUser(admin, "max", "max-password-1");
    const max = await signedIn("max", "max-password-1");
    const open = [await socket(max), await socket(max), await socket(max)];
    const refused = await upgrade(max.cookie);
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body)).toMatchObject({ error: { code: "connection_limit" } });
    // Closing one makes room again; other users are not counted against it.
    open[0]?.ws.close();
    await closed(open[0] as MuxClient);
    await socket(max);
    expect((await upgrade(admin.cookie)).status).toBe(101);
  });

  test("every frame with an id gets one response over the real socket, even nested 100k deep", async () => {
    await addUser(admin, "nel", "nel-password-1");
    const s = await socket(await signedIn("nel", "nel-password-1"));
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    s.sendRaw(`{"ch":"agent","id":"deep1","cmd":"prompt","message":${deep}}`);
    s.sendRaw(`{"ch":"files","id":"deep2","cmd":"tree","project_id":${deep}}`);
    s.sendRaw(JSON.stringify({ ch: 12, id: "bad1", cmd: "hello" }));
    s.sendRaw(JSON.stringify({ ch: "system", id: "bad2", cmd: ["hello"] }));
    s.sendRaw(JSON.stringify({ ch: "terminal", id: "bad3", cmd: "open", cols: "wide" }));
    const ids = ["deep1", "deep2", "bad1", "bad2", "bad3"];
    await s.waitFor("a response to each", () =>
      ids.every((id) => s.frames.some((f) => f.event === "response" && f.id === id)),
    );
    for (const id of ids) {
      const answers = s.frames.filter((f) => f.id === id);
      expect(answers).toHaveLength(1);
      expect(answers[0]?.ok).toBe(false);
    }
    expect((await s.cmd("ping", {}, "system")).ok).toBe(true);
  });
});
