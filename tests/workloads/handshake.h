/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The tests' handshake with a workload: it prints "ready" (the test
 * attaches), runs on a line of input ("go"), prints "done" (the test
 * reads the report), then waits for the end of its input (so that its
 * memory map is still there when memtrail symbolizes). */
#ifndef WORKLOAD_HANDSHAKE_H
#define WORKLOAD_HANDSHAKE_H

#include <stdio.h>

/* Returns main's exit status: 1 when no "go" came. */
static inline int run_on_go(void (*run)(void))
{
	char line[64];

	printf("ready\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	run();
	printf("done\n");
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin))
		;
	return 0;
}

#endif /* WORKLOAD_HANDSHAKE_H */
