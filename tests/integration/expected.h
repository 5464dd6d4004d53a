/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What tests/workloads/leaky.c and counted.c leak, shared by the workload (which does
 * it) and the integration tests (which assert it). */
#ifndef MT_EXPECTED_H
#define MT_EXPECTED_H

#define LEAK_MALLOC_COUNT 10
#define LEAK_MALLOC_SIZE 1000
#define LEAK_CALLOC_COUNT 8
#define LEAK_CALLOC_NMEMB 16
#define LEAK_CALLOC_SIZE 64
#define LEAK_REALLOC_INPLACE_SIZE 2000
#define LEAK_REALLOC_MOVED_SIZE 3000
#define LEAK_REALLOC_NULL_SIZE 700
#define LEAK_REALLOCARRAY_NMEMB 10
#define LEAK_REALLOCARRAY_SIZE 50
#define LEAK_POSIX_MEMALIGN_COUNT 3
#define LEAK_POSIX_MEMALIGN_SIZE 1024
#define LEAK_ALIGNED_ALLOC_COUNT 2
#define LEAK_ALIGNED_ALLOC_SIZE 512
#define LEAK_MEMALIGN_SIZE 300
#define LEAK_VALLOC_SIZE 100
#define LEAK_PVALLOC_SIZE 5000
#define LEAK_PVALLOC_BYTES 8192 /* pvalloc rounds up to whole pages */
#define LEAK_THREADS 4
#define LEAK_THREAD_COUNT 8
#define LEAK_THREAD_SIZE 256
#define LEAK_MANY_SIZE 16
#define LEAK_HALF_MAX 65536 /* leaky --half: blocks at most */
#define LEAK_REMAP_SIZE (1 << 20) /* leaky --remapped: served by mmap */

/* tests/workloads/counted.c: one round of every entry point */
#define COUNTED_ROUND_ALLOCS 10
#define COUNTED_ROUND_FREES 10
/* the size of kept block i: 8 bytes to 64 KiB, every scale of a heap */
#define COUNTED_LEAK_SIZE(i) (8 + ((i) * 7919) % 65536)

/* tests/workloads/deep_threads.c: thread i allocates DEEP_SIZE(i) bytes
 * DEEP_DEPTH(i) calls deep and keeps every DEEP_KEEP-th block */
#define DEEP_DEPTH(i) (2 + 5 * (i))
#define DEEP_SIZE(i) (1000 + 16 * (i))
#define DEEP_KEEP 64
#define DEEP_MAX_THREADS 16

/* tests/workloads/twin_callers.c: one site, two callers in turn */
#define TWIN_ROUNDS 200
#define TWIN_LEFT_SIZE 3000
#define TWIN_RIGHT_SIZE 3008

/* tests/workloads/long_chain.c: one site LONG_CHAIN_DEPTH distinct calls
 * deep in one file, more than the unwinder's 32-entry memo holds; it
 * keeps LONG_CHAIN_ROUNDS blocks of LONG_CHAIN_SIZE bytes */
#define LONG_CHAIN_DEPTH 40
#define LONG_CHAIN_ROUNDS 300
#define LONG_CHAIN_SIZE 2000

#endif /* MT_EXPECTED_H */
