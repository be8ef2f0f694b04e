/**
 * octo's side of bench/compare.ts: the real server from source (bench/stream/server.ts, which starts
 * the runner, which runs each conversation's pi under octo-sandbox), with octo's default spare agent
 * (`warm_agents = 1`) and no stream trace; a logged-in user with one project; one browser-like mux
 * socket per conversation, as a tab has.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Client } from "../../test/http/client.ts";
import { BenchSocket } from "../stream/client.ts";
import { startChild } from "../stream/world.ts";
import type { Conversation, Side } from "./side.ts";

interface OctoConversation extends Conversation {
  tab: BenchSocket;
}

const pidIn = (file: string): number | undefined => {
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, "utf8").trim());
  return Number.isInteger(pid) && pid > 1 ? pid : undefined;
};

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export async function startOcto(llm: { openaiBaseUrl: string; key: string }): Promise<Side> {
  const server = await startChild<{
    url: string;
    pid: number;
    admin: { username: string; password: string };
    runnerPidFile: string;
  }>("server.ts", {
    BENCH_LLM_URL: llm.openaiBaseUrl,
    BENCH_LLM_KEY: llm.key,
    BENCH_WARM_AGENTS: process.env.BENCH_WARM_AGENTS ?? "1",
  });
  const { url } = server.info;
  const http = new Client(url);
  await http.login(server.info.admin.username, server.info.admin.password);
  const project = await http.post<{ project: { id: string } }>("/api/projects", { name: "Bench" });
  if (project.status !== 200) throw new Error(`create project: ${JSON.stringify(project.body)}`);
  const projectId = project.body.project.id;
  const cookie = http.cookie as string;
  const socketDir = dirname(server.info.runnerPidFile);
  const gatewayPidFile = join(socketDir, "llm-gateway", "gateway.pid");
  let clientSeq = 0;
  // A tab's socket is open before the person clicks "new conversation": open() connects the next one.
  let nextTab: Promise<BenchSocket> | null = null;

  const roots = () => {
    const pids = [server.info.pid];
    for (const file of [server.info.runnerPidFile, gatewayPidFile]) {
      const pid = pidIn(file);
      if (pid && isAlive(pid)) pids.push(pid);
    }
    return pids;
  };

  return {
    name: "octo",
    roots,
    // A pi per conversation: 2.4 GB peak for 10 floods and a bystander.
    memoryGb: (n) => 0.25 * n,
    async open() {
      // What the project page loads; it is also what fills the user's spare agent.
      const res = await fetch(`${url}/api/projects/${projectId}/sessions`, {
        headers: { cookie: `octo_session=${cookie}` },
      });
      await res.arrayBuffer();
      nextTab ??= BenchSocket.connect(url, cookie);
      await nextTab;
    },
    async create() {
      const tab = await (nextTab ?? BenchSocket.connect(url, cookie));
      nextTab = null;
      const { session_id } = await tab.ok<{ session_id: string }>("session.create", {
        project_id: projectId,
      });
      await tab.ok("session.subscribe", { session_id, after_seq: 0 });
      const c: OctoConversation = { id: session_id, log: tab.log(session_id), tab };
      return c;
    },
    async prompt(c, message) {
      await (c as OctoConversation).tab.ok("prompt", {
        session_id: c.id,
        message,
        client_id: `compare-${++clientSeq}`,
      });
    },
    async remove(c) {
      const { tab } = c as OctoConversation;
      await tab.ok("session.delete", { session_id: c.id });
      await tab.close();
    },
    async stop() {
      if (nextTab) await (await nextTab).close();
      const gateway = pidIn(gatewayPidFile);
      server.proc.kill("SIGTERM");
      await server.proc.exited;
      // The server stops its runner; a gateway it started outlives it: stop that one too.
      if (gateway && isAlive(gateway)) process.kill(gateway, "SIGTERM");
    },
  };
}
