/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What tests/workloads/leaky leaks, per leaking function (frames[0]):
 * exact bytes and allocations of one process. */
#ifndef MT_LEAKS_H
#define MT_LEAKS_H

#include "expected.h"

struct expect {
	const char *symbol;
	long long bytes, allocs;
};

static const struct expect leaks[] = {
	{ "leak_malloc", LEAK_MALLOC_COUNT * LEAK_MALLOC_SIZE, LEAK_MALLOC_COUNT },
	{ "leak_calloc", LEAK_CALLOC_COUNT * LEAK_CALLOC_NMEMB * LEAK_CALLOC_SIZE, LEAK_CALLOC_COUNT },
	{ "leak_realloc_inplace", LEAK_REALLOC_INPLACE_SIZE, 1 },
	{ "leak_realloc_moved", LEAK_REALLOC_MOVED_SIZE, 1 },
	{ "leak_realloc_null", LEAK_REALLOC_NULL_SIZE, 1 },
	{ "leak_reallocarray", LEAK_REALLOCARRAY_NMEMB * LEAK_REALLOCARRAY_SIZE, 1 },
	{ "leak_posix_memalign", LEAK_POSIX_MEMALIGN_COUNT * LEAK_POSIX_MEMALIGN_SIZE, LEAK_POSIX_MEMALIGN_COUNT },
	{ "leak_aligned_alloc", LEAK_ALIGNED_ALLOC_COUNT * LEAK_ALIGNED_ALLOC_SIZE, LEAK_ALIGNED_ALLOC_COUNT },
	{ "leak_memalign", LEAK_MEMALIGN_SIZE, 1 },
	{ "leak_valloc", LEAK_VALLOC_SIZE, 1 },
	{ "leak_pvalloc", LEAK_PVALLOC_BYTES, 1 },
	{ "leak_in_thread", LEAK_THREADS * LEAK_THREAD_COUNT * LEAK_THREAD_SIZE,
	  LEAK_THREADS * LEAK_THREAD_COUNT },
};

#define NLEAKS (sizeof(leaks) / sizeof(leaks[0]))

#endif /* MT_LEAKS_H */
