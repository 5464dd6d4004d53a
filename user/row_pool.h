/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The unwind-row pool's allocator: extents of one array of rows shared by
 * every file's table (unwind_rows, mmap'd). First fit over a sorted,
 * coalesced free list. A released extent is held back for a while before
 * it is handed out again: a BPF walk that read the file's entry just
 * before it was deleted may still be reading its rows, and must not see
 * another file's. */
#ifndef MT_ROW_POOL_H
#define MT_ROW_POOL_H

#include <stddef.h>
#include <stdint.h>

#define ROW_POOL_HOLD_NS 1000000000ull /* far longer than any walk */

struct row_extent {
	uint32_t start, len;
};

struct row_pool {
	struct row_extent *free;	/* sorted by start, coalesced */
	size_t nfree, free_cap;
	struct row_extent *held;	/* released, not yet free */
	uint64_t *held_at;		/* when each was released */
	size_t nheld, held_cap, held_at_cap;
	size_t used;			/* rows handed out */
};

/* A pool of rows [0, rows). 0 or -ENOMEM. */
int row_pool__init(struct row_pool *p, uint32_t rows);
void row_pool__fini(struct row_pool *p);
/* An extent of len rows (first fit), after freeing what has been held
 * ROW_POOL_HOLD_NS by now_ns. 0 or -ENOSPC. */
int row_pool__alloc(struct row_pool *p, uint32_t len, uint64_t now_ns, struct row_extent *out);
/* Gives e back at now_ns; it becomes free ROW_POOL_HOLD_NS later. */
void row_pool__release(struct row_pool *p, struct row_extent e, uint64_t now_ns);
/* Rows held back from reuse. */
size_t row_pool__held_rows(const struct row_pool *p);

#endif /* MT_ROW_POOL_H */
