/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The processes of a --cgroup target, kept current: the members found at
 * the start, those a member forks or that exec (tracer events), and those
 * moved in (a rescan of cgroup.procs). Each member gets the allocator
 * probes of every allocator file it maps, attached for its pid alone, so
 * that processes outside the group never hit a probe; an exited or
 * departed member's probes are removed. */
#ifndef MT_CGROUP_MEMBERS_H
#define MT_CGROUP_MEMBERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "cgroup.h"
#include "profile.h"
#include "symbolize.h"
#include "tracer.h"

struct cgroup_members;

struct cgroup_member {
	pid_t pid;
	char comm[16];
	bool attached;		/* its probes are in (false: no allocator file found yet) */
};

struct cgroup_members_opts {
	size_t sz;			/* sizeof(struct cgroup_members_opts) */
	struct tracer *tracer;		/* probes go here */
	struct symbolizer *sym;		/* members' maps are cached here (may be NULL) */
	const struct cgroup_ref *cg;	/* the group (copied) */
	const char *procfs_root;	/* NULL: "/proc" */
};

/* NULL with errno set. Finds nothing yet: call cgroup_members__scan. */
struct cgroup_members *cgroup_members__new(const struct cgroup_members_opts *opts);
void cgroup_members__free(struct cgroup_members *m);

/* Reads the group's processes (recursively): new ones become members and
 * get their probes, members no longer listed are dropped. 0 or -errno
 * (-ENOENT: the group itself is gone). */
int cgroup_members__scan(struct cgroup_members *m);
/* What the tracer's on_spawn reports: a member forked pid (MT_EV_FORK),
 * pid was moved into the group (MT_EV_JOIN), or pid exec'd (MT_EV_EXEC;
 * only acted on for members: the new image may map other allocator
 * files). ts_ns: when it happened, CLOCK_MONOTONIC. */
void cgroup_members__on_spawn(struct cgroup_members *m, pid_t pid, uint32_t type, uint64_t ts_ns);
/* Call after each tracer__poll: looks again at members whose allocator
 * file was not mapped yet, and rescans the group once a second. 0, or
 * -ENOENT when the group itself is gone. */
int cgroup_members__tick(struct cgroup_members *m);
/* pid exited: no longer a member, its probes go. True if it was one. */
bool cgroup_members__on_exit(struct cgroup_members *m, pid_t pid);

/* Members whose allocator file is not mapped yet (just exec'd): the
 * caller polls more often while there are any, and calls recheck. */
size_t cgroup_members__pending(const struct cgroup_members *m);
void cgroup_members__recheck(struct cgroup_members *m);

/* The member pid, or NULL. */
const struct cgroup_member *cgroup_members__find(const struct cgroup_members *m, pid_t pid);
/* Members now, sorted by pid; valid until the next call that changes them. */
const struct cgroup_member *cgroup_members__list(const struct cgroup_members *m, size_t *n);

/* What the trace of the group could not see, as notes for the report:
 * processes that joined (and how long they ran before their probes were
 * in), members without allocator files, pid tracking on cgroup v1. */
int cgroup_members__add_notes(const struct cgroup_members *m, struct mt_profile *p);

#endif /* MT_CGROUP_MEMBERS_H */
