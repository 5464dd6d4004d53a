/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What /pods and /metrics show: the group table, each group's
 * outstanding totals from one snapshot, and the tracer's own state. The
 * writers read only this, so tests can feed them a hand-made one. */
#ifndef MT_SERVE_SUMMARY_H
#define MT_SERVE_SUMMARY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "profile.h"
#include "serve_groups.h"

struct group_totals {
	uint64_t bytes, allocs;
	uint64_t rss_bytes;	/* VmRSS summed over the processes (shared pages in each) */
};

struct serve_summary {
	const char *root;		/* the traced subtree, relative to the mount */
	const struct groups *groups;
	const struct group_totals *totals; /* one per group, by index */
	struct group_totals outside;	/* traced processes in no tracked group */
	const struct mt_profile *p;	/* the snapshot: counters and drops */
	size_t nprobes;
	uint64_t self_rss_bytes;	/* memtrail's own VmRSS */
	uint64_t self_heap_bytes;	/* its malloc heap in use (mallinfo2) */
	bool healthy;
	double uptime_s;
	/* whether a pid's probes are in; NULL: all are */
	bool (*traced)(void *ctx, pid_t pid);
	void *traced_ctx;
};

/* Sums the snapshot's held samples into their processes' groups: totals[] gets one
 * entry per group (calloc'd; the caller frees it). 0 or -ENOMEM. */
int serve_summary__totals(const struct groups *g, const struct mt_profile *p,
			  struct group_totals **totals, struct group_totals *outside);

/* GET /pods: the groups as one JSON object. 0 or -errno. */
int serve_pods__write(const struct serve_summary *s, FILE *f);
/* GET /metrics: Prometheus text. 0 or -errno. */
int serve_metrics__write(const struct serve_summary *s, FILE *f);

#endif /* MT_SERVE_SUMMARY_H */
