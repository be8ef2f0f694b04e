import { Elysia } from "elysia";
import type { HttpContext } from "../context.ts";

/** Unauthenticated liveness: version and mode only, nothing about users or data. */
export const healthRoutes = (ctx: HttpContext) =>
  new Elysia().get("/api/health", () => ({ status: "ok", version: ctx.version, mode: ctx.mode }));
