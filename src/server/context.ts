import type { Services, ServicesInput } from "./services.ts";

/**
 * What the server runs on, built once at start-up: its configuration and main database, and the
 * domain services built from them (`createServices`). The HTTP layer sees this without the
 * database (`HttpContext`); domain modules take only the pieces they need.
 */
export interface ServerContext extends ServicesInput {
  services: Services;
}
