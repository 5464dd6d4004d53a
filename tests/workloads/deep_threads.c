// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Threads that allocate through call chains of different depths, all at
 * once: thread i recurses DEPTH(i) times through `descend`, then runs
 * malloc/free pairs of DEEP_SIZE(i) bytes and keeps every DEEP_KEEP-th
 * block. A stack's size names its thread, and so the number of `descend`
 * frames it must have: a stack read that another thread's read ran into
 * (a preempted BPF program on one CPU) shows up as a wrong chain.
 * Prints "ready", runs on "go", prints "done", waits for end of input.
 *   deep_threads THREADS PAIRS */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include "../integration/expected.h"

static long pairs;
static void *volatile sink;

/* noinline and work after the call: every level is a real frame */
__attribute__((noinline, noclone)) static long descend(int depth, size_t size)
{
	long kept = 0;

	if (depth > 0) {
		kept = descend(depth - 1, size);
		__asm__ volatile("" : "+r"(kept) : : "memory");
		return kept;
	}
	for (long i = 1; i <= pairs; i++) {
		void *p = malloc(size);

		sink = p;
		if (i % DEEP_KEEP == 0)
			kept++; /* leaked */
		else
			free(p);
	}
	return kept;
}

static void *worker(void *arg)
{
	long i = (long)arg;

	descend(DEEP_DEPTH(i), DEEP_SIZE(i));
	return NULL;
}

int main(int argc, char **argv)
{
	long nthreads = argc > 1 ? atol(argv[1]) : 4;
	pthread_t th[DEEP_MAX_THREADS];
	char line[64];

	pairs = argc > 2 ? atol(argv[2]) : 20000;
	if (nthreads < 1 || nthreads > DEEP_MAX_THREADS || pairs < 1) {
		fprintf(stderr, "usage: deep_threads THREADS(1-%d) PAIRS\n", DEEP_MAX_THREADS);
		return 2;
	}
	printf("ready\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	for (long i = 0; i < nthreads; i++)
		pthread_create(&th[i], NULL, worker, (void *)i);
	for (long i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	printf("done\n");
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin))
		;
	return 0;
}
