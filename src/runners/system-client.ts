import type * as v from "valibot";
import { fail, type Result } from "../protocol/errors.ts";
import {
  type SystemOp,
  type SystemParams,
  type SystemResult,
  SystemResultSchemas,
} from "../protocol/runner.ts";
import { RpcChannel } from "./rpc.ts";

/**
 * The server's end of `octo-runner --system`. One short connection per call: these calls are
 * rare (a user's first session, user deletion) and a fresh connection needs no reconnect logic.
 */
export class SystemClient {
  constructor(
    readonly socketPath: string,
    private readonly timeoutMs = 60_000,
  ) {}

  /** A request typed per op, parameters and result. */
  async call<Op extends SystemOp>(op: Op, params: SystemParams<Op>): Promise<Result<SystemResult<Op>>> {
    const opened = await RpcChannel.open(this.socketPath, { timeoutMs: this.timeoutMs });
    if (!opened.ok)
      return fail("runner_unavailable", `system component unreachable: ${opened.error.message}`);
    try {
      const schema = SystemResultSchemas[op] as unknown as v.GenericSchema<unknown, SystemResult<Op>>;
      return await opened.value.request({ op, ...params }, schema);
    } finally {
      opened.value.destroy();
    }
  }

  ensureUser(name: string) {
    return this.call("ensure_user", { name });
  }
  startRunner(name: string) {
    return this.call("start_runner", { name });
  }
  stopRunner(name: string) {
    return this.call("stop_runner", { name });
  }
  deleteUser(name: string, purge: boolean) {
    return this.call("delete_user", { name, purge });
  }
  status() {
    return this.call("status", {});
  }
}
