/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What tracer.c, tracer_purge.c and tracer_snapshot.c share: the tracer's
 * state and the batched map walk. Not for other modules. */
#ifndef MT_TRACER_PRIV_H
#define MT_TRACER_PRIV_H

#include <stddef.h>
#include <sys/types.h>
#include "memtrail.skel.h"
#include "memtrail.h"
#include "tracer.h"
#include "vm_map.h"

struct live_table;

/* One attachment: the allocator file (by identity) and the pid filter. */
struct attached_file {
	dev_t dev;
	ino_t ino;
	pid_t pid;
	size_t nprobes_multi;	/* probes its multi-uprobe links hold */
};

struct tracer {
	struct tracer_opts opts;
	struct attached_file *files;
	size_t nfiles, files_cap;
	struct memtrail_bpf *skel;
	struct ring_buffer *events;
	struct bpf_link **links;	/* classic uprobes, one probe each */
	pid_t *link_pids;		/* ... the pid each one filters on (-1: none) */
	size_t nlinks, links_cap;
	int *multi_fds;			/* multi-uprobe links, many probes each */
	pid_t *multi_pids;
	size_t nmulti, multi_cap;
	bool use_multi;			/* this kernel has multi-uprobe links */
	bool use_session;		/* --sample on a kernel with uprobe sessions */
	size_t nprobes;
	pid_t *exited; /* exits seen during one poll, purged together */
	size_t nexited, exited_cap;
	struct mt_event *execs; /* image replacements seen during one poll */
	size_t nexecs, execs_cap;
	struct mt_event *spawns; /* forks and execs of members, for opts.on_spawn */
	size_t nspawns, spawns_cap;
	int ncpus;
	struct vm_map *vm;	/* user mmaps, from the event stream */
	struct unwind_maps *unwind; /* unwind tables (NULL: the kernel walks stacks) */
	struct live_table *live;	/* the live allocations (live_table.h) */
};

typedef void (*map_visit_fn)(const void *key, const void *val, void *ctx);

/* Visits every entry of a hash map in batches (few syscalls for big maps).
 * 0 or -errno. */
int map_for_each(int fd, size_t ksz, size_t vsz, map_visit_fn visit, void *ctx);

/* --sample: what one sampled allocation of size bytes stands for, 1/p
 * with p = 1 - exp(-size/mean) its chance to be sampled (0 for size 0). */
double tracer_sample_weight(uint64_t size, uint64_t mean);

/* Removes every entry of the exited processes pids[0..n) and tells
 * opts.on_exit what each held. */
void tracer_purge_exited(struct tracer *t, const pid_t *pids, size_t n);
/* Removes the entries each process made before its exec in execs[0..n). */
void tracer_purge_replaced(struct tracer *t, const struct mt_event *execs, size_t n);

#endif /* MT_TRACER_PRIV_H */
