/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What the command line asked for; filled by main.c, read by session.c. */
#ifndef MT_OPTIONS_H
#define MT_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "hook_plan.h"
#include "tracer.h"

enum out_format { FORMAT_TEXT = 0, FORMAT_JSON, FORMAT_FOLDED, FORMAT_PPROF, FORMAT_HTML };

struct options {
	pid_t *pids;		/* --pid */
	size_t npids;
	char **command;		/* after "--": argv, NULL-terminated */
	const char *cgroup;	/* --cgroup PATH|ID */
	const char *pod;	/* --pod UID: its cgroup, as --cgroup */
	const char *container;	/* --container ID: its cgroup, as --cgroup */
	double duration_s;	/* 0: until Ctrl-C / the targets are gone */
	double interval_s;	/* 0: one report at the end */
	uint64_t min_age_ns;
	size_t top;		/* 0: all stacks */
	enum out_format format;
	const char *output;	/* NULL: stdout */
	uint32_t max_allocs;	/* 0: default map sizes */
	uint32_t max_stacks;
	uint32_t max_procs;	/* --max-procs: rss and targets maps; 0: defaults */
	uint32_t ring_kib;	/* --ring-kib: the event ring; 0: default */
	unsigned events;	/* --events: enum mt_events bits */
	bool empty_programs;	/* --bench-floor: probes without work */
	bool classic_uprobes;	/* --classic-uprobes: no multi-uprobe links */
	bool probe_at_entry;	/* --probe-at-entry: no probe placement (tools/bench) */
	bool thread_fallback;	/* --test-thread-fallback: each thread starts on its fallback state */
	uint64_t sample_bytes;	/* --sample: mean bytes between sampled allocations; 0: all */
	bool check;		/* --check: report what this kernel offers, trace nothing */
	bool java;		/* --java: JVMs write perf maps at report time */
	enum hook_path kernel_hooks; /* --kernel-hooks (env MEMTRAIL_KERNEL_HOOKS); PATH_NONE: auto */
	enum mt_unwind_mode unwind;	/* --unwind */
	struct unwind_override unwind_files[UNWIND_MAX_OVERRIDES]; /* --unwind-file */
	size_t n_unwind_files;
	bool serve;		/* `memtrail serve`: trace on, answer over HTTP */
	const char *listen;	/* serve --listen ADDR; NULL: 127.0.0.1:9810 */
	uint32_t max_groups;	/* serve --max-groups; 0: 4096 */
};

/* Runs the trace the options describe. Returns the process exit code:
 * 0 ok, 1 runtime failure, 2 bad usage or input. */
int session__run(const struct options *opts);
/* The same trace, answered over HTTP by srv (serve.h) until a signal. */
struct serve;
int session__serve(const struct options *opts, struct serve *srv);

#endif /* MT_OPTIONS_H */
