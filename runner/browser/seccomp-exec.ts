/**
 * The last hop into Chromium inside a joined sandbox: a few lines of JavaScript that the sandbox's
 * own Bun runtime (`/opt/octo/bin/bun`, bound there for pi) runs with `-e`, which install the
 * sandbox's seccomp deny list (decision 0008; handed over hex-encoded in OCTO_SECCOMP_HEX) with
 * prctl and then execve Chromium — so the browser is under the same filter as the agent. It must
 * run after the join (join-ns.ts): the filter refuses setns, mount and chroot, which joining needs.
 * fds 3 and 4 (Playwright's CDP pipe) are inherited; Bun marks them close-on-exec, so they are
 * cleared (F_SETFD 0) before the exec.
 */
export const SECCOMP_EXEC_JS = `
const { dlopen, ptr } = require("bun:ffi");
const libc = dlopen("libc.so.6", {
  prctl: { args: ["i32", "u64", "u64", "u64", "u64"], returns: "i32" },
  execve: { args: ["ptr", "ptr", "ptr"], returns: "i32" },
  fcntl: { args: ["i32", "i32", "i32"], returns: "i32" },
});
// Bun marks inherited descriptors close-on-exec: keep Playwright's CDP pipe (fds 3 and 4) open.
for (const fd of [3, 4]) if (libc.symbols.fcntl(fd, 2, 0) !== 0) { console.error("octo: fd " + fd + " is not open"); process.exit(125); }
const hex = process.env.OCTO_SECCOMP_HEX || "";
const prog = Buffer.from(hex, "hex");
if (prog.length === 0 || prog.length % 8 !== 0) { console.error("octo: no seccomp program"); process.exit(125); }
const fprog = new BigUint64Array(2);
fprog[0] = BigInt(prog.length / 8);
fprog[1] = BigInt(ptr(prog));
if (libc.symbols.prctl(38, 1n, 0n, 0n, 0n) !== 0) { console.error("octo: PR_SET_NO_NEW_PRIVS failed"); process.exit(125); }
if (libc.symbols.prctl(22, 2n, BigInt(ptr(fprog)), 0n, 0n) !== 0) { console.error("octo: seccomp filter refused"); process.exit(125); }
const cstr = (s) => Buffer.from(s + "\\0");
const keep = [];
const table = (list) => {
  const t = new BigUint64Array(list.length + 1);
  list.forEach((s, i) => { const b = cstr(s); keep.push(b); t[i] = BigInt(ptr(b)); });
  keep.push(t);
  return t;
};
const argv = process.argv.slice(1);
const env = Object.entries(process.env).filter(([k]) => k !== "OCTO_SECCOMP_HEX" && k !== "BUN_BE_BUN").map(([k, v]) => k + "=" + v);
const file = cstr(argv[0]);
libc.symbols.execve(ptr(file), ptr(table(argv)), ptr(table(env)));
console.error("octo: cannot exec " + argv[0]);
process.exit(126);
`;
