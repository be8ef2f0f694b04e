/**
 * Joins the namespaces of a process inside a sandbox and execs a command there: the Python program
 * below, run by the host's python3 (single-threaded, as setns into a user namespace requires).
 * `nsenter` cannot do this for an unprivileged account: bwrap's --disable-userns puts the sandboxed
 * command in a user namespace nested one level below the one that owns the sandbox's mount, network,
 * ipc and uts namespaces, and only the owner's level grants the capabilities to join those. So:
 * enter the parent user namespace (NS_GET_PARENT), join the others, chroot into the sandbox's root,
 * then enter the command's own user namespace, and fork so the child is in the pid namespace too.
 *   python3 -c JOIN_NS_PY PID CMD ARGS…
 */
export const JOIN_NS_PY = `
import ctypes, os, signal, sys
libc = ctypes.CDLL(None, use_errno=True)
pid = int(sys.argv[1]); cmd = sys.argv[2:]
def fail(what):
    e = ctypes.get_errno(); sys.stderr.write("octo-join: %s: %s\\n" % (what, os.strerror(e))); sys.exit(125)
def setns(fd, kind, what):
    if libc.setns(fd, kind) != 0: fail("setns " + what)
NS = {"ipc": 0x08000000, "uts": 0x04000000, "net": 0x40000000, "cgroup": 0x02000000, "pid": 0x20000000, "mnt": 0x00020000}
CLONE_NEWUSER = 0x10000000
def same(name):
    return os.stat("/proc/%d/ns/%s" % (pid, name)).st_ino == os.stat("/proc/self/ns/" + name).st_ino
user = os.open("/proc/%d/ns/user" % pid, os.O_RDONLY)
fds = {n: os.open("/proc/%d/ns/%s" % (pid, n), os.O_RDONLY) for n in NS if not same(n)}
root = os.open("/proc/%d/root" % pid, os.O_RDONLY)
cwd = os.open("/proc/%d/cwd" % pid, os.O_RDONLY)
own_user = os.stat("/proc/self/ns/user").st_ino
libc.ioctl.argtypes = [ctypes.c_int, ctypes.c_ulong]
parent = libc.ioctl(user, 0xb702)  # NS_GET_PARENT
if parent >= 0 and os.fstat(parent).st_ino != own_user:
    setns(parent, CLONE_NEWUSER, "parent user")
for name, fd in fds.items():
    setns(fd, NS[name], name)
os.fchdir(root)
if libc.chroot(b".") != 0: fail("chroot")
if os.fstat(user).st_ino != own_user:
    setns(user, CLONE_NEWUSER, "user")
os.fchdir(cwd)
for fd in [user, root, cwd, *fds.values()] + ([parent] if parent >= 0 else []):
    os.close(fd)
child = os.fork()
if child == 0:
    try:
        os.execvp(cmd[0], cmd)
    except OSError as e:
        sys.stderr.write("octo-join: cannot exec %s: %s\\n" % (cmd[0], e)); os._exit(126)
for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(s, lambda n, f: os.kill(child, n))
while True:
    try:
        _, status = os.waitpid(child, 0); break
    except InterruptedError:
        continue
sys.exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
`;
