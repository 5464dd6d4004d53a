/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The groups `memtrail serve` reports on: every cgroup of the traced
 * subtree that holds processes, folded into its Kubernetes pod when it is
 * one of a pod's. Rebuilt from the cgroup tree on each refresh: a group
 * whose processes are gone is forgotten, its memory freed; at most
 * max_groups are tracked, the rest counted. */
#ifndef MT_SERVE_GROUPS_H
#define MT_SERVE_GROUPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define GROUP_UID_MAX 64
#define GROUP_ID_MAX 128

/* What a cgroup path says about its place in Kubernetes. */
struct group_class {
	bool is_pod;
	char pod_uid[GROUP_UID_MAX + 1];	/* canonical, with '-' */
	size_t pod_len;		/* the pod's own cgroup is path[0..pod_len) */
	char qos[16];		/* "guaranteed", "burstable", "besteffort", "" */
	char container_id[GROUP_ID_MAX + 1]; /* "" when the path names none */
};

/* Classifies a cgroup path (relative to the cgroup2 mount, "/a/b").
 * NULL in the opts: every cgroup is its own group. */
typedef void (*group_classify_fn)(const char *path, struct group_class *out);

/* One cgroup directory of a group, with the processes in it. */
struct group_member {
	char *cgroup;		/* relative to the mount */
	char container_id[GROUP_ID_MAX + 1];
	pid_t *pids;		/* sorted */
	size_t npids;
};

struct group {
	char *key;		/* the pod UID, or the cgroup path */
	char *cgroup;		/* the pod's cgroup, or the cgroup itself */
	uint64_t cgroup_id;	/* its directory's inode (0 if it is gone) */
	bool is_pod;
	char pod_uid[GROUP_UID_MAX + 1];
	char qos[16];
	struct group_member *members;
	size_t nmembers;
	size_t npids;		/* over all members */
};

struct groups_opts {
	size_t sz;		/* sizeof(struct groups_opts) */
	const char *mount;	/* the cgroup2 mount ("/sys/fs/cgroup") */
	const char *root;	/* the subtree, relative to mount ("/kubepods.slice") */
	size_t max_groups;	/* 0: 4096 */
	group_classify_fn classify;
};

struct groups_stats {
	size_t tracked;		/* groups in the table */
	size_t untracked;	/* seen at the last refresh but over max_groups */
	uint64_t forgotten;	/* groups dropped since start because they were gone */
	size_t dirs;		/* cgroup directories the last refresh read */
	bool truncated;		/* the walk hit its depth or size bound */
};

struct groups;

struct groups *groups__new(const struct groups_opts *opts);
void groups__free(struct groups *g);

/* Reads the tree again and replaces the table. 0 or -errno (-ENOENT when
 * the root itself is gone; the old table then stays). */
int groups__refresh(struct groups *g);

size_t groups__count(const struct groups *g);
/* Groups ordered by key. */
const struct group *groups__at(const struct groups *g, size_t i);
const struct group *groups__find_pod(const struct groups *g, const char *uid);
const struct group *groups__find_cgroup(const struct groups *g, uint64_t id);
/* The group pid is in, or NULL. */
const struct group *groups__of_pid(const struct groups *g, pid_t pid);
bool group__has_pid(const struct group *grp, pid_t pid);
void groups__get_stats(const struct groups *g, struct groups_stats *st);

/* Kubernetes' layout (kube.c): a pod's containers, and the pod's own
 * cgroup, fold into one group keyed by the pod UID. */
void groups__classify_kube(const char *path, struct group_class *out);

#endif /* MT_SERVE_GROUPS_H */
