// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Exactly counted allocator calls, for the tests that a probe placement
 * or a sampling mode misses none and invents none:
 *
 *   counted ITER LEAKS   print "ready PID", and on a line on stdin: ITER
 *                        rounds of every allocator entry point, each
 *                        block freed (COUNTED_* in expected.h say how
 *                        many allocations and frees a round makes), plus
 *                        free(NULL)s; then LEAKS blocks of
 *                        COUNTED_LEAK_SIZE(i) bytes kept by keep_blocks;
 *                        then "done". Exits at the next line or EOF.
 *
 * Between "ready" and "done" nothing else allocates: no stdio, only
 * read() and write(). */
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../integration/expected.h"

static void *volatile sink;

__attribute__((noinline)) void one_round(long i)
{
	size_t n = 16 + (i & 255);
	void *p;

	free(malloc(n));
	free(calloc(3, n));
	p = realloc(NULL, n);		/* an allocation */
	p = realloc(p, 4 * n);		/* a free and an allocation */
	free(p);
	if (!posix_memalign(&p, 64, n))
		free(p);
	free(aligned_alloc(64, 64 * (1 + (i & 3))));
	free(memalign(32, n));
	free(valloc(n));
	free(pvalloc(n));
	free(reallocarray(NULL, 4, n));
	free(NULL);			/* nothing */
}

/* COUNTED_ARRAYS in the environment: the kept blocks come from
 * reallocarray (which goes on to realloc(NULL), which calls malloc)
 * instead of malloc */
__attribute__((noinline)) void keep_blocks(long leaks)
{
	bool arrays = getenv("COUNTED_ARRAYS") != NULL;

	for (long i = 0; i < leaks; i++)
		sink = arrays ? reallocarray(NULL, 1, COUNTED_LEAK_SIZE(i))
			      : malloc(COUNTED_LEAK_SIZE(i));
}

/* Reads a line from stdin; false at EOF. */
static bool line_in(void)
{
	char c;

	while (read(0, &c, 1) == 1)
		if (c == '\n')
			return true;
	return false;
}

static void say(const char *s)
{
	if (write(1, s, strlen(s)) < 0)
		_exit(1);
}

int main(int argc, char **argv)
{
	long iter = argc > 2 ? atol(argv[1]) : 0, leaks = argc > 2 ? atol(argv[2]) : 0;
	char line[64];

	if (argc != 3 || iter < 0 || leaks < 0) {
		fprintf(stderr, "usage: counted ITER LEAKS\n");
		return 2;
	}
	snprintf(line, sizeof(line), "ready %d\n", getpid());
	say(line);
	if (!line_in())
		return 1;
	for (long i = 0; i < iter; i++)
		one_round(i);
	keep_blocks(leaks);
	say("done\n");
	line_in();
	return 0;
}
