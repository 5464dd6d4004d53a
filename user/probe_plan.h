/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The probe points of one allocator file: for each malloc-family function
 * (and each libc syscall wrapper with --events mmap) it defines, the file
 * offset of its entry and where its probe goes (prologue.c), aliases once.
 * Read by the attacher and by --check. */
#ifndef MT_PROBE_PLAN_H
#define MT_PROBE_PLAN_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>
#include "memtrail.h"
#include "prologue.h"

#define PROBE_PLAN_MAX (MT_FN__COUNT + 3)

struct probe_point {
	enum mt_func fn;		/* MT_FN_SYSCALL_WRAPPER for mmap, mremap, brk */
	const char *name;		/* static: the symbol */
	uint64_t entry;			/* file offset of the function's entry */
	uint64_t offset;		/* file offset of the probe: entry + site.offset */
	bool has_return;		/* an allocating function: a return probe too */
	struct probe_site site;
};

/* A function left without a probe: its calls reach another one's. */
struct probe_skip {
	const char *name;		/* static: the symbol */
	const char *why;		/* static text */
};

struct probe_plan {
	struct probe_point points[PROBE_PLAN_MAX];
	size_t n;
	struct probe_skip skipped[PROBE_PLAN_MAX];
	size_t nskipped;
};

/* The probe points of the ELF file at path: malloc-family functions when
 * malloc is set, the syscall wrappers when wrappers is set. at_entry keeps
 * every probe at its function's entry (the benchmark's baseline); else a
 * reallocarray that only checks its arguments and tail-calls realloc gets
 * no probe (skipped[]): realloc's probe sees its calls.
 * 0 or -errno (-ENOENT: the file defines no malloc or no free). */
int probe_plan__build(const char *path, bool malloc, bool wrappers, bool at_entry,
		      struct probe_plan *plan);

/* Whether the function's call returns through a return probe. */
bool probe_plan__has_return(enum mt_func fn);

#endif /* MT_PROBE_PLAN_H */
