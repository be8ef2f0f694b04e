import type { ServerContext } from "../server/context.ts";

/** What routes may reach: configuration and the domain services, never the database itself. */
export type HttpContext = Omit<ServerContext, "db" | "jwtSecret">;
