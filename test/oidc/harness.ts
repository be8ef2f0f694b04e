import { startTestProvider, type TestProvider } from "../fixtures/oidc/provider.ts";
import { Client } from "../http/client.ts";
import { startTestServer, type TestServer } from "../http/harness.ts";

export const SECRET_ENV = "OCTO_TEST_OIDC_SECRET";
export const CLIENT_ID = "octo-test";

export interface SsoSetup {
  idp: TestProvider;
  t: TestServer;
  admin: Client;
  stop(): Promise<void>;
}

/**
 * A real OpenID provider and the real octo server, each knowing the other: the provider listens
 * first (octo's config needs its issuer), then learns octo's callback URL once octo listens.
 */
export async function startSso(extraToml = ""): Promise<SsoSetup> {
  const idp = await startTestProvider();
  const secret = `secret-${crypto.randomUUID()}`;
  process.env[SECRET_ENV] = secret;
  const t = await startTestServer(`
[[auth.oidc]]
name = "corp"
display_name = "Corp ID"
issuer = "${idp.issuer}"
client_id = "${CLIENT_ID}"
client_secret_env = "${SECRET_ENV}"
scopes = ["openid", "profile", "email", "groups"]
allowed_groups = ["octo-users"]
admin_groups = ["octo-admins"]
${extraToml}
`);
  idp.configure({
    clientId: CLIENT_ID,
    clientSecret: secret,
    redirectUris: [`${t.url}/api/auth/oidc/corp/callback`],
    postLogoutRedirectUris: [`${t.url}/login`],
  });
  const admin = new Client(t.url);
  await admin.login(t.admin.username, t.admin.password);
  return {
    idp,
    t,
    admin,
    async stop() {
      await t.stop();
      await idp.stop();
    },
  };
}

/** A client carrying the session cookie a single sign-on gave. */
export function clientWith(url: string, session: string | undefined): Client {
  if (!session) throw new Error("the sign-in gave no session cookie");
  const c = new Client(url);
  c.cookie = session;
  return c;
}
