// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Real BPF against tests/workloads/leaky: exact bytes and counts per
 * leaking function, through every allocator entry point, per pid, for a
 * launched command and for the whole host. */
#include "harness.h"
#include "expected.h"
#include "leaks.h"

/* Every leak of pid exactly, the control function nowhere, no drops. */
static void assert_exact_leaks(json_t *root, pid_t pid)
{
	long long bytes, allocs;
	json_t *stats;
	char *drops;
	size_t i;

	for (i = 0; i < sizeof(leaks) / sizeof(leaks[0]); i++) {
		size_t n = sum_by_symbol(root, pid, leaks[i].symbol, &bytes, &allocs);

		cr_expect(n >= 1, "%s: no stack with frames[0] == %s", leaks[i].symbol,
			  leaks[i].symbol);
		cr_expect_eq(bytes, leaks[i].bytes, "%s: %lld bytes, expected %lld",
			     leaks[i].symbol, bytes, leaks[i].bytes);
		cr_expect_eq(allocs, leaks[i].allocs, "%s: %lld allocations, expected %lld",
			     leaks[i].symbol, allocs, leaks[i].allocs);
	}
	cr_expect_eq(sum_by_symbol(root, 0, "control_alloc_free", &bytes, &allocs), 0,
		     "the control function freed everything but shows %lld bytes", bytes);
	stats = json_object_get(root, "stats");
	drops = json_dumps(json_object_get(stats, "drops"), JSON_COMPACT);
	cr_expect_eq(json_integer_value(json_object_get(stats, "drops_total")), 0,
		     "drops: %s", drops);
	free(drops);
}

/* leak_malloc's stack, in order, with its module and a sane age. */
static void assert_leak_malloc_stack(json_t *root, double max_age_s)
{
	json_t *s = NULL, *each, *frames;
	const char *module;
	size_t i;

	json_array_foreach(json_object_get(root, "stacks"), i, each) {
		const char *sym = frame0_symbol(each);

		if (sym && !strcmp(sym, "leak_malloc"))
			s = each;
	}
	cr_assert(s, "no leak_malloc stack");
	frames = json_object_get(s, "frames");
	cr_assert_geq(json_array_size(frames), 3);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(frames, 1), "symbol")),
			 "leak_everything");
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(frames, 2), "symbol")),
			 "main");
	module = json_string_value(json_object_get(json_array_get(frames, 0), "module"));
	cr_assert(module);
	cr_expect(strlen(module) > 6 && !strcmp(module + strlen(module) - 6, "/leaky"), "%s", module);
	cr_expect_geq(json_real_value(json_object_get(s, "oldest_age_s")), 0.0);
	cr_expect_leq(json_real_value(json_object_get(s, "oldest_age_s")), max_age_s);
}

static void assert_only_pid(json_t *root, pid_t pid)
{
	json_t *s;
	size_t i;

	json_array_foreach(json_object_get(root, "stacks"), i, s)
		cr_expect_eq(json_integer_value(json_object_get(s, "pid")), pid,
			     "stack of pid %lld in a trace of pid %d",
			     json_integer_value(json_object_get(s, "pid")), pid);
}

/* memtrail [flag] -- leaky [mode], as JSON (the command shares
 * memtrail's stdout: the report goes to a file). */
static json_t *trace_leaky_command(const char *flag, const char *mode, const char *name)
{
	struct child mt;
	char out[256], *wl = workload("leaky");
	char *argv[10] = { (char *)mt_bin(), "--format", "json", "--output", out };
	json_t *root;
	int n = 5;

	tmp_path(out, name);
	if (flag)
		argv[n++] = (char *)flag;
	argv[n++] = "--";
	argv[n++] = wl;
	if (mode)
		argv[n++] = (char *)mode;
	spawn(argv, &mt, NULL);
	cr_assert_eq(reap(&mt, 30000), 0, "memtrail %s -- leaky failed", flag ? flag : "");
	root = load_report(out);
	free(wl);
	unlink(out);
	return root;
}

TestSuite(malloc_family, .timeout = TEST_TIMEOUT);

Test(malloc_family, pid_exact_bytes_per_function)
{
	struct child target, other, mt;
	char out[256], pidarg[32], log[4096] = "";
	json_t *root;

	require_root();
	start_leaky(&target);
	start_leaky(&other); /* same libc, not a target: must not appear */
	tmp_path(out, "pid.json");
	snprintf(pidarg, sizeof(pidarg), "%d", target.pid);
	start_memtrail(&mt, out, (char *[]){ "--pid", pidarg, "--format", "json", NULL });

	leaky_go(&target, log, sizeof(log));
	leaky_go(&other, NULL, 0);
	cr_expect(strstr(log, "realloc_moved moved"), "the moved-realloc case did not move: %s", log);
	cr_expect(strstr(log, "realloc_inplace same"), "the in-place realloc case moved: %s", log);

	kill(mt.pid, SIGINT);
	cr_assert_eq(reap(&mt, 20000), 0, "memtrail did not exit cleanly on SIGINT");
	root = load_report(out);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(root, "target"), "kind")), "pid");
	assert_exact_leaks(root, target.pid);
	assert_only_pid(root, target.pid);
	assert_leak_malloc_stack(root, json_real_value(json_object_get(root, "duration_s")));

	json_decref(root);
	say(&target, "exit\n");
	say(&other, "exit\n");
	reap(&target, 5000);
	reap(&other, 5000);
	unlink(out);
}

Test(malloc_family, command_mode_reports_what_was_held_at_exit)
{
	json_t *root, *cmd;
	long long bytes, allocs;

	require_root();
	root = trace_leaky_command(NULL, NULL, "cmd.json");
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(root, "target"), "kind")), "command");
	cmd = json_object_get(root, "command");
	cr_expect(json_is_true(json_object_get(cmd, "exited")));
	cr_expect_eq(json_integer_value(json_object_get(cmd, "exit_code")), 0);
	assert_exact_leaks(root, 0);
	/* traced from its first allocation: stdio's buffer, allocated before
	 * main's first line of output, is there too */
	cr_expect(sum_by_symbol(root, 0, "_IO_file_doallocate", &bytes, &allocs) >= 1,
		  "stdio's buffer allocation was not seen");
	json_decref(root);
}

Test(malloc_family, static_executable_provides_its_own_malloc)
{
	struct child mt;
	char out[256], *wl = workload("leaky_static");
	json_t *root;

	require_root();
	tmp_path(out, "static.json");
	spawn((char *[]){ (char *)mt_bin(), "--format", "json", "--output", out, "--", wl, NULL },
	      &mt, NULL);
	cr_assert_eq(reap(&mt, 30000), 0, "memtrail -- leaky_static failed");
	root = load_report(out);
	assert_exact_leaks(root, 0);
	json_decref(root);
	free(wl);
	unlink(out);
}

Test(malloc_family, exit_mid_trace_removes_entries_and_ends)
{
	struct child target, mt;
	char out[256], pidarg[32];
	json_t *root, *notes;
	long long bytes, allocs;

	require_root();
	start_leaky(&target);
	tmp_path(out, "exit.json");
	snprintf(pidarg, sizeof(pidarg), "%d", target.pid);
	start_memtrail(&mt, out, (char *[]){ "--pid", pidarg, "--format", "json", NULL });
	leaky_go(&target, NULL, 0);
	say(&target, "exit\n");
	cr_assert_eq(reap(&target, 5000), 0);
	/* every target gone: memtrail ends by itself */
	cr_assert_eq(reap(&mt, 20000), 0, "memtrail did not end after its target exited");
	root = load_report(out);
	cr_expect_eq(json_array_size(json_object_get(root, "stacks")), 0,
		     "an exited process still has outstanding stacks");
	cr_expect_eq(sum_by_symbol(root, 0, "leak_malloc", &bytes, &allocs), 0);
	notes = json_object_get(root, "notes");
	cr_expect(json_array_size(notes) >= 1);
	cr_expect(strstr(json_string_value(json_array_get(notes, 0)), "exited during the trace"),
		  "note: %s", json_string_value(json_array_get(notes, 0)));
	json_decref(root);
	unlink(out);
}

Test(malloc_family, system_wide_sees_a_process_using_the_host_libc)
{
	struct child target, mt;
	char out[256];
	json_t *root;
	long long bytes, allocs;

	require_root();
	start_leaky(&target);
	tmp_path(out, "system.json");
	start_memtrail(&mt, out, (char *[]){ "--format", "json", "--duration", "30", NULL });
	leaky_go(&target, NULL, 0);
	kill(mt.pid, SIGINT); /* short: every process on the host pays meanwhile */
	cr_assert_eq(reap(&mt, 20000), 0);
	root = load_report(out);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(root, "target"), "kind")), "system");
	cr_expect_eq(sum_by_symbol(root, target.pid, "leak_malloc", &bytes, &allocs), 1);
	cr_expect_eq(bytes, LEAK_MALLOC_COUNT * LEAK_MALLOC_SIZE);
	cr_expect_eq(allocs, LEAK_MALLOC_COUNT);
	/* memtrail never traces itself */
	cr_expect_eq(sum_by_symbol(root, mt.pid, "malloc", &bytes, &allocs), 0);
	json_decref(root);
	say(&target, "exit\n");
	reap(&target, 5000);
	unlink(out);
}

Test(malloc_family, min_age_leaves_young_allocations_out)
{
	struct child target;
	json_t *root;

	require_root();
	start_leaky(&target);
	root = trace_leaky_pid(&target, "minage.json", (char *[]){ "--min-age", "3600", NULL },
			       SIGINT);
	/* everything is younger than an hour */
	cr_expect_eq(json_array_size(json_object_get(root, "stacks")), 0);
	cr_expect_gt(json_integer_value(json_object_get(json_object_get(root, "stats"), "allocs")), 60);
	json_decref(root);
	say(&target, "exit\n");
	reap(&target, 5000);
}

Test(malloc_family, min_age_keeps_old_allocations_exact)
{
	struct child target, mt;
	char out[256], pidarg[32];
	json_t *root;

	require_root();
	start_leaky(&target);
	snprintf(pidarg, sizeof(pidarg), "%d", target.pid);
	tmp_path(out, "minage-old.json");
	start_memtrail(&mt, out, (char *[]){ "--pid", pidarg, "--format", "json",
					     "--min-age", "1", NULL });
	leaky_go(&target, NULL, 0);
	usleep(1500000); /* every leak is now older than a second */
	kill(mt.pid, SIGINT);
	cr_assert_eq(reap(&mt, 20000), 0);
	root = load_report(out);
	/* with --min-age the totals come from the per-allocation records */
	assert_exact_leaks(root, target.pid);
	assert_leak_malloc_stack(root, 60.0);
	json_decref(root);
	say(&target, "exit\n");
	reap(&target, 5000);
	unlink(out);
}

Test(malloc_family, top_one_in_text)
{
	struct child target, mt;
	char out[256], pidarg[32], text[65536], *line;
	int headers = 0;
	FILE *f;
	size_t n;

	require_root();
	start_leaky(&target);
	snprintf(pidarg, sizeof(pidarg), "%d", target.pid);
	tmp_path(out, "top.txt");
	start_memtrail(&mt, out, (char *[]){ "--pid", pidarg, "--top", "1", NULL });
	leaky_go(&target, NULL, 0);
	kill(mt.pid, SIGINT);
	cr_assert_eq(reap(&mt, 20000), 0);
	f = fopen(out, "r");
	cr_assert(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	/* the largest stack only: leak_malloc's 10,000 bytes */
	for (line = text; line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
		headers += line[0] == '#';
	cr_expect_eq(headers, 1, "expected one stack in:\n%s", text);
	cr_expect(strstr(text, "(10,000 bytes) in 10 allocations"), "%s", text);
	cr_expect(strstr(text, " leak_malloc+0x"), "%s", text);
	say(&target, "exit\n");
	reap(&target, 5000);
	unlink(out);
}

/* leaky leaks, then replaces its image (its line `how`: "exec", or
 * "exec-leak" for one that leaks at once), and the new image leaks the
 * same. A trace by pid holds the new image's leaks exactly, once: the
 * first image's died with it. */
static void trace_across_exec(const char *how, const char *name)
{
	struct child target, mt;
	char out[256], pidarg[32], line[256], cmd[32];
	json_t *root;

	start_leaky(&target);
	snprintf(pidarg, sizeof(pidarg), "%d", target.pid);
	tmp_path(out, name);
	start_memtrail(&mt, out, (char *[]){ "--pid", pidarg, "--format", "json", NULL });
	leaky_go(&target, NULL, 0);
	snprintf(cmd, sizeof(cmd), "%s\n", how);
	say(&target, cmd);
	if (!strcmp(how, "exec")) {
		cr_assert(read_line(&target.out, 10000, line, sizeof(line)) &&
			  !strncmp(line, "ready", 5));
		leaky_go(&target, NULL, 0);
	} else {
		do /* the new image's leak_everything says what its reallocs did first */
			cr_assert(read_line(&target.out, 10000, line, sizeof(line)), "no done");
		while (strncmp(line, "done", 4));
	}
	usleep(300000); /* the exec event is handled within a poll period */
	kill(mt.pid, SIGINT);
	cr_assert_eq(reap(&mt, 20000), 0);
	root = load_report(out);
	assert_exact_leaks(root, target.pid);
	json_decref(root);
	say(&target, "exit\n");
	reap(&target, 5000);
	unlink(out);
}

Test(malloc_family, exec_drops_the_previous_image)
{
	require_root();
	trace_across_exec("exec", "exec.json");
}

/* A thread stamps its allocations with its clock reading while jiffies
 * stand still: the exec must make it read the clock afresh, or the new
 * image's first leaks (a millisecond or so after the old image's last
 * malloc, mostly within one tick) would look older than the exec, and
 * the exec purge would take them too (without the reset: 5 failures in
 * 6 runs). */
Test(malloc_family, leaks_right_after_an_exec_are_kept)
{
	require_root();
	trace_across_exec("exec-leak", "exec_leak.json");
}

Test(malloc_family, command_that_execs_is_followed)
{
	struct child mt;
	char out[256], script[512], *wl = workload("leaky");
	json_t *root;

	require_root();
	tmp_path(out, "shexec.json");
	snprintf(script, sizeof(script), "exec %s", wl);
	spawn((char *[]){ (char *)mt_bin(), "--format", "json", "--output", out, "--",
			  "/bin/sh", "-c", script, NULL }, &mt, NULL);
	cr_assert_eq(reap(&mt, 30000), 0, "memtrail -- sh -c 'exec leaky' failed");
	root = load_report(out);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(root, "command"),
							"exit_code")), 0);
	assert_exact_leaks(root, 0);
	json_decref(root);
	free(wl);
	unlink(out);
}

/* A thread whose task storage cannot be created (a busy CPU under
 * preempt=full) keeps its state by thread id until a later call creates
 * it: the hidden flag refuses every thread's first creation, and leaky's
 * threads begin with a nested call, so the state moves mid-call. Every
 * count is the one a run without the fallback gives (a lost depth shows
 * in nested_calls). */
Test(malloc_family, threads_refused_task_storage_keep_their_calls)
{
	static const char *const counts[] = { "allocs", "frees", "unmatched_frees",
					      "failed_allocs", "nested_calls", "inferred_frees" };
	json_t *plain, *fallback, *want, *got;
	size_t i;

	require_root();
	plain = trace_leaky_command(NULL, NULL, "plain.json");
	fallback = trace_leaky_command("--test-thread-fallback", NULL, "fallback.json");
	assert_exact_leaks(fallback, 0);
	want = json_object_get(plain, "stats");
	got = json_object_get(fallback, "stats");
	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		cr_expect_eq(json_integer_value(json_object_get(got, counts[i])),
			     json_integer_value(json_object_get(want, counts[i])),
			     "%s: %lld with the fallback, %lld without", counts[i],
			     json_integer_value(json_object_get(got, counts[i])),
			     json_integer_value(json_object_get(want, counts[i])));
	/* leaky's main thread and each of its threads, once (the plain run
	 * may have some too: under preempt=full a creation fails now and
	 * then, which is what the fallback is for) */
	cr_expect_eq(json_integer_value(json_object_get(got, "thread_fallbacks")),
		     1 + LEAK_THREADS);
	json_decref(plain);
	json_decref(fallback);
}

/* Kernels before 6.6 have no multi-uprobe links: the same exact totals
 * through one classic uprobe per function. */
/* A block that leaves behind the allocator's back (leaky munmaps it) is
 * never freed where memtrail sees it: when the next block gets its
 * address, its record is retired, counted as an inferred free. */
Test(malloc_family, address_handed_out_again_retires_the_old_record)
{
	long long bytes, allocs;
	json_t *root, *stats;

	require_root();
	root = trace_leaky_command(NULL, "--remapped", "remapped.json");
	stats = json_object_get(root, "stats");
	cr_assert_eq(sum_by_symbol(root, 0, "leak_remapped", &bytes, &allocs), 1);
	cr_expect_eq(allocs, 1, "the unmapped block is still counted");
	cr_expect_eq(bytes, LEAK_REMAP_SIZE);
	cr_expect_eq(json_integer_value(json_object_get(stats, "inferred_frees")), 1);
	cr_expect_eq(json_integer_value(json_object_get(stats, "drops_total")), 0);
	json_decref(root);
}

Test(malloc_family, classic_uprobes_pid_mode)
{
	struct child target, other;
	json_t *root;

	require_root();
	start_leaky(&target);
	start_leaky(&other);
	leaky_go(&other, NULL, 0); /* same libc, not a target */
	root = trace_leaky_pid(&target, "classic.json", (char *[]){ "--classic-uprobes", NULL },
			       SIGINT);
	assert_exact_leaks(root, target.pid);
	assert_only_pid(root, target.pid);
	json_decref(root);
	say(&target, "exit\n");
	say(&other, "exit\n");
	reap(&target, 5000);
	reap(&other, 5000);
}

Test(malloc_family, classic_uprobes_command_mode)
{
	json_t *root;

	require_root();
	root = trace_leaky_command("--classic-uprobes", NULL, "classic-cmd.json");
	assert_exact_leaks(root, 0);
	json_decref(root);
}
