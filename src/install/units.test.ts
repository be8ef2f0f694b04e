import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { ConfigSchema } from "../config/index.ts";
import { systemConfig } from "./config.ts";
import {
  DEFAULT_LAYOUT,
  gatewayUnit,
  generatedFiles,
  runnerTemplateUnit,
  serverUnit,
  systemRunnerUnit,
} from "./units.ts";

const layout = { ...DEFAULT_LAYOUT, binDir: "/opt/octo/bin" };

describe("generated service files", () => {
  test("paths are the systemd and tmpfiles.d locations", () => {
    expect(generatedFiles(layout).map((f) => f.path)).toEqual([
      "/etc/systemd/system/octo.service",
      "/etc/systemd/system/octo-llm-gateway.service",
      "/etc/systemd/system/octo-runner@.service",
      "/etc/systemd/system/octo-runner-system.service",
      "/usr/lib/tmpfiles.d/octo.conf",
    ]);
  });

  test("ExecStart uses the given bin dir; the server runs as its user in the system layout", () => {
    const text = serverUnit(layout);
    expect(text).toContain("ExecStart=/opt/octo/bin/octo serve --log-format json");
    expect(text).toContain("User=octo\n");
    expect(text).toContain("Environment=OCTO_SYSTEM=1");
    expect(text).not.toContain("MemoryDenyWriteExecute");
  });

  test("the LLM gateway is a unit of its own the server wants; the server never starts one", () => {
    const gateway = gatewayUnit(layout);
    expect(gateway).toContain("ExecStart=/opt/octo/bin/octo llm-gateway\n");
    expect(gateway).toContain("User=octo\n");
    expect(gateway).toContain("Restart=always");
    const server = serverUnit(layout);
    expect(server).toContain(
      "Wants=network-online.target octo-runner-system.service octo-llm-gateway.service",
    );
    expect(server).toContain("Environment=OCTO_LLM_GATEWAY=external");
  });

  test("the runner template runs as the prefixed Linux user of the instance", () => {
    const text = runnerTemplateUnit({ ...layout, linuxUserPrefix: "agent_" });
    expect(text).toContain("User=agent_%i\n");
    expect(text).toContain("--user %i --runtime-dir /run/octo");
    expect(text).toContain("BindPaths=/home/agent_%i");
    // The JIT stays on (decision 0033): nothing turns it off.
    expect(text).not.toContain("BUN_JSC_useJIT");
  });

  test("the runner template delegates the pids controller and leaves its cgroup writable (decision 0032)", () => {
    const text = runnerTemplateUnit(layout);
    expect(text).toContain("Delegate=pids\n");
    expect(text).not.toContain("ProtectControlGroups=yes");
    expect(text).toMatch(/^ReadWritePaths=.* \/sys\/fs\/cgroup$/m);
    expect(serverUnit(layout)).toContain("ProtectControlGroups=yes");
  });

  test("every unit documents itself with the README installed beside the binaries, not a placeholder URL", () => {
    for (const file of generatedFiles(layout).filter((f) => f.path.endsWith(".service"))) {
      expect(file.content).toContain("Documentation=file:/opt/octo/share/doc/octo/README.md\n");
      expect(file.content).not.toContain("https://github.com/octo/octo");
    }
  });

  test("every line of every unit is a section header or key=value", () => {
    for (const file of generatedFiles(layout).filter((f) => f.path.endsWith(".service"))) {
      for (const line of file.content.split("\n")) {
        if (line === "" || line.startsWith("#")) continue;
        expect(line).toMatch(/^(\[[A-Za-z]+\]|[A-Za-z]+=.*)$/);
      }
    }
  });

  test("the system config parses with the real schema and turns multi-user on", () => {
    const parsed = v.parse(ConfigSchema, Bun.TOML.parse(systemConfig("octo_")));
    expect(parsed.local.single_user).toBe(false);
    expect(parsed.local.linux_users.enabled).toBe(true);
    expect(parsed.local.linux_users.prefix).toBe("octo_");
  });

  test("CPU weights: the server and the privileged component above each user's runner cgroup", () => {
    const cpuWeight = (text: string) => Number(/^CPUWeight=(\d+)$/m.exec(text)?.[1]);
    const server = cpuWeight(serverUnit(layout));
    const runner = cpuWeight(runnerTemplateUnit(layout));
    expect(runner).toBe(100);
    expect(server).toBeGreaterThanOrEqual(10 * runner);
    expect(cpuWeight(systemRunnerUnit(layout))).toBe(server);
  });
});
