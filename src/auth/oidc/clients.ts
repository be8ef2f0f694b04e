import { readFileSync } from "node:fs";
import type { OidcProviderConfig } from "../../config/oidc-schema.ts";
import { fail, ok, type Result } from "../../protocol/errors.ts";
import type { OidcClient } from "./code-flow.ts";

/**
 * Read each provider's client secret at start-up: a missing env var or unreadable file stops the
 * server with a message naming the provider, rather than failing at someone's first sign-in.
 */
export function resolveOidcClients(
  providers: readonly OidcProviderConfig[],
  env: NodeJS.ProcessEnv,
): Result<OidcClient[]> {
  const out: OidcClient[] = [];
  for (const p of providers) {
    const where = `[[auth.oidc]] ${p.name}`;
    let secret: string | undefined;
    if (p.client_secret_env !== undefined) {
      secret = env[p.client_secret_env];
      if (!secret)
        return fail("validation_failed", `${where}: environment variable ${p.client_secret_env} is not set`);
    } else if (p.client_secret_file !== undefined) {
      try {
        secret = readFileSync(p.client_secret_file, "utf8").trim();
      } catch (e) {
        return fail(
          "validation_failed",
          `${where}: client_secret_file ${p.client_secret_file} cannot be read (${(e as NodeJS.ErrnoException).code ?? e})`,
        );
      }
      if (!secret)
        return fail("validation_failed", `${where}: client_secret_file ${p.client_secret_file} is empty`);
    }
    out.push({ ...p, clientSecret: secret ?? "" });
  }
  return ok(out);
}
