import { decode } from "../src/protocol/decode.ts";
import type { Result } from "../src/protocol/errors.ts";
import { isReviewOp, type ReviewOp, ReviewOpParamsSchemas } from "../src/protocol/review.ts";
import type { ReviewService } from "./review/service.ts";

/**
 * The `review.*` ops (checkpoints, changes, restore, discard) on a runner connection. One service
 * per runner (a store's lock must be shared by every connection and the agents); loaded on first use.
 */
let service: Promise<ReviewService> | null = null;

export function reviewService(workspaceRoot: string): Promise<ReviewService> {
  service ??= import("./review/service.ts").then(({ ReviewService }) => new ReviewService(workspaceRoot));
  return service;
}

export const ReviewRoute = {
  handles: isReviewOp,
  async handle(workspaceRoot: string, raw: Record<string, unknown>): Promise<Result<unknown>> {
    const { id: _id, op, ...params } = raw;
    const parsed = decode(ReviewOpParamsSchemas[op as ReviewOp], params, String(op));
    if (!parsed.ok) return parsed;
    try {
      return await (await reviewService(workspaceRoot)).handle({ op, ...parsed.value } as never);
    } catch (e) {
      if ((e as Error).name === "SandboxFailed")
        return { ok: false, error: { code: "sandbox_failed", message: (e as Error).message } };
      return { ok: false, error: { code: "internal", message: `review: ${(e as Error).message}` } };
    }
  },
};
