import * as v from "valibot";
import { fail, type Result } from "../../../src/protocol/errors.ts";
import { TOOL_TOKEN_ENV, ToolResponseSchema } from "../../../src/protocol/tools.ts";
import { encodeLine, LineDecoder } from "../../../src/shared/lines.ts";

/** Longer than the runner's own wait for a restarting server, so its clear error arrives first. */
const CALL_TIMEOUT_MS = 90_000;
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

/** One call over the session's tool socket: a request line out, its answer line back. */
export function callTool(
  area: string,
  verb: string,
  args: Record<string, unknown>,
  env: Record<string, string | undefined>,
  timeoutMs = CALL_TIMEOUT_MS,
): Promise<Result<unknown>> {
  const socketPath = env.OCTO_TOOL_SOCKET;
  const token = env[TOOL_TOKEN_ENV];
  if (!socketPath || !token)
    return Promise.resolve(
      fail("runner_unavailable", "no tool socket here (octo-tool works inside an octo agent session)"),
    );
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: Result<unknown>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const timer = setTimeout(
      () => done(fail("server_unavailable", `no answer within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    const decoder = new LineDecoder(
      MAX_ANSWER_BYTES,
      (line) => {
        let raw: unknown;
        try {
          raw = JSON.parse(line);
        } catch {
          return done(fail("internal", "the tool socket answered something that is not JSON"));
        }
        const parsed = v.safeParse(ToolResponseSchema, raw);
        if (!parsed.success) return done(fail("internal", "the tool socket answered an invalid line"));
        const answer = parsed.output;
        done(answer.ok ? { ok: true, value: answer.data } : { ok: false, error: answer.error });
      },
      () => done(fail("payload_too_large", "the answer is too large")),
    );
    Bun.connect({
      unix: socketPath,
      socket: {
        open(socket) {
          socket.write(encodeLine({ id: 1, area, verb, args, token }));
        },
        data(socket, chunk) {
          decoder.push(chunk);
          if (settled) socket.end();
        },
        close() {
          done(fail("runner_unavailable", "the tool socket closed without an answer"));
        },
        error(_socket, e) {
          done(fail("runner_unavailable", `tool socket: ${e.message}`));
        },
      },
    }).catch((e: Error) => done(fail("runner_unavailable", `cannot reach the tool socket: ${e.message}`)));
  });
}
