// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Probes past the first byte (user/prologue.c) miss no call and count
 * none twice: tests/workloads/counted makes an exact number of calls of
 * every allocator entry point, and the moved probes must count exactly
 * what the probes at the entries count, on both attach paths. */
#include "counted.h"

#define ITER 2000
#define LEAKS 37

static void assert_exact(json_t *root, pid_t pid)
{
	long long bytes = 0, allocs;

	cr_expect_eq(stat_of(root, "allocs"), ITER * COUNTED_ROUND_ALLOCS + LEAKS,
		     "allocs %lld, expected %d", stat_of(root, "allocs"),
		     ITER * COUNTED_ROUND_ALLOCS + LEAKS);
	cr_expect_eq(stat_of(root, "frees"), ITER * COUNTED_ROUND_FREES, "frees %lld, expected %d",
		     stat_of(root, "frees"), ITER * COUNTED_ROUND_FREES);
	cr_expect_eq(stat_of(root, "unmatched_frees"), 0);
	cr_expect_eq(stat_of(root, "failed_allocs"), 0);
	cr_expect_eq(stat_of(root, "drops_total"), 0);
	cr_expect_eq(sum_by_symbol(root, pid, "keep_blocks", &bytes, &allocs), 1);
	cr_expect_eq(bytes, counted_leak_bytes(LEAKS), "keep_blocks holds %lld bytes, expected %lld",
		     bytes, counted_leak_bytes(LEAKS));
	cr_expect_eq(allocs, LEAKS);
	cr_expect_eq(sum_by_symbol(root, pid, "one_round", &bytes, &allocs), 0,
		     "one_round freed everything but holds %lld bytes", bytes);
	json_decref(root);
}

TestSuite(probe_placement, .timeout = TEST_TIMEOUT);

Test(probe_placement, moved_probes_count_exactly)
{
	char log[16384];
	json_t *root;
	pid_t pid;

	require_root();
	root = trace_counted(ITER, LEAKS, (char *[]){ NULL }, &pid, log, sizeof(log));
	assert_exact(root, pid);
	/* glibc's free begins with an instruction the kernel single-steps:
	 * its probe moved */
	cr_expect(strstr(log, ": free at file offset") && strstr(log, "(entry+"),
		  "no moved probe in: %s", log);
}

Test(probe_placement, classic_uprobes_count_exactly)
{
	char log[16384];
	json_t *root;
	pid_t pid;

	require_root();
	root = trace_counted(ITER, LEAKS, (char *[]){ "--classic-uprobes", NULL }, &pid, log,
			     sizeof(log));
	assert_exact(root, pid);
}

Test(probe_placement, probes_at_entry_count_the_same)
{
	char log[16384];
	json_t *root;
	pid_t pid;

	require_root();
	root = trace_counted(ITER, LEAKS, (char *[]){ "--probe-at-entry", NULL }, &pid, log,
			     sizeof(log));
	assert_exact(root, pid);
	cr_expect(!strstr(log, "(entry+"), "a probe moved with --probe-at-entry: %s", log);
}
