/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Runs tests/workloads/counted under memtrail: the tests of probe
 * placement and of sampling read its exactly known calls back. */
#ifndef MT_COUNTED_H
#define MT_COUNTED_H

#include "harness.h"
#include "expected.h"

static inline long long stat_of(json_t *root, const char *name)
{
	return json_integer_value(json_object_get(json_object_get(root, "stats"), name));
}

/* start_memtrail, keeping in log what memtrail says before "tracing" */
static inline void start_memtrail_logged(struct child *mt, const char *out, char **args,
					 char *log, size_t logsz)
{
	char *argv[20] = { (char *)mt_bin() };
	int i;

	for (i = 0; args[i] && i < 18; i++)
		argv[i + 1] = args[i];
	spawn(argv, mt, out);
	cr_assert(wait_for(&mt->err, "tracing", 30000, log, logsz),
		  "memtrail did not start tracing: %s", log);
}

/* Traces "counted ITER LEAKS" by pid with extra memtrail args and -v;
 * returns the JSON report and the pid, memtrail's stderr in log. */
static inline json_t *trace_counted(long iter, long leaks, char **extra, pid_t *pid,
				    char *log, size_t logsz)
{
	char out[256], pidarg[32], line[256], iters[32], nleaks[32];
	char *args[16] = { "-v", "--pid", pidarg, "--format", "json" };
	char *argv[] = { workload("counted"), iters, nleaks, NULL };
	struct child target, mt;
	json_t *root;
	int i = 5;

	snprintf(iters, sizeof(iters), "%ld", iter);
	snprintf(nleaks, sizeof(nleaks), "%ld", leaks);
	spawn(argv, &target, NULL);
	cr_assert(read_line(&target.out, 10000, line, sizeof(line)) && !strncmp(line, "ready", 5));
	snprintf(pidarg, sizeof(pidarg), "%d", target.pid);
	while (*extra && i < 15)
		args[i++] = *extra++;
	args[i] = NULL;
	tmp_path(out, "counted.json");
	log[0] = 0;
	start_memtrail_logged(&mt, out, args, log, logsz);
	say(&target, "go\n");
	cr_assert(wait_for(&target.out, "done", 60000, NULL, 0), "workload did not finish");
	kill(mt.pid, SIGINT);
	cr_assert_eq(reap(&mt, 20000), 0, "memtrail did not exit cleanly");
	while (read_line(&mt.err, 100, line, sizeof(line)))
		snprintf(log + strlen(log), logsz - strlen(log), "%s\n", line);
	root = load_report(out);
	say(&target, "exit\n");
	reap(&target, 5000);
	child_close(&target);
	child_close(&mt);
	unlink(out);
	free(argv[0]);
	*pid = target.pid;
	return root;
}

/* The bytes keep_blocks(leaks) holds. */
static inline long long counted_leak_bytes(long leaks)
{
	long long sum = 0;
	long i;

	for (i = 0; i < leaks; i++)
		sum += COUNTED_LEAK_SIZE(i);
	return sum;
}

#endif /* MT_COUNTED_H */
