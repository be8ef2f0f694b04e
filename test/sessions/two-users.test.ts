// Single-user mode serves every platform user from one runner, but each user has a gateway socket
// of their own: two people chatting never break each other's agents (401 "invalid or revoked
// session token" was what the second one used to cause), in either order, and after a restart.

import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { Client } from "../http/client.ts";
import { addUser, startServerIn } from "../http/harness.ts";
import { AgentTab, createProject, type SessionWorld, startWorld } from "./harness.ts";

setDefaultTimeout(240_000);
let w: SessionWorld;
let bob: Client;

interface Chat {
  tab: AgentTab;
  s: string;
  turns: number;
}

beforeAll(async () => {
  w = await startWorld();
  await addUser(w.admin, "bob", "bob-password-123");
  bob = new Client(w.t.url);
  await bob.login("bob", "bob-password-123");
});
afterAll(async () => {
  await w?.stop();
});

async function open(c: Client, projectId: string): Promise<Chat> {
  const tab = await AgentTab.open(w.t.url, c.cookie);
  const { session_id: s } = await tab.ok<{ session_id: string }>("session.create", { project_id: projectId });
  await tab.ok("session.subscribe", { session_id: s });
  return { tab, s, turns: 0 };
}

async function say(chat: Chat, word: string): Promise<void> {
  // Turns run one at a time, so the fixture's one queue answers them in order.
  w.fx.enqueue([{ text: `heard ${word}` }]);
  chat.turns++;
  await chat.tab.ok("prompt", { session_id: chat.s, message: word, client_id: `${chat.s}-${chat.turns}` });
  await chat.tab.waitIdle(chat.s, chat.turns, 120_000);
  expect(chat.tab.text(chat.s)).toEndWith(`heard ${word}`);
  expect(chat.tab.events(chat.s).filter((f) => f.event === "agent.error")).toEqual([]);
}

test("two users in single-user mode both chat, in either order, also after a server restart", async () => {
  expect(w.t.server.ctx.mode).toBe("single-user");
  const adminChat = await open(w.admin, await createProject(w.admin, "Admin's"));
  await say(adminChat, "ALPHA");
  const bobChat = await open(bob, await createProject(bob, "Bob's"));
  await say(bobChat, "BRAVO");
  // The first user's agent, started before the second user's, still reaches the model.
  await say(adminChat, "CHARLIE");
  await say(bobChat, "DELTA");

  // Each user's socket is their own.
  const place = w.t.server.ctx.services.placement;
  expect(place.gateway("admin").llmSocket).not.toBe(place.gateway("bob").llmSocket);

  await adminChat.tab.close();
  await bobChat.tab.close();
  await w.t.server.stop();
  const again = await startServerIn({ home: w.t.home, env: w.t.env });
  w.t.server = again.server;
  w.t.url = again.url;
  w.t.stop = again.stop;
  const admin = new Client(again.url);
  await admin.login(w.t.admin.username, w.t.admin.password);
  bob = new Client(again.url);
  await bob.login("bob", "bob-password-123");

  // After the restart, in the other order.
  const bobAgain: Chat = { ...bobChat, tab: await AgentTab.open(again.url, bob.cookie), turns: 0 };
  await bobAgain.tab.ok("session.subscribe", { session_id: bobAgain.s });
  bobAgain.turns = bobChat.turns;
  await say(bobAgain, "ECHO");
  const adminAgain: Chat = { ...adminChat, tab: await AgentTab.open(again.url, admin.cookie) };
  await adminAgain.tab.ok("session.subscribe", { session_id: adminAgain.s });
  await say(adminAgain, "FOXTROT");
  await bobAgain.tab.close();
  await adminAgain.tab.close();
});
