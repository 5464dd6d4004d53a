// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Kernel-event churn for tools/bench: what memtrail's kernel hooks add.
 *   vmchurn mmap N     N mmap+munmap pairs of 64 KiB
 *   vmchurn faults N   N first-touch page faults (4 MiB regions, touched
 *                      page by page, then unmapped)
 * Prints thread-CPU and wall ns per operation (pair or fault). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#define REGION (4L << 20)

static double ts_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static char *map(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	madvise(p, len, MADV_NOHUGEPAGE); /* one fault per page */
	return p;
}

int main(int argc, char **argv)
{
	long n = argc > 2 ? atol(argv[2]) : 0, page = sysconf(_SC_PAGESIZE), done = 0;
	double cpu0, wall0;

	if (argc < 3 || n < 1 || (strcmp(argv[1], "mmap") && strcmp(argv[1], "faults"))) {
		fprintf(stderr, "usage: vmchurn mmap|faults N\n");
		return 2;
	}
	cpu0 = ts_ns(CLOCK_THREAD_CPUTIME_ID);
	wall0 = ts_ns(CLOCK_MONOTONIC);
	if (!strcmp(argv[1], "mmap")) {
		for (; done < n; done++)
			munmap(map(64 << 10), 64 << 10);
	} else {
		while (done < n) {
			char *p = map(REGION);

			for (long off = 0; off < REGION && done < n; off += page, done++)
				p[off] = 1;
			munmap(p, REGION);
		}
	}
	printf("cpu_ns_per_op %.1f wall_ns_per_op %.1f\n",
	       (ts_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0) / n, (ts_ns(CLOCK_MONOTONIC) - wall0) / n);
	return 0;
}
