// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* malloc/free churn for tools/bench: THREADS threads each run PAIRS
 * malloc+free pairs; prints the median thread-CPU and the wall ns per pair.
 *   churn THREADS PAIRS */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long pairs;
static void *volatile sink;

static double ts_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void *worker(void *arg)
{
	double *cpu_ns = arg, t0 = ts_ns(CLOCK_THREAD_CPUTIME_ID);

	for (long i = 0; i < pairs; i++) {
		void *p = malloc(64 + (i & 63));

		sink = p;
		free(p);
	}
	*cpu_ns = ts_ns(CLOCK_THREAD_CPUTIME_ID) - t0;
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int nthreads = argc > 1 ? atoi(argv[1]) : 1;
	pthread_t th[64];
	double cpu[64], wall0, wall;

	pairs = argc > 2 ? atol(argv[2]) : 1000000;
	if (nthreads < 1 || nthreads > 64 || pairs < 1) {
		fprintf(stderr, "usage: churn THREADS(1-64) PAIRS\n");
		return 2;
	}
	wall0 = ts_ns(CLOCK_MONOTONIC);
	for (int i = 0; i < nthreads; i++)
		pthread_create(&th[i], NULL, worker, &cpu[i]);
	for (int i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	wall = ts_ns(CLOCK_MONOTONIC) - wall0;
	qsort(cpu, nthreads, sizeof(cpu[0]), cmp);
	/* cpu: per thread; wall: elapsed per pair of one thread's share */
	printf("cpu_ns_per_pair %.1f wall_ns_per_pair %.1f\n",
	       cpu[nthreads / 2] / pairs, wall / pairs);
	return 0;
}
