/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The in-memory profile: the one model every writer reads. The tracer fills
 * it from the BPF maps, the symbolizer names its frames, writers print it.
 * No writer talks to BPF; no tracer code formats output. */
#ifndef MT_PROFILE_H
#define MT_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "rss_account.h"

enum mt_target_kind {
	MT_TARGET_SYSTEM = 0,
	MT_TARGET_PID,
	MT_TARGET_COMMAND,
	MT_TARGET_CGROUP,	/* value: the group's directory */
	MT_TARGET_POD,		/* value: the pod's UID */
	MT_TARGET_CONTAINER,	/* value: the container's ID */
};

/* A function inlined at a frame's address (DWARF). */
struct mt_inline {
	char *symbol;		/* the inlined function's name */
	char *file;		/* source position inside it, NULL when unknown */
	uint32_t line;
};

/* One frame of a user stack. addr comes from BPF; the rest is filled by the
 * symbolizer (strings owned by the profile). */
struct mt_frame {
	uint64_t addr;		/* virtual address in the process */
	char *symbol;		/* function name, NULL when unresolved */
	uint64_t offset;	/* addr - start of symbol */
	char *module;		/* path of the ELF mapped at addr, NULL if none */
	uint64_t module_offset; /* file offset of addr within module */
	char *file;		/* source file, NULL when unknown */
	uint32_t line;		/* source line, 0 when unknown */
	char *reason;		/* why symbol is NULL ("no symbols", "unmapped", ...) */
	char *build_id;		/* module's GNU build ID in hex, NULL when none */
	/* Inlined calls at addr, innermost first. symbol/file/line above are
	 * then the containing (real) function and the call site, in it, of
	 * the outermost inlined call; without inlines, addr's own position. */
	struct mt_inline *inlines;
	size_t ninlines;
	/* strings and inlines are the profile's (a frame template's, see
	 * mt_profile__frame_template), not this frame's to free */
	bool shared;
};

/* One process's share of a sample whose stack several processes hold
 * (replicas merged by mt_profile__merge_replicas, profile_merge.h). */
struct mt_sample_pid {
	pid_t pid;
	char comm[16];
	uint64_t bytes;
	uint64_t allocs;
	uint64_t stack_id;	/* the stack's id in this process's trace */
	double oldest_age_s;
};

/* Outstanding memory of one (process, stack, kind); after replica merging,
 * of one stack in every process that holds it: pid, comm, stack_id and
 * frames are then those of the largest contributor, bytes, allocs and
 * oldest_age_s cover them all, and pids[] has each one's share. */
struct mt_sample {
	pid_t pid;
	char comm[16];
	const char *kind;	/* "malloc", "mmap", "fault" (static string) */
	const char *mapping;	/* mmap: "anon_private", "file_shared", ...; else NULL */
	uint64_t stack_id;	/* the stack's id in the trace (RSS accounts name it) */
	uint64_t bytes;
	uint64_t allocs;
	uint64_t samples;	/* --sample: sampled allocations behind the estimated
				   bytes and allocs; 0 when they are exact */
	double oldest_age_s;	/* age of its oldest outstanding allocation */
	bool stack_lost;	/* stack could not be stored: frames empty (counted in drops) */
	bool stack_walked;	/* memtrail's unwinder walked it (else: not checked) */
	bool stack_partial;	/* ... and stopped early or guessed a frame (in drops) */
	size_t nframes;
	struct mt_frame *frames; /* frames[0]: the code that called the allocator */
	struct mt_sample_pid *pids; /* shares, largest first; NULL: pid's alone */
	size_t npids;
};

struct mt_process {
	pid_t pid;
	char comm[16];
	uint64_t outstanding_bytes;
	uint64_t outstanding_allocs;
	uint64_t rss_bytes;	/* 0 when the process is gone */
	uint64_t faulted_bytes;	/* "fault" samples: resident growth, not held memory */
	uint64_t faults;
	/* --events rss: the kernel's RSS counters over the trace, in bytes
	 * (kmem:rss_stat); now[] is current, peak[] the highest seen */
	bool rss_traced;
	uint64_t rss_ts_ns;	/* when the counters last changed */
	struct mt_rss_counters {
		int64_t anon, file, shmem, swap;
	} rss_now, rss_peak;
};

/* A named counter: every event not recorded exactly is one of these. */
struct mt_counter {
	const char *name;	/* static string, snake_case */
	uint64_t value;
};

/* What memtrail itself costs (tracer_cost.c fills it). */
#define MT_COST_MAX_MAPS 32
struct mt_tracer_cost {
	bool known;		/* false: not measured (writers print nothing) */
	double cpu_user_s, cpu_sys_s; /* memtrail's own CPU time so far */
	uint64_t rss_bytes;	/* its VmRSS now */
	uint64_t rss_peak_bytes; /* its VmHWM */
	uint64_t rss_map_bytes;	/* of rss_bytes: BPF maps it maps (their pages are
				   the maps' memory, counted in map_bytes too) */
	uint64_t map_bytes;	/* BPF map memory: sum of each map's memlock */
	double report_build_s;	/* this report: snapshot + symbolization, wall */
	double report_build_cpu_s; /* ... and the CPU time it took */
	struct mt_map_cost {
		char name[16];	/* BPF object names are at most 15 bytes */
		uint32_t max_entries;
		uint64_t memlock_bytes; /* the kernel's figure (fdinfo) */
	} maps[MT_COST_MAX_MAPS];
	size_t nmaps;
};

struct mt_profile {
	enum mt_target_kind target_kind;
	char *target_value;	/* "1234,5678", the command line, "" */
	double duration_s;
	uint64_t min_age_ns;	/* allocations younger than this were left out */

	uint64_t allocs;	/* allocations recorded */
	uint64_t frees;		/* frees matched to a recorded allocation */
	uint64_t unmatched_frees; /* frees of memory allocated before tracing */
	uint64_t failed_allocs;	/* NULL / error results: not allocations */
	uint64_t nested_calls;	/* allocator calls inside another one, counted once */
	uint64_t inferred_frees; /* address handed out again without a free we saw:
				    the old record was retired then */
	uint64_t sample_bytes;	/* --sample: mean bytes between samples; 0: exact */
	uint64_t frees_unsampled; /* --sample: frees of blocks never sampled (expected) */
	uint64_t stack_walks;	/* stacks memtrail's unwinder walked (not replayed) */
	uint64_t thread_fallbacks; /* threads that kept their state by thread id for
				      want of task storage (until they got it) */
	uint64_t live_overflows; /* allocations that found their slots taken and
				    went to the overflow hash */
	struct mt_counter *drops;
	size_t ndrops;

	struct mt_process *processes;
	size_t nprocesses;
	struct mt_sample *samples;
	size_t nsamples;

	/* Command mode: what the command left behind when it exited. */
	bool command_exited;
	int command_exit_code;	/* exit status, or -signal when killed */

	char **notes;		/* one-line remarks for the reader */
	size_t nnotes;

	/* Kernel events: each traced process's RSS, split into what explains
	 * it (rss_account.h); owned by the profile. */
	struct rss_account *accounts;
	size_t naccounts;

	struct mt_tracer_cost tracer;
};

struct mt_profile *mt_profile__new(enum mt_target_kind kind, const char *value);
void mt_profile__free(struct mt_profile *p);

/* Appends a sample; frames get addrs[0..n) (copied), symbol fields empty.
 * Returns the sample, or NULL with errno set. */
struct mt_sample *mt_profile__add_sample(struct mt_profile *p, pid_t pid,
					 const char *comm, const char *kind,
					 const uint64_t *addrs, size_t n);
/* The process entry for pid, or NULL when there is none. */
struct mt_process *mt_profile__find_process(struct mt_profile *p, pid_t pid);
/* Returns the process entry for pid, creating it; NULL with errno set. */
struct mt_process *mt_profile__process(struct mt_profile *p, pid_t pid,
				       const char *comm);
/* Adds (or raises) a named drop counter. */
int mt_profile__add_drop(struct mt_profile *p, const char *name, uint64_t value);
/* Appends a printf-formatted note. */
int mt_profile__add_note(struct mt_profile *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Sets the symbol fields of a frame (strings copied; NULL allowed). */
int mt_frame__set(struct mt_frame *f, const char *symbol, uint64_t offset,
		  const char *module, uint64_t module_offset,
		  const char *reason);
/* Sets a frame's source position and module build ID (copied; NULL ok). */
int mt_frame__set_source(struct mt_frame *f, const char *file, uint32_t line,
			 const char *build_id);
/* Appends an inlined call (innermost first); strings copied. */
int mt_frame__add_inline(struct mt_frame *f, const char *symbol,
			 const char *file, uint32_t line);
/* The one frame of the profile for address addr of process pid: frames
 * repeat across stacks, so each is named once and shared. *fresh is true
 * when it was just made (addr set, to be named with mt_frame__set & co).
 * Lives until mt_profile__free. NULL with errno set. */
struct mt_frame *mt_profile__frame_template(struct mt_profile *p, pid_t pid,
					    uint64_t addr, bool *fresh);
/* Makes dst a copy of tmpl that shares its strings (dst->shared). */
void mt_frame__share(struct mt_frame *dst, const struct mt_frame *tmpl);
/* pid's share of s: a pids[] entry, or *own filled from s itself when s
 * is pid's alone; NULL when pid holds none of it. Per-process figures
 * come from here, never from s->pid alone. */
const struct mt_sample_pid *mt_sample__share(const struct mt_sample *s, pid_t pid,
					     struct mt_sample_pid *own);
/* Frees what a sample owns (frames, shares); the slot is left zeroed. */
void mt_sample__clear(struct mt_sample *s);
/* Orders samples largest first (bytes, then allocs, then pid) and
 * processes the same way; fills per-process totals from the samples. */
void mt_profile__finish(struct mt_profile *p);
/* True for memory a sample holds (malloc, mmap); false for "fault"
 * samples, which count pages touched inside that memory: adding them to
 * the held bytes would count those bytes twice. */
bool mt_sample__held(const struct mt_sample *s);
/* Sums bytes and allocs over the held samples of samples[from..nsamples). */
void mt_profile__sum(const struct mt_profile *p, size_t from, uint64_t *bytes,
		     uint64_t *allocs);
/* How many samples a writer shows at most top of (0: all). */
size_t mt_profile__shown(const struct mt_profile *p, size_t top);
/* Sum of counters in drops. */
uint64_t mt_profile__total_drops(const struct mt_profile *p);

const char *mt_target_kind__str(enum mt_target_kind kind);

#endif /* MT_PROFILE_H */
