/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The BPF side's lifecycle: open/load the skeleton with the chosen map
 * sizes, attach the allocator uprobes to an ELF (per pid or for all), poll
 * process-exit events, and drain the maps into a profile. */
#ifndef MT_TRACER_H
#define MT_TRACER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "hook_plan.h"
#include <linux/types.h>
#include "memtrail.h"
#include "profile.h"
#include "unwind_maps.h"
#include "vm_map.h"

struct tracer;

/* What a trace follows (--events). */
enum mt_events {
	MT_EVENTS_MALLOC = 1 << 0,	/* the malloc family (uprobes) */
	MT_EVENTS_MMAP = 1 << 1,	/* mmap/munmap/mremap/brk (kernel hooks) */
	MT_EVENTS_FAULTS = 1 << 2,	/* pages first touched (page faults) */
	MT_EVENTS_RSS = 1 << 3,		/* RSS counters (kmem:rss_stat) */
	MT_EVENTS_KERNEL = MT_EVENTS_MMAP | MT_EVENTS_FAULTS | MT_EVENTS_RSS,
};

struct tracer_opts {
	size_t sz;		/* sizeof(struct tracer_opts) */
	uint32_t max_allocs;	/* entries in the live-allocation map */
	uint32_t max_stacks;	/* distinct user stacks kept */
	uint32_t max_procs;	/* processes followed (rss, targets maps) */
	uint32_t ring_bytes;	/* event ring size, a power of two of pages */
	bool empty_programs;	/* benchmark floor: same probes, programs do nothing */
	bool no_multi;		/* classic uprobes even where multi-uprobes exist */
	bool probe_at_entry;	/* every probe at its function's entry (benchmark baseline) */
	bool thread_fallback;	/* tests: refuse each thread's first task-storage creation */
	uint64_t sample_bytes;	/* --sample: mean bytes between sampled allocations; 0: all */
	unsigned events;	/* enum mt_events bits */
	const struct hook_plan *plan; /* kernel hook paths; needed with kernel events */
	bool filter_tgids;	/* kernel hooks act on tracer__add_target's pids only */
	enum mt_unwind_mode unwind_mode; /* how malloc stacks are walked (--unwind) */
	const struct unwind_override *unwind_overrides; /* --unwind-file */
	size_t n_unwind_overrides;
	uint32_t unwind_rows;	/* unwind-table pool size in rows (0: default) */
	bool filter_cgroups;	/* every hook acts only in tracer__add_cgroup's cgroups */
	/* announce the new processes of the target (tracer__add_cgroup's
	 * cgroups, else tracer__add_target's pids, which then gain the child
	 * in BPF) through on_spawn; fork_tracepoint: the classic tracepoint
	 * instead of tp_btf */
	bool follow_forks;
	bool fork_tracepoint;
	/* called from tracer__poll, after the purges, for each process a
	 * target member forked (type MT_EV_FORK; a thread id too on the
	 * classic path), each process moved into a target cgroup
	 * (MT_EV_JOIN, with filter_cgroups on tp_btf) and each process that
	 * exec'd (MT_EV_EXEC); ts_ns: when (CLOCK_MONOTONIC) */
	void (*on_spawn)(pid_t pid, uint32_t type, uint64_t ts_ns, void *ctx);
	/* called from tracer__poll for each process that exited, with what
	 * it still held (its entries are gone after the call) */
	void (*on_exit)(pid_t pid, int64_t bytes, int64_t allocs, void *ctx);
	void *ctx;
};

/* Opens and loads the BPF programs. NULL with errno set. */
struct tracer *tracer__new(const struct tracer_opts *opts);
void tracer__free(struct tracer *t);

/* Attaches the malloc-family probes to the ELF at path for process pid
 * (-1: every process that maps the file). Functions the file lacks are
 * skipped; it must at least have malloc and free. 0 or -errno. */
int tracer__attach_elf(struct tracer *t, const char *path, pid_t pid);
/* Makes pid a target of the kernel hooks (with filter_tgids). 0 or -errno. */
int tracer__add_target(struct tracer *t, pid_t pid);
/* Loads the unwind tables of the files pid maps now, and of paths[0..n)
 * (a command's libraries, before it maps them). Nothing without tables
 * (--unwind fp still reads whether each file keeps frame pointers).
 * 0 or -errno. */
int tracer__load_unwind(struct tracer *t, pid_t pid, char *const *paths, size_t n);
/* The unwind tables' use now. */
void tracer__unwind_stats(const struct tracer *t, struct unwind_maps_stats *st);
/* No longer a target of the kernel hooks (it exited). 0 or -errno. */
int tracer__remove_target(struct tracer *t, pid_t pid);
/* Makes the processes of cgroup2 id (the directory's inode) at level
 * (depth below the cgroup2 root, 0 for the root) and below targets of
 * every hook (with filter_cgroups). 0 or -errno. */
int tracer__add_cgroup(struct tracer *t, uint64_t id, int level);
/* Removes every probe attached for pid (not those of pid -1): its links
 * and file descriptors are freed, a later tracer__attach_elf for the same
 * pid attaches again. Returns how many files it had probed. */
size_t tracer__detach_pid(struct tracer *t, pid_t pid);
/* Number of probes attached so far. */
size_t tracer__nprobes(const struct tracer *t);

/* Waits up to timeout_ms for events, handles them (exit purges).
 * Returns 0 or -errno (-EINTR is passed up for the caller's loop). */
int tracer__poll(struct tracer *t, int timeout_ms);

/* Reads counters, outstanding totals, ages and stacks into p (frames are
 * addresses only; the symbolizer names them). Allocations younger than
 * min_age_ns are left out. Only processes accepted by keep() (NULL: all).
 * 0 or -errno. */
int tracer__snapshot(struct tracer *t, struct mt_profile *p, uint64_t min_age_ns,
		     bool (*keep)(pid_t pid, void *ctx), void *ctx);

/* The same, restricted to a window: only what was allocated (or mapped)
 * at or after since_ns (tracer__now_ns's clock) and is still outstanding.
 * Faults carry no time and are left out. 0 or -errno. */
int tracer__snapshot_since(struct tracer *t, struct mt_profile *p, uint64_t since_ns,
			   bool (*keep)(pid_t pid, void *ctx), void *ctx);
/* Now, on the clock of the allocations' timestamps (CLOCK_MONOTONIC). */
uint64_t tracer__now_ns(void);
/* The same, as an instant allocations are compared with: none made after
 * this returns is stamped earlier (a thread otherwise reuses its clock
 * reading within a jiffy: state.bpf.c). */
uint64_t tracer__mark_instant(struct tracer *t);
/* A descriptor that becomes readable when tracer__poll has events to
 * handle: another thread may wait on it without touching the tracer. */
int tracer__event_fd(const struct tracer *t);

/* The ranges pid mapped while traced (--events mmap), sorted, as kept
 * from the event stream; NULL with *n = 0 when none. Valid until the next
 * poll. */
const struct vm_range *tracer__vm_ranges(struct tracer *t, pid_t pid, size_t *n);

/* What memtrail costs now: its CPU time and RSS, and the memory of every
 * BPF map it loaded (the kernel's memlock figure in /proc/self/fdinfo).
 * Fills out (report_build_s left alone). 0 or -errno. */
int tracer__cost(const struct tracer *t, struct mt_tracer_cost *out);

#endif /* MT_TRACER_H */
