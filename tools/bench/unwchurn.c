// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* malloc/free churn DEPTH calls deep, for tools/bench/run-unwind.sh: the
 * unwinder's cost grows with the frames it walks. Built twice (Makefile),
 * with and without frame pointers. Prints the thread-CPU and the wall ns
 * per pair in churn's format.
 *   unwchurn DEPTH PAIRS */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void *volatile sink;

static double ts_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* noinline, and work after the call: every level is a real frame */
__attribute__((noinline, noclone)) static long descend(int depth, long pairs)
{
	long r = 0;

	if (depth > 0) {
		r = descend(depth - 1, pairs);
		__asm__ volatile("" : "+r"(r) : : "memory");
		return r + 1;
	}
	for (long i = 0; i < pairs; i++) {
		void *p = malloc(64 + (i & 63));

		sink = p;
		free(p);
	}
	return r;
}

int main(int argc, char **argv)
{
	int depth = argc > 1 ? atoi(argv[1]) : 8;
	long pairs = argc > 2 ? atol(argv[2]) : 100000;
	double c0, w0, cpu, wall;

	if (depth < 0 || depth > 200 || pairs < 1) {
		fprintf(stderr, "usage: unwchurn DEPTH(0-200) PAIRS\n");
		return 2;
	}
	c0 = ts_ns(CLOCK_THREAD_CPUTIME_ID);
	w0 = ts_ns(CLOCK_MONOTONIC);
	descend(depth, pairs);
	cpu = ts_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
	wall = ts_ns(CLOCK_MONOTONIC) - w0;
	printf("cpu_ns_per_pair %.1f wall_ns_per_pair %.1f\n", cpu / pairs, wall / pairs);
	return 0;
}
