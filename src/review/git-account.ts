import type { Database } from "bun:sqlite";
import { publicUser } from "../auth/users.ts";
import type { GitCredential, User } from "../protocol/api.ts";
import { fail, ok, type Result } from "../protocol/errors.ts";
import { gitCredentialsRepo } from "../storage/git-credentials.ts";
import { usersRepo } from "../storage/users.ts";

/**
 * A person's git settings: the e-mail their commits carry, and a token per remote host. Tokens are
 * written here and read only by the review service when it asks the runner to push, pull or clone;
 * no route returns them (decisions/0025).
 */
export class GitAccount {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  setEmail(userId: string, email: string): Result<User> {
    const users = usersRepo(this.db);
    users.setEmail(userId, email || null, this.now());
    const row = users.byId(userId);
    return row ? ok(publicUser(row)) : fail("not_found", "no such user");
  }

  credentials(userId: string): GitCredential[] {
    return gitCredentialsRepo(this.db).list(userId);
  }

  putCredential(userId: string, c: { host: string; username?: string; token: string }): GitCredential {
    const repo = gitCredentialsRepo(this.db);
    const now = this.now();
    const before = repo.get(userId, c.host);
    repo.put({
      user_id: userId,
      host: c.host,
      // GitHub and GitLab take any user name with a token; Gitea and others want the account's.
      username: c.username ?? "x-access-token",
      token: c.token,
      created_at: before?.created_at ?? now,
      updated_at: now,
    });
    return repo.list(userId).find((x) => x.host === c.host) as GitCredential;
  }

  removeCredential(userId: string, host: string): Result<void> {
    return gitCredentialsRepo(this.db).remove(userId, host.toLowerCase())
      ? ok(undefined)
      : fail("not_found", "no credential for that host");
  }

  /** For the review service only. */
  credentialFor(userId: string, host: string): { username: string; token: string } | null {
    const row = gitCredentialsRepo(this.db).get(userId, host);
    return row ? { username: row.username, token: row.token } : null;
  }
}
