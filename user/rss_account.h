/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The RSS account of one process: RSS as the kernel reports it, then what
 * memtrail explains, in classes that never count a page twice, and the
 * remainder nothing explains.
 *
 * Every resident page of every mapping lands in exactly one class:
 *   heap           [heap], RSS_RANGE_ALLOCATOR ranges, mappings glibc named
 *                  "[anon: glibc: malloc...]", and (heuristic) glibc arenas
 *                  made before tracing: the rw-p start of a 64 MiB-aligned
 *                  region followed by ---p, all within 64 MiB (HEAP_MAX_SIZE)
 *   mmap           RSS_RANGE_USER_MMAP ranges of private anonymous mappings
 *   thread stacks  [stack], and the mapping holding each thread's stack
 *                  pointer (cut to the traced range around it, if any)
 *   files          pages of file mappings that are not anonymous copies
 *                  (COW), by path; kernel pages ([vdso], [uprobes]) by name
 *   shmem          pages of tmpfs / shared anonymous / SysV / memfd mappings
 *                  that are not anonymous copies
 *   other anon     everything else: anonymous memory mapped before tracing
 *                  or by untraced code, COW copies in file mappings
 * Where two claims overlap the stronger wins: thread stack > allocator >
 * user mmap > arena heuristic > what the mapping is by its name. Traced
 * ranges claim pages of private anonymous mappings only.
 *
 * unexplained = other anon + (status VmRSS - sum of smaps Rss); the second
 * part is what changed between the reads, or what the kernel's batched RSS
 * counters had not folded yet. So heap + mmap + thread stacks + files +
 * shmem + unexplained = VmRSS, always. */
#ifndef MT_RSS_ACCOUNT_H
#define MT_RSS_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "smaps.h"

/* A range whose origin tracing knows. */
enum rss_range_class {
	RSS_RANGE_USER_MMAP = 0,	/* mmap/brk by a traced stack */
	RSS_RANGE_ALLOCATOR,		/* mmap/brk made inside malloc & co */
};

struct rss_range {
	uint64_t start, end;		/* [start, end) */
	enum rss_range_class cls;
	uint64_t stack_id;		/* the stack that made it (USER_MMAP) */
};

struct rss_input {
	pid_t pid;
	const char *proc_root;		/* NULL: "/proc" (tests may point elsewhere) */
	const struct rss_range *ranges;	/* any order; may cover parts of mappings
					   and overlap each other */
	size_t nranges;
	uint64_t malloc_live_bytes;	/* outstanding malloc bytes (from the trace) */
	size_t top_files;		/* how many files to list (0: 10) */
};

struct rss_stack_bytes {
	uint64_t stack_id;
	uint64_t resident;
};

struct rss_file_bytes {
	char *path;			/* " (deleted)" kept when the file is gone */
	uint64_t resident;
};

struct rss_account {
	pid_t pid;

	/* as the kernel reports it */
	struct smaps_status status;
	struct smaps_rollup rollup;
	uint64_t smaps_rss;		/* sum of Rss over the mappings walked */

	/* explained; resident bytes */
	uint64_t malloc_live;		/* the input */
	uint64_t heap_resident;
	uint64_t heap_guessed;		/* of heap_resident: by the arena heuristic */
	uint64_t allocator_retention;	/* heap_resident - malloc_live when positive:
					   arenas, fragmentation, freed but kept */
	uint64_t heap_unbacked_live;	/* malloc_live - heap_resident when positive:
					   allocated, never touched */

	uint64_t mmap_anon_resident;
	struct rss_stack_bytes *mmap_by_stack;	/* largest first, none at 0 */
	size_t nmmap_by_stack;

	size_t threads;			/* threads of the process */
	size_t thread_stacks;		/* threads whose stack was located */
	size_t threads_guessed;		/* of those: by the guard-page heuristic */
	uint64_t thread_stack_resident;	/* each stack counted once */

	uint64_t file_resident;
	struct rss_file_bytes *files;	/* top files, largest first */
	size_t nfiles;
	size_t files_total;		/* distinct files; nfiles of them listed */

	uint64_t shmem_resident;

	/* unexplained */
	uint64_t other_anon;
	int64_t rss_gap;		/* status VmRSS - smaps_rss */
	int64_t unexplained_bytes;	/* other_anon + rss_gap */
	double unexplained_pct;		/* of VmRSS; 0 when VmRSS is 0 */

	/* bounds: what was not measured (its pages stay in other anon) */
	size_t vmas;			/* mappings walked */
	size_t vmas_skipped;		/* past the limit: in rss_gap */
	size_t ranges_unmeasured;	/* over the pagemap budget */
	uint64_t pagemap_pages;		/* pagemap entries read */

	char **notes;			/* one-line remarks for the reader */
	size_t nnotes;
};

/* Fills out. 0 or -errno (-ESRCH: the process is gone; -EINVAL: bad input).
 * On error out holds nothing to free. */
int rss_account__compute(const struct rss_input *in, struct rss_account *out);
void rss_account__free(struct rss_account *a);

#endif /* MT_RSS_ACCOUNT_H */
