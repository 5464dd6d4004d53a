// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* A program with exactly known leaks, one named function per allocator
 * path, and a control function that frees everything it allocates.
 *
 *   leaky            leak, then exit (command mode, the demo)
 *   leaky --wait     print "ready", leak after a line on stdin, print
 *                    "done", exit at the next line or EOF; a line "exec"
 *                    instead re-executes the program in --wait mode, a
 *                    line "exec-leak" (a malloc, then at once) in
 *                    --leak-at-start mode
 *   leaky --leak-at-start  leak first thing, print "done", exit at the
 *                    next line or EOF
 *   leaky --many N   leak N blocks of LEAK_MANY_SIZE from leak_many (map limits)
 *   leaky --half N   leak_half allocates N blocks of LEAK_MANY_SIZE (at most
 *                    LEAK_HALF_MAX), then frees every second one
 *   leaky --remapped leak_remapped allocates an mmapped block, unmaps it
 *                    behind malloc's back, and allocates one that gets its
 *                    address (exit 3 if it does not)
 *   leaky --stacks B leak one LEAK_MANY_SIZE block from each of 2^B distinct
 *                    stacks (leak_leaf reached through walk_a/walk_b)
 *   leaky --aged     leak_held and leak_aged each allocate a block, one
 *                    second later leak_aged allocates another and frees
 *                    its first: its oldest block is 1 s younger (ages)
 *
 * The expected totals are in tests/integration/expected.h; change both. */
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "../integration/expected.h"

/* keeps the compiler from dropping stores and frees it could prove dead */
static void *volatile sink;

__attribute__((noinline)) void leak_malloc(void)
{
	for (int i = 0; i < LEAK_MALLOC_COUNT; i++)
		sink = malloc(LEAK_MALLOC_SIZE);
}

__attribute__((noinline)) void leak_calloc(void)
{
	for (int i = 0; i < LEAK_CALLOC_COUNT; i++)
		sink = calloc(LEAK_CALLOC_NMEMB, LEAK_CALLOC_SIZE);
}

/* The block after p is free and big enough, so glibc grows p in place. */
__attribute__((noinline)) void leak_realloc_inplace(void)
{
	/* sizes no earlier free left in tcache: all three come from the top, in order */
	char *p = malloc(100), *gap = malloc(4096), *fence = malloc(32), *q;

	free(gap); /* too big for tcache: really free, next to p */
	q = realloc(p, LEAK_REALLOC_INPLACE_SIZE);
	printf("realloc_inplace %s\n", q == p ? "same" : "moved");
	sink = q;
	free(fence);
}

/* The block after p is in use, so glibc must move it. */
__attribute__((noinline)) void leak_realloc_moved(void)
{
	/* a fence size no earlier free left in tcache, so it lands right after p */
	char *p = malloc(64), *fence = malloc(48), *q;

	q = realloc(p, LEAK_REALLOC_MOVED_SIZE);
	printf("realloc_moved %s\n", q == p ? "same" : "moved");
	sink = q;
	free(fence);
}

__attribute__((noinline)) void leak_realloc_null(void)
{
	sink = realloc(NULL, LEAK_REALLOC_NULL_SIZE);
}

__attribute__((noinline)) void leak_reallocarray(void)
{
	sink = reallocarray(NULL, LEAK_REALLOCARRAY_NMEMB, LEAK_REALLOCARRAY_SIZE);
}

__attribute__((noinline)) void leak_posix_memalign(void)
{
	void *p;

	for (int i = 0; i < LEAK_POSIX_MEMALIGN_COUNT; i++) {
		if (posix_memalign(&p, 64, LEAK_POSIX_MEMALIGN_SIZE) == 0)
			sink = p;
	}
}

__attribute__((noinline)) void leak_aligned_alloc(void)
{
	for (int i = 0; i < LEAK_ALIGNED_ALLOC_COUNT; i++)
		sink = aligned_alloc(128, LEAK_ALIGNED_ALLOC_SIZE);
}

__attribute__((noinline)) void leak_memalign(void)
{
	sink = memalign(256, LEAK_MEMALIGN_SIZE);
}

__attribute__((noinline)) void leak_valloc(void)
{
	sink = valloc(LEAK_VALLOC_SIZE);
}

__attribute__((noinline)) void leak_pvalloc(void)
{
	sink = pvalloc(LEAK_PVALLOC_SIZE);
}

__attribute__((noinline)) void *leak_in_thread(void *arg)
{
	(void)arg;
	/* the thread's first call nests (reallocarray goes on to realloc,
	 * and realloc(NULL) calls malloc): a thread whose state moves to
	 * task storage mid-call keeps its depth (test_malloc_family's
	 * thread-fallback case) */
	sink = reallocarray(NULL, 1, LEAK_THREAD_SIZE);
	for (int i = 1; i < LEAK_THREAD_COUNT; i++)
		sink = malloc(LEAK_THREAD_SIZE);
	return NULL;
}

/* The same amounts through every path, all freed: must not be reported. */
__attribute__((noinline)) void control_alloc_free(void)
{
	void *a[LEAK_MALLOC_COUNT], *p, *q;

	for (int i = 0; i < LEAK_MALLOC_COUNT; i++)
		a[i] = malloc(LEAK_MALLOC_SIZE);
	for (int i = 0; i < LEAK_MALLOC_COUNT; i++)
		free(a[i]);
	free(calloc(LEAK_CALLOC_NMEMB, LEAK_CALLOC_SIZE));
	p = realloc(malloc(64), LEAK_REALLOC_MOVED_SIZE);
	free(p);
	p = malloc(100);
	q = realloc(p, 0); /* frees p */
	free(q);
	if (posix_memalign(&p, 64, LEAK_POSIX_MEMALIGN_SIZE) == 0)
		free(p);
	free(aligned_alloc(128, LEAK_ALIGNED_ALLOC_SIZE));
	free(reallocarray(NULL, LEAK_REALLOCARRAY_NMEMB, LEAK_REALLOCARRAY_SIZE));
	free(NULL);
	/* a failed call is not an allocation */
	sink = malloc((size_t)-1 / 2);
}

static void leak_everything(void)
{
	pthread_t th[LEAK_THREADS];

	/* the realloc cases first, while glibc carves blocks from the top in
	 * order and no free block sits where the cases need a used one */
	leak_realloc_moved();
	leak_realloc_inplace();
	leak_malloc();
	leak_calloc();
	leak_realloc_null();
	leak_reallocarray();
	leak_posix_memalign();
	leak_aligned_alloc();
	leak_memalign();
	leak_valloc();
	leak_pvalloc();
	control_alloc_free();
	for (int i = 0; i < LEAK_THREADS; i++)
		pthread_create(&th[i], NULL, leak_in_thread, NULL);
	for (int i = 0; i < LEAK_THREADS; i++)
		pthread_join(th[i], NULL);
}

__attribute__((noinline)) void leak_leaf(void)
{
	sink = malloc(LEAK_MANY_SIZE);
}

void walk_a(unsigned long path, int bits);
void walk_b(unsigned long path, int bits);

/* each bit of path picks one of two call sites: 2^bits distinct stacks */
static void walk(unsigned long path, int bits)
{
	if (!bits)
		leak_leaf();
	else if (path & 1)
		walk_a(path >> 1, bits - 1);
	else
		walk_b(path >> 1, bits - 1);
}

__attribute__((noinline)) void walk_a(unsigned long path, int bits)
{
	walk(path, bits);
}

__attribute__((noinline)) void walk_b(unsigned long path, int bits)
{
	walk(path, bits);
}

__attribute__((noinline)) void leak_many(long n)
{
	for (long i = 0; i < n; i++)
		sink = malloc(LEAK_MANY_SIZE);
}

/* the pointers kept outside the heap: only the blocks are allocations */
static void *half_blocks[LEAK_HALF_MAX];

__attribute__((noinline)) void leak_half(long n)
{
	long i;

	if (n > LEAK_HALF_MAX)
		n = LEAK_HALF_MAX;
	for (i = 0; i < n; i++)
		half_blocks[i] = malloc(LEAK_MANY_SIZE);
	for (i = 1; i < n; i += 2)
		free(half_blocks[i]);
}

/* glibc serves a block this big by mmap, with its chunk's size (flag
 * bits in the low 3) in the word before it and the chunk 16 bytes before */
__attribute__((noinline)) void *leak_remapped(void)
{
	char *p = malloc(LEAK_REMAP_SIZE), *q;
	size_t chunk = ((size_t *)p)[-1] & ~(size_t)7;

	munmap(p - 2 * sizeof(size_t), chunk);
	/* the newest mapping's hole is the highest that fits: the same address */
	q = malloc(LEAK_REMAP_SIZE);
	return q == p ? q : NULL;
}

__attribute__((noinline)) void *leak_held(void)
{
	return malloc(LEAK_MANY_SIZE);
}

__attribute__((noinline)) void *leak_aged(void)
{
	return malloc(LEAK_MANY_SIZE);
}

static void leak_ages(void)
{
	static volatile int rounds = 2;	/* volatile: the loop is not unrolled */
	void *blocks[2];

	sink = leak_held();
	/* one call site: both blocks have the same stack */
	for (int i = 0; i < rounds && i < 2; i++) {
		blocks[i] = leak_aged();
		if (!i)
			sleep(1);
	}
	free(blocks[0]);
	sink = blocks[1];
}

int main(int argc, char **argv)
{
	char line[64];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "--wait")) {
		printf("ready %d\n", getpid());
		if (!fgets(line, sizeof(line), stdin))
			return 1;
		leak_everything();
		printf("done\n");
		if (!fgets(line, sizeof(line), stdin))
			return 0;
		/* "exec": replace this image with a fresh one, same pid; what
		 * this one leaked dies with it */
		if (!strcmp(line, "exec\n")) {
			execl("/proc/self/exe", argv[0], "--wait", (char *)NULL);
			return 1;
		}
		/* the new image leaks a millisecond or so after this image's
		 * last malloc: mostly within one clock tick of it */
		if (!strcmp(line, "exec-leak\n")) {
			sink = malloc(LEAK_MANY_SIZE);
			free(sink);
			execl("/proc/self/exe", argv[0], "--leak-at-start", (char *)NULL);
			return 1;
		}
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "--leak-at-start")) {
		char *got;

		leak_everything();
		printf("done\n");
		got = fgets(line, sizeof(line), stdin); /* exit at a line or EOF */
		(void)got;
		return 0;
	}
	if (argc > 2 && !strcmp(argv[1], "--many")) {
		leak_many(atol(argv[2]));
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "--remapped"))
		return leak_remapped() ? 0 : 3;
	if (argc > 2 && !strcmp(argv[1], "--half")) {
		leak_half(atol(argv[2]));
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "--aged")) {
		leak_ages();
		return 0;
	}
	if (argc > 2 && !strcmp(argv[1], "--stacks")) {
		int bits = atoi(argv[2]);

		for (unsigned long path = 0; path < 1ul << bits; path++)
			walk(path, bits);
		return 0;
	}
	leak_everything();
	printf("done\n");
	return 0;
}
