/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Which files provide malloc for a process: every executable mapping that
 * defines malloc and free (libc at whatever path, a static executable, a
 * preloaded allocator), each once, opened as the process maps it (/proc/PID/map_files). */
#ifndef MT_TARGETS_H
#define MT_TARGETS_H

#include <stdint.h>
#include <sys/types.h>

struct alloc_provider {
	char *path;	 /* how to open it from here: /proc/PID/map_files/START-END */
	char *map_path;	 /* the path as the process maps it */
	uint64_t dev, ino;
};

struct alloc_providers {
	struct alloc_provider *v;
	size_t n;
};

/* Finds the providers mapped by pid (root: procfs root, NULL = "/proc").
 * 0 (possibly with n == 0: no file defines malloc) or -errno
 * (-ESRCH: no such process). */
int targets__find_providers(const char *root, pid_t pid, struct alloc_providers *out);
/* Same, from a list of candidate file paths (command mode, before the
 * process has mapped them). */
int targets__providers_from_paths(char *const *paths, size_t n, struct alloc_providers *out);
void targets__free_providers(struct alloc_providers *p);

/* Parses "PID[,PID...]" into a malloc'd array. 0 or -EINVAL. */
int targets__parse_pids(const char *s, pid_t **pids, size_t *n);

#endif /* MT_TARGETS_H */
