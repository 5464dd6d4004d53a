/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* cgroups by path or id: where the cgroup2 hierarchy is mounted, what a
 * --cgroup argument names (directory, id, depth), which processes a group
 * and its descendants hold, and which group a process is in. No BPF here:
 * the tracer takes the id and level, cgroup_members.c follows the pids. */
#ifndef MT_CGROUP_H
#define MT_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct cgroup_ref {
	char *path;	/* the group's directory, absolute, symlinks resolved */
	uint64_t id;	/* its inode: on cgroup2, == bpf_get_current_cgroup_id() */
	int level;	/* cgroup2: depth below the hierarchy's root (root: 0); v1: -1 */
	bool v2;	/* on the cgroup2 hierarchy; false: a cgroup v1 hierarchy,
			   whose members can only be followed by pid */
};

/* The first cgroup2 mount point in a mountinfo text (octal escapes
 * decoded) into buf. 0, -ENOENT when there is none, -ENAMETOOLONG. */
int cgroup__parse_v2_mount(const char *mountinfo, char *buf, size_t sz);
/* Same from a file; NULL reads /proc/self/mountinfo. */
int cgroup__find_v2_mount(const char *mountinfo_path, char *buf, size_t sz);

/* Resolves a --cgroup argument. All digits: an id, searched for in the
 * cgroup2 tree at mount. Otherwise a path: absolute, or relative to
 * mount; it must be a directory of a cgroup (v2 or v1) filesystem.
 * mount may be NULL when there is no cgroup2 mount (then only absolute
 * paths of v1 groups resolve). 0, -ENOENT (no such group), -ENOTDIR (not
 * a cgroup directory), -EINVAL (empty or bad id), or another -errno. */
int cgroup__resolve(const char *mount, const char *arg, struct cgroup_ref *out);
void cgroup__ref_free(struct cgroup_ref *r);

/* The processes of the group at path and of every group below it
 * (cgroup.procs), sorted and unique, into a malloc'd array. A group that
 * vanishes during the walk is skipped. 0 or -errno (-ENOENT: path gone). */
int cgroup__list_procs(const char *path, pid_t **pids, size_t *n);

/* Parses the text of /proc/PID/cgroup: the cgroup2 path ("0::/a/b") into
 * a malloc'd string. 0, -ENOENT (no cgroup2 line), -ENOMEM. */
int cgroup__parse_pid_cgroup(const char *text, char **path);
/* The cgroup2 path of pid, as /proc/PID/cgroup names it (relative to the
 * reader's cgroup namespace root: "/kubepods.slice/..."). root: procfs
 * root, NULL = "/proc". 0 or -errno (-ESRCH: no such process). */
int cgroup__pid_path(const char *root, pid_t pid, char **path);

#endif /* MT_CGROUP_H */
