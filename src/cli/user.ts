import { chownSync, existsSync, statSync } from "node:fs";
import { parseArgs } from "node:util";
import { resetPassword } from "../auth/accounts.ts";
import { generatePassword } from "../auth/passwords.ts";
import { createUser, publicUser } from "../auth/users.ts";
import { loadConfig } from "../config/index.ts";
import { dataPaths } from "../shared/paths.ts";
import { openMainDb } from "../storage/main-db.ts";
import { usersRepo } from "../storage/users.ts";
import { printJson, readPasswordFromStdin, userRows } from "./format.ts";

const USAGE = `usage: octo user <command> [--config FILE] [--json]
  add NAME [--admin] [--password-stdin]   create a user (a password is generated unless piped in)
  list                                    list users
  passwd NAME [--password-stdin]          set a user's password (ends their sessions)
Works on the database directly, with or without a running server (e.g. the first admin of a
scripted install). For a running server, octoctl does the same through the server.`;

/** `octo user …`: offline account administration straight on the database. */
export async function userCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      config: { type: "string" },
      admin: { type: "boolean" },
      "password-stdin": { type: "boolean" },
      json: { type: "boolean" },
    },
    allowPositionals: true,
    strict: true,
  });
  const [sub, name, ...extra] = positionals;
  const needsName = sub === "add" || sub === "passwd";
  if (!sub || !["add", "list", "passwd"].includes(sub) || (needsName && !name) || extra.length > 0) {
    console.error(USAGE);
    return 2;
  }
  const config = loadConfig({ path: values.config });
  if (!config.ok) {
    console.error(`octo user: ${config.error.message}`);
    return 1;
  }
  const opened = openMainDb(dataPaths(config.value.paths.dataDir).db);
  if (!opened.ok) {
    console.error(`octo user: ${opened.error.message}`);
    return 1;
  }
  const db = opened.value;
  const dbFile = dataPaths(config.value.paths.dataDir).db;
  try {
    if (sub === "list") {
      const users = usersRepo(db).list().map(publicUser);
      if (values.json) printJson({ users });
      else console.log(userRows(users));
      return 0;
    }
    const username = name as string;
    const piped = values["password-stdin"];
    const password = piped ? await readPasswordFromStdin() : generatePassword();
    if (sub === "add") {
      const role = values.admin ? "admin" : "user";
      const linux = config.value.local.linux_users;
      const created = await createUser(db, {
        username,
        password,
        role,
        linuxPrefix: linux.enabled ? linux.prefix : undefined,
      });
      if (!created.ok) {
        console.error(`octo user add: ${created.error.message}`);
        return 1;
      }
      report(
        values.json,
        { user: publicUser(created.value) },
        `created ${role} ${username}`,
        piped,
        password,
      );
      return 0;
    }
    const user = usersRepo(db).byUsername(username);
    if (!user) {
      console.error(`octo user passwd: no user named ${username}`);
      return 1;
    }
    const changed = await resetPassword(db, user.id, password);
    if (!changed.ok) {
      console.error(`octo user passwd: ${changed.error.message}`);
      return 1;
    }
    report(values.json, { user: publicUser(changed.value) }, `password of ${username} set`, piped, password);
    return 0;
  } finally {
    db.close();
    handOverToServiceUser(config.value.paths.dataDir, dbFile);
  }
}

/**
 * Run as root on an installed system (data dir owned by the `octo` user), the database files we
 * just created or touched must stay the service's: a root-owned octo.db or -wal would lock it out.
 */
function handOverToServiceUser(dataDir: string, dbFile: string): void {
  if (process.getuid?.() !== 0) return;
  const owner = statSync(dataDir);
  if (owner.uid === 0) return;
  for (const file of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`]) {
    if (existsSync(file)) chownSync(file, owner.uid, owner.gid);
  }
}

function report(json: boolean | undefined, value: object, text: string, piped?: boolean, password?: string) {
  // A generated password is printed once; a piped one is never echoed.
  const shown = piped ? {} : { password };
  if (json) printJson({ ...value, ...shown });
  else
    console.log(piped ? text : `${text}\n  password: ${password}\n  (shown once; only its hash is stored)`);
}
