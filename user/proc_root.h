/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Opening a file as a process sees it: every component, symlinks included,
 * resolved inside the process's root (/proc/PID/root), so that a symlink in
 * a container can never lead the tracer, running as root on the host, to a
 * host file. Needs openat2 (Linux 5.6); without it nothing is opened by
 * path (the caller falls back to /proc/PID/map_files, the mapped file
 * itself). */
#ifndef MT_PROC_ROOT_H
#define MT_PROC_ROOT_H

#include <sys/types.h>

/* Opens path (absolute or relative: both from root_fd) with flags,
 * resolving it with root_fd as "/": absolute symlinks and ".." stop at
 * root_fd; /proc magic links are refused. fd, or -errno (-ENOSYS before
 * Linux 5.6, -ELOOP for a magic link). */
int proc_root__open_at(int root_fd, const char *path, int flags);

/* Opens path inside the root of process pid (procfs_root: NULL = "/proc").
 * fd or -errno. */
int proc_root__open(const char *procfs_root, pid_t pid, const char *path, int flags);

#endif /* MT_PROC_ROOT_H */
