// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Path resolution inside a process's root (openat2 RESOLVE_IN_ROOT). */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "proc_root.h"

int proc_root__open_at(int root_fd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (unsigned)flags | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd, tries;

	/* EAGAIN: a rename raced the walk; the kernel asks us to retry */
	for (tries = 0; tries < 3; tries++) {
		fd = (int)syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
		if (fd >= 0)
			return fd;
		if (errno != EAGAIN)
			break;
	}
	/* no fallback by concatenation: "/proc/PID/root" + path would follow
	 * the container's absolute symlinks into the host's tree */
	return -errno;
}

int proc_root__open(const char *procfs_root, pid_t pid, const char *path, int flags)
{
	char root[64 + 4096];
	int dfd, fd;

	if (snprintf(root, sizeof(root), "%s/%d/root", procfs_root ? procfs_root : "/proc",
		     (int)pid) >= (int)sizeof(root))
		return -ENAMETOOLONG;
	dfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	fd = proc_root__open_at(dfd, path, flags);
	close(dfd);
	return fd;
}
