/**
 * What the seccomp filter refuses, by name, with the syscall numbers on x86_64 and arm64 (absent:
 * the architecture has no such call). Generated from the kernel headers (asm/unistd_64.h,
 * asm-generic/unistd.h) plus the calls newer than Debian's headers (459-469, same number on both).
 * Why each group is here and why each errno: docs/decisions/0008-seccomp-deny-list.md.
 */
export const EPERM = 1;
export const ENOSYS = 38;

export interface DeniedSyscall {
  name: string;
  x64?: number;
  arm64?: number;
  errno: number;
}

const d = (
  name: string,
  x64: number | undefined,
  arm64: number | undefined,
  errno: number,
): DeniedSyscall => ({
  name,
  ...(x64 === undefined ? {} : { x64 }),
  ...(arm64 === undefined ? {} : { arm64 }),
  errno,
});

export const DENY: DeniedSyscall[] = [
  // kernel and machine administration
  d("syslog", 103, 116, EPERM),
  d("vhangup", 153, 58, EPERM),
  d("acct", 163, 89, EPERM),
  d("settimeofday", 164, 170, EPERM),
  d("clock_settime", 227, 112, EPERM),
  d("reboot", 169, 142, EPERM),
  d("sethostname", 170, 161, EPERM),
  d("setdomainname", 171, 162, EPERM),
  d("iopl", 172, undefined, EPERM),
  d("ioperm", 173, undefined, EPERM),
  d("swapon", 167, 224, EPERM),
  d("swapoff", 168, 225, EPERM),
  d("quotactl", 179, 60, EPERM),
  d("quotactl_fd", 443, 443, EPERM),
  // kernel modules and kexec
  d("init_module", 175, 105, EPERM),
  d("finit_module", 313, 273, EPERM),
  d("delete_module", 176, 106, EPERM),
  d("kexec_load", 246, 104, EPERM),
  d("kexec_file_load", 320, 294, EPERM),
  // mounts and root changes (also the new mount API)
  d("mount", 165, 40, EPERM),
  d("umount2", 166, 39, EPERM),
  d("pivot_root", 155, 41, EPERM),
  d("chroot", 161, 51, EPERM),
  d("open_tree", 428, 428, EPERM),
  d("move_mount", 429, 429, EPERM),
  d("fsopen", 430, 430, EPERM),
  d("fsconfig", 431, 431, EPERM),
  d("fsmount", 432, 432, EPERM),
  d("fspick", 433, 433, EPERM),
  d("mount_setattr", 442, 442, EPERM),
  // namespaces (clone with namespace flags is refused separately)
  d("unshare", 272, 97, EPERM),
  d("setns", 308, 268, EPERM),
  // keyrings (not namespaced: shared with the host account)
  d("add_key", 248, 217, EPERM),
  d("request_key", 249, 218, EPERM),
  d("keyctl", 250, 219, EPERM),
  // eBPF, perf, fanotify, userfaultfd: large kernel attack surface
  d("bpf", 321, 280, EPERM),
  d("perf_event_open", 298, 241, EPERM),
  d("fanotify_init", 300, 262, EPERM),
  d("userfaultfd", 323, 282, EPERM),
  // file handles bypass path checks (open_by_handle_at: the 'shocker' escape)
  d("open_by_handle_at", 304, 265, EPERM),
  // other processes' memory and files, NUMA placement (CAP_SYS_PTRACE / CAP_SYS_NICE in Docker)
  d("kcmp", 312, 272, EPERM),
  d("pidfd_getfd", 438, 438, EPERM),
  d("process_madvise", 440, 440, EPERM),
  d("mbind", 237, 235, EPERM),
  d("set_mempolicy", 238, 237, EPERM),
  d("get_mempolicy", 239, 236, EPERM),
  d("set_mempolicy_home_node", 450, 450, EPERM),
  d("migrate_pages", 256, 238, EPERM),
  d("move_pages", 279, 239, EPERM),
  // obsolete or never implemented
  d("uselib", 134, undefined, EPERM),
  d("ustat", 136, undefined, EPERM),
  d("sysfs", 139, undefined, EPERM),
  d("_sysctl", 156, undefined, EPERM),
  d("create_module", 174, undefined, EPERM),
  d("get_kernel_syms", 177, undefined, EPERM),
  d("query_module", 178, undefined, EPERM),
  d("nfsservctl", 180, 42, EPERM),
  d("getpmsg", 181, undefined, EPERM),
  d("putpmsg", 182, undefined, EPERM),
  d("afs_syscall", 183, undefined, EPERM),
  d("tuxcall", 184, undefined, EPERM),
  d("security", 185, undefined, EPERM),
  d("vserver", 236, undefined, EPERM),
  d("lookup_dcookie", 212, 18, EPERM),
  // probed features: ENOSYS makes callers fall back (libuv/Bun/tokio to epoll, glibc to clone)
  d("io_uring_setup", 425, 425, ENOSYS),
  d("io_uring_enter", 426, 426, ENOSYS),
  d("io_uring_register", 427, 427, ENOSYS),
  d("clone3", 435, 435, ENOSYS),
  // probed, harmless alone but newer than Docker's list or gated there
  d("name_to_handle_at", 303, 264, ENOSYS),
  d("lsm_get_self_attr", 459, 459, ENOSYS),
  d("lsm_set_self_attr", 460, 460, ENOSYS),
  d("lsm_list_modules", 461, 461, ENOSYS),
  d("open_tree_attr", 467, 467, ENOSYS),
  d("file_getattr", 468, 468, ENOSYS),
  d("file_setattr", 469, 469, ENOSYS),
];
