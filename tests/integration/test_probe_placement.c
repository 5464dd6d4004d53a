// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Probes past the first byte (user/prologue.c) miss no call and count
 * none twice: tests/workloads/counted makes an exact number of calls of
 * every allocator entry point, and the moved probes must count exactly
 * what the probes at the entries count, on both attach paths. */
#include "harness.h"
#include "expected.h"

#define ITER 2000
#define LEAKS 37
#define STR_(x) #x
#define STR(x) STR_(x)

static long long stat_of(json_t *root, const char *name)
{
	return json_integer_value(json_object_get(json_object_get(root, "stats"), name));
}

/* start_memtrail, keeping in log what memtrail says before "tracing" */
static void start_memtrail_logged(struct child *mt, const char *out, char **args, char *log,
				  size_t logsz)
{
	char *argv[20] = { (char *)mt_bin() };
	int i;

	for (i = 0; args[i] && i < 18; i++)
		argv[i + 1] = args[i];
	spawn(argv, mt, out);
	cr_assert(wait_for(&mt->err, "tracing", 30000, log, logsz),
		  "memtrail did not start tracing: %s", log);
}

/* Traces one run of counted with extra args; asserts the exact counts
 * and returns memtrail's stderr (the -v probe placement lines). */
static void trace_counted(char **extra, char *log, size_t logsz)
{
	char out[256], pidarg[32], line[256], *args[16] = { "-v", "--pid", pidarg, "--format", "json" };
	char *argv[] = { workload("counted"), STR(ITER), STR(LEAKS), NULL };
	long long bytes = 0, allocs, expect_bytes = 0;
	struct child target, mt;
	json_t *root;
	int i = 5;

	spawn(argv, &target, NULL);
	cr_assert(read_line(&target.out, 10000, line, sizeof(line)) && !strncmp(line, "ready", 5));
	snprintf(pidarg, sizeof(pidarg), "%d", target.pid);
	while (*extra && i < 15)
		args[i++] = *extra++;
	args[i] = NULL;
	tmp_path(out, "placement.json");
	log[0] = 0;
	start_memtrail_logged(&mt, out, args, log, logsz);
	say(&target, "go\n");
	cr_assert(wait_for(&target.out, "done", 60000, NULL, 0), "workload did not finish");
	kill(mt.pid, SIGINT);
	cr_assert_eq(reap(&mt, 20000), 0, "memtrail did not exit cleanly");
	while (read_line(&mt.err, 100, line, sizeof(line)))
		snprintf(log + strlen(log), logsz - strlen(log), "%s\n", line);
	root = load_report(out);
	cr_expect_eq(stat_of(root, "allocs"), ITER * COUNTED_ROUND_ALLOCS + LEAKS,
		     "allocs %lld, expected %d", stat_of(root, "allocs"),
		     ITER * COUNTED_ROUND_ALLOCS + LEAKS);
	cr_expect_eq(stat_of(root, "frees"), ITER * COUNTED_ROUND_FREES, "frees %lld, expected %d",
		     stat_of(root, "frees"), ITER * COUNTED_ROUND_FREES);
	cr_expect_eq(stat_of(root, "unmatched_frees"), 0);
	cr_expect_eq(stat_of(root, "failed_allocs"), 0);
	cr_expect_eq(stat_of(root, "drops_total"), 0);
	for (i = 0; i < LEAKS; i++)
		expect_bytes += COUNTED_LEAK_SIZE(i);
	cr_expect_eq(sum_by_symbol(root, target.pid, "keep_blocks", &bytes, &allocs), 1);
	cr_expect_eq(bytes, expect_bytes, "keep_blocks holds %lld bytes, expected %lld", bytes,
		     expect_bytes);
	cr_expect_eq(allocs, LEAKS);
	cr_expect_eq(sum_by_symbol(root, target.pid, "one_round", &bytes, &allocs), 0,
		     "one_round freed everything but holds %lld bytes", bytes);
	json_decref(root);
	say(&target, "exit\n");
	reap(&target, 5000);
	child_close(&target);
	child_close(&mt);
	unlink(out);
	free(argv[0]);
}

TestSuite(probe_placement, .timeout = TEST_TIMEOUT);

Test(probe_placement, moved_probes_count_exactly)
{
	char log[16384];

	require_root();
	trace_counted((char *[]){ NULL }, log, sizeof(log));
	/* glibc's free begins with an instruction the kernel single-steps:
	 * its probe moved */
	cr_expect(strstr(log, ": free at file offset") && strstr(log, "(entry+"),
		  "no moved probe in: %s", log);
}

Test(probe_placement, classic_uprobes_count_exactly)
{
	char log[16384];

	require_root();
	trace_counted((char *[]){ "--classic-uprobes", NULL }, log, sizeof(log));
}

Test(probe_placement, probes_at_entry_count_the_same)
{
	char log[16384];

	require_root();
	trace_counted((char *[]){ "--probe-at-entry", NULL }, log, sizeof(log));
	cr_expect(!strstr(log, "(entry+"), "a probe moved with --probe-at-entry: %s", log);
}
