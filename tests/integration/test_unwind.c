// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unwinding without frame pointers, real BPF against
 * tests/workloads/nofp_chain (-O2 -fomit-frame-pointer): with tables
 * (dwarf, auto) every known call chain comes out whole and in order, and
 * complete; with frame pointers only the same stacks are marked partial;
 * assembly without unwind information ends a stack cleanly. */
#include <sched.h>
#include <sys/mount.h>
#include "harness.h"
#include "expected.h"

/* churn: NULL, the allocations to make under mmap churn, or "kernel"
 * for the kernel hooks' workload */
/* Starts argv (argv[0] from workload(), freed here) and waits for its
 * "ready": it leaks on "go". */
static void start_ready(struct child *c, char **argv)
{
	char line[256];

	spawn(argv, c, NULL);
	cr_assert(read_line(&c->out, 10000, line, sizeof(line)) && !strcmp(line, "ready"),
		  "workload did not start: '%s'", line);
	free(argv[0]);
}

static void start_nofp_args(struct child *c, const char *churn)
{
	char *argv[] = { workload("nofp_chain"), "--wait", NULL, NULL, NULL };

	if (churn && !strcmp(churn, "kernel")) {
		argv[2] = "--kernel";
	} else if (churn) {
		argv[2] = "--churn";
		argv[3] = (char *)churn;
	}
	start_ready(c, argv);
}

static void start_nofp(struct child *c)
{
	start_nofp_args(c, NULL);
}

static json_t *trace_nofp(struct child *w, const char *mode, const char *name)
{
	char *extra[] = { "--unwind", (char *)mode, NULL };

	start_nofp(w);
	return trace_leaky_pid(w, name, extra, SIGINT);
}

/* Traces workload name (no arguments, tests/workloads/handshake.h) with
 * --unwind mode while it runs. */
static json_t *trace_workload(struct child *w, const char *name, const char *mode)
{
	char *argv[] = { workload(name), NULL }, out[64];
	char *extra[] = { "--unwind", (char *)mode, NULL };

	start_ready(w, argv);
	snprintf(out, sizeof(out), "unwind-%s-%s.json", name, mode);
	return trace_leaky_pid(w, out, extra, SIGINT);
}

static void finish(struct child *w, json_t *root)
{
	json_decref(root);
	close(w->in_fd);
	w->in_fd = -1;
	cr_assert_eq(reap(w, 10000), 0);
	child_close(w);
}

static const char *frame_symbol(json_t *stack, size_t i)
{
	json_t *f = json_array_get(json_object_get(stack, "frames"), i);

	return f ? json_string_value(json_object_get(f, "symbol")) : NULL;
}

static bool has_frame(json_t *stack, const char *symbol)
{
	size_t i, n = json_array_size(json_object_get(stack, "frames"));

	for (i = 0; i < n; i++)
		if (frame_symbol(stack, i) && !strcmp(frame_symbol(stack, i), symbol))
			return true;
	return false;
}

/* The one stack of pid whose frames include symbol. */
static json_t *stack_with(json_t *root, pid_t pid, const char *symbol)
{
	json_t *s, *found = NULL;
	size_t i;

	json_array_foreach(json_object_get(root, "stacks"), i, s) {
		if (json_integer_value(json_object_get(s, "pid")) != pid || !has_frame(s, symbol))
			continue;
		cr_assert_null(found, "two stacks go through %s", symbol);
		found = s;
	}
	cr_assert_not_null(found, "no stack goes through %s", symbol);
	return found;
}

static char *describe(json_t *stack)
{
	size_t i, n = json_array_size(json_object_get(stack, "frames"));
	static char buf[2048];

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		const char *s = frame_symbol(stack, i);

		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", i ? " > " : "",
			 s ? s : "?");
	}
	return buf;
}

/* chain[0..] are consecutive frames from index first on, and the stack
 * goes on through libc's start to _start, and is complete. */
static void assert_chain(json_t *root, pid_t pid, size_t first, const char *const *chain)
{
	json_t *s = stack_with(root, pid, chain[0]);
	size_t n = json_array_size(json_object_get(s, "frames")), i;
	json_t *complete = json_object_get(s, "complete");

	for (i = 0; chain[i]; i++) {
		const char *sym = frame_symbol(s, first + i);

		cr_expect(sym && !strcmp(sym, chain[i]), "frame %zu is %s, expected %s: %s",
			  first + i, sym ? sym : "?", chain[i], describe(s));
	}
	cr_expect(json_is_true(complete), "not complete: %s", describe(s));
	cr_expect(n >= first + i + 2, "no frames after main: %s", describe(s));
	cr_expect_str_eq(frame_symbol(s, n - 1), "_start", "%s", describe(s));
	cr_expect_str_eq(frame_symbol(s, n - 2), "__libc_start_main", "%s", describe(s));
}

static void assert_every_chain(json_t *root, pid_t pid)
{
	static const char *const own[] = { "chain_c", "chain_b", "chain_a", "run_all", "main", NULL };
	static const char *const dup[] = { "strdup", "via_strdup", "run_all", "main", NULL };
	static const char *const asp[] = { "asprintf", "via_asprintf", "run_all", "main", NULL };
	static const char *const fop[] = { "via_fopen", "run_all", "main", NULL };
	json_t *s;

	assert_chain(root, pid, 0, own);
	assert_chain(root, pid, 0, dup);
	/* asprintf's malloc is called by an internal function (no symbol) */
	assert_chain(root, pid, 1, asp);
	/* fopen allocates in __fopen_internal (no symbol in Debian's libc);
	 * fopen itself jumps there, so it has no frame of its own */
	assert_chain(root, pid, 1, fop);
	/* getline's line buffer: getdelim, straight from via_getline (the
	 * stream buffer's stack goes through via_getline too) */
	s = NULL;
	{
		json_t *each;
		size_t i;

		json_array_foreach(json_object_get(root, "stacks"), i, each)
			if (json_integer_value(json_object_get(each, "pid")) == pid &&
			    frame_symbol(each, 0) && !strcmp(frame_symbol(each, 0), "getdelim"))
				s = each;
	}
	cr_assert_not_null(s, "no stack starts in getdelim");
	cr_expect_str_eq(frame_symbol(s, 1), "via_getline", "%s", describe(s));
	cr_expect(json_is_true(json_object_get(s, "complete")), "%s", describe(s));
	/* exact bytes where the size is the workload's own */
	cr_expect_eq(json_integer_value(json_object_get(stack_with(root, pid, "chain_c"), "bytes")),
		     1113);
	cr_expect_eq(json_integer_value(json_object_get(stack_with(root, pid, "via_strdup"), "bytes")),
		     2222);
}

/* A hand-written function without CFI: the walk stops at it (partial),
 * with no frame after it that could be wrong. */
static void assert_asm_stops_cleanly(json_t *root, pid_t pid)
{
	json_t *s = stack_with(root, pid, "asm_target");

	cr_expect_str_eq(frame_symbol(s, 0), "asm_target", "%s", describe(s));
	cr_expect_str_eq(frame_symbol(s, 1), "asm_trampoline", "%s", describe(s));
	cr_expect_eq(json_array_size(json_object_get(s, "frames")), 2, "%s", describe(s));
	cr_expect(json_is_false(json_object_get(s, "complete")), "%s", describe(s));
	cr_expect_eq(json_integer_value(json_object_get(s, "bytes")), 3333);
}

static long long drop(json_t *root, const char *name)
{
	return json_integer_value(json_object_get(json_object_get(json_object_get(root, "stats"),
								  "drops"), name));
}

TestSuite(unwind, .timeout = TEST_TIMEOUT);

/* dwarf: tables for every file; auto: for those without frame pointers
 * (here all: the workload, libc, ld.so) */
struct mode {
	char name[8]; /* by value: the test runs in another process */
};

ParameterizedTestParameters(unwind, tables_give_every_caller_in_order)
{
	static struct mode modes[] = { { "dwarf" }, { "auto" } };

	return cr_make_param_array(struct mode, modes, 2);
}

ParameterizedTest(struct mode *mode, unwind, tables_give_every_caller_in_order)
{
	char name[64];
	struct child w;
	json_t *root;

	require_root();
	snprintf(name, sizeof(name), "unwind-%s.json", mode->name);
	root = trace_nofp(&w, mode->name, name);
	assert_every_chain(root, w.pid);
	assert_asm_stops_cleanly(root, w.pid);
	/* the assembly stack alone is partial */
	cr_expect_eq(drop(root, "stack_partial"), 1);
	finish(&w, root);
}

Test(unwind, frame_pointer_stacks_of_the_same_code_are_partial)
{
	static const char *const firsts[] = { "chain_c", "strdup", "asm_target", NULL };
	struct child w;
	json_t *root, *s;
	size_t i, n = 0;

	require_root();
	root = trace_nofp(&w, "fp", "unwind-fp.json");
	/* the first frame is right (the return address), the rest unknown */
	for (i = 0; firsts[i]; i++)
		cr_expect_str_eq(frame_symbol(stack_with(root, w.pid, firsts[i]), 0), firsts[i]);
	json_array_foreach(json_object_get(root, "stacks"), i, s) {
		if (json_integer_value(json_object_get(s, "pid")) != w.pid)
			continue;
		cr_expect(json_is_false(json_object_get(s, "complete")),
			  "shown as complete: %s", describe(s));
		n++;
	}
	cr_expect_geq(n, 8);
	cr_expect_geq(drop(root, "stack_partial"), (long long)n);
	finish(&w, root);
}

Test(unwind, text_report_marks_partial_stacks)
{
	char out[256], pidarg[32], line[4096], *args[] = { "--pid", pidarg, "--unwind", "dwarf", NULL };
	struct child w, mt;
	bool marked = false, asm_seen = false;
	FILE *f;

	require_root();
	start_nofp(&w);
	snprintf(pidarg, sizeof(pidarg), "%d", w.pid);
	tmp_path(out, "unwind.txt");
	start_memtrail(&mt, out, args);
	leaky_go(&w, NULL, 0);
	kill(mt.pid, SIGINT);
	cr_assert_eq(reap(&mt, 20000), 0);
	f = fopen(out, "r");
	cr_assert_not_null(f);
	/* the partial mark follows the asm stack's frames, and only there */
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "asm_trampoline"))
			asm_seen = true;
		if (strstr(line, "[partial stack")) {
			cr_expect(asm_seen && !marked, "partial mark out of place: %s", line);
			marked = true;
		}
	}
	fclose(f);
	unlink(out);
	cr_expect(marked, "no stack marked partial");
	close(w.in_fd);
	w.in_fd = -1;
	cr_assert_eq(reap(&w, 10000), 0);
	child_close(&w);
	child_close(&mt);
}

/* In command mode the libraries' tables are loaded before the command
 * runs, so its first allocations unwind fully too. */
Test(unwind, command_mode_unwinds_from_the_first_allocation)
{
	char out[256], *argv[] = { (char *)mt_bin(), "--unwind", "dwarf", "--format", "json",
				   "--output", out, "--", NULL, NULL };
	static const char *const own[] = { "chain_c", "chain_b", "chain_a", "run_all", "main", NULL };
	struct child mt;
	json_t *root, *s = NULL, *each;
	size_t i;

	require_root();
	tmp_path(out, "unwind-cmd.json");
	argv[8] = workload("nofp_chain");
	spawn(argv, &mt, NULL);
	close(mt.in_fd); /* the workload's stdin: it leaks, then ends at EOF */
	mt.in_fd = -1;
	cr_assert_eq(reap(&mt, 30000), 0);
	root = load_report(out);
	unlink(out);
	json_array_foreach(json_object_get(root, "stacks"), i, each)
		if (has_frame(each, "chain_c"))
			s = each;
	cr_assert_not_null(s, "no chain_c stack");
	assert_chain(root, json_integer_value(json_object_get(s, "pid")), 0, own);
	json_decref(root);
	free(argv[8]);
	child_close(&mt);
}

/* Another thread holding the mmap lock without pause (mmap, munmap)
 * cuts no stack short: the walk takes the mappings it saw last. */
Test(unwind, stacks_stay_whole_while_another_thread_maps)
{
	static const char *const own[] = { "chain_c", "chain_b", "chain_a", "run_churn", "main",
					   NULL };
	char *extra[] = { "--unwind", "dwarf", NULL };
	struct child w;
	json_t *root, *s;

	require_root();
	start_nofp_args(&w, "3000");
	root = trace_leaky_pid(&w, "unwind-churn.json", extra, SIGINT);
	assert_chain(root, w.pid, 0, own);
	s = stack_with(root, w.pid, "chain_c");
	cr_expect_eq(json_integer_value(json_object_get(s, "bytes")), 1113);
	cr_expect_eq(json_integer_value(json_object_get(s, "allocs")), 1);
	cr_expect_eq(drop(root, "stack_partial"), 0);
	finish(&w, root);
}

/* A table goes when the last traced process that maps its file exits;
 * one still mapped by another (libc) stays. */
Test(unwind, tables_go_with_the_last_process_that_maps_them)
{
	char pids[64], log[16384] = "", *args[] = { "-v", "--pid", pids, "--output", "/dev/null",
						    NULL };
	struct child nofp, leaky, mt;

	require_root();
	start_nofp(&nofp);
	start_leaky(&leaky);
	snprintf(pids, sizeof(pids), "%d,%d", nofp.pid, leaky.pid);
	start_memtrail(&mt, NULL, args);
	leaky_go(&nofp, NULL, 0);
	close(nofp.in_fd); /* it ends at end of input */
	nofp.in_fd = -1;
	cr_assert_eq(reap(&nofp, 10000), 0);
	cr_expect(wait_for(&mt.err, "nofp_chain: table dropped", 20000, log, sizeof(log)),
		  "no table dropped: %s", log);
	kill(mt.pid, SIGINT);
	wait_for(&mt.err, "no such line", 3000, log, sizeof(log)); /* the rest of its log */
	cr_assert_eq(reap(&mt, 20000), 0);
	cr_expect_null(strstr(log, "libc.so.6: table dropped"), "libc's table went: %s", log);
	close(leaky.in_fd);
	leaky.in_fd = -1;
	reap(&leaky, 10000);
	child_close(&nofp);
	child_close(&leaky);
	child_close(&mt);
}

/* The one stack of pid of this kind whose frames from first on are chain
 * (NULL-terminated). */
static json_t *kind_stack(json_t *root, pid_t pid, const char *kind, size_t first,
			  const char *const *chain)
{
	json_t *s, *found = NULL;
	size_t i, k;

	json_array_foreach(json_object_get(root, "stacks"), i, s) {
		const char *sk = json_string_value(json_object_get(s, "kind"));

		if (json_integer_value(json_object_get(s, "pid")) != pid || !sk || strcmp(sk, kind))
			continue;
		for (k = 0; chain[k]; k++)
			if (!frame_symbol(s, first + k) || strcmp(frame_symbol(s, first + k), chain[k]))
				break;
		if (chain[k])
			continue;
		cr_assert_null(found, "two %s stacks go through %s", kind, chain[0]);
		found = s;
	}
	cr_assert_not_null(found, "no %s stack goes through %s at frame %zu", kind, chain[0], first);
	return found;
}

static void assert_complete_to_start(json_t *s)
{
	size_t n = json_array_size(json_object_get(s, "frames"));

	cr_expect(json_is_true(json_object_get(s, "complete")), "not complete: %s", describe(s));
	cr_expect_str_eq(frame_symbol(s, n - 1), "_start", "%s", describe(s));
}

/* mmap and page-fault stacks are unwound with the tables too: the mmap's
 * starts at the libc wrapper's caller, a fault's at the faulting
 * function, and a fault inside malloc (whose return address the kernel
 * has replaced with its uretprobe trampoline) goes on past malloc. */
ParameterizedTestParameters(unwind, kernel_event_stacks_are_unwound)
{
	static struct mode modes[] = { { "dwarf" }, { "auto" } };

	return cr_make_param_array(struct mode, modes, 2);
}

ParameterizedTest(struct mode *mode, unwind, kernel_event_stacks_are_unwound)
{
	static const char *const map[] = { "map_c", "map_b", "run_kernel", "main", NULL };
	static const char *const touch[] = { "touch_c", "touch_b", "run_kernel", "main", NULL };
	static const char *const heap[] = { "malloc", "heap_c", "heap_b", "run_kernel", "main", NULL };
	char name[64], *extra[] = { "--events", "all", "--unwind", mode->name, NULL };
	struct child w;
	json_t *root, *s, *f;
	size_t i, at = 0;

	require_root();
	snprintf(name, sizeof(name), "unwind-kernel-%s.json", mode->name);
	start_nofp_args(&w, "kernel");
	root = trace_leaky_pid(&w, name, extra, SIGINT);

	s = kind_stack(root, w.pid, "mmap", 0, map);
	cr_expect_eq(json_integer_value(json_object_get(s, "bytes")), 16 * 4096, "%s", describe(s));
	assert_complete_to_start(s);

	s = kind_stack(root, w.pid, "fault", 0, touch);
	cr_expect_eq(json_integer_value(json_object_get(s, "bytes")), 16 * 4096, "%s", describe(s));
	cr_expect_eq(json_integer_value(json_object_get(s, "allocs")), 16, "%s", describe(s));
	assert_complete_to_start(s);

	/* malloc's own frames first (internal, unnamed in Debian's libc) */
	json_array_foreach(json_object_get(root, "stacks"), i, f) {
		const char *k = json_string_value(json_object_get(f, "kind"));
		size_t j;

		if (json_integer_value(json_object_get(f, "pid")) != w.pid || !k || strcmp(k, "fault"))
			continue;
		for (j = 0; j < 4; j++)
			if (frame_symbol(f, j) && !strcmp(frame_symbol(f, j), "malloc") &&
			    frame_symbol(f, j + 1) && !strcmp(frame_symbol(f, j + 1), "heap_c"))
				at = j;
	}
	cr_assert(at > 0, "no fault stack goes from inside malloc to heap_c");
	s = kind_stack(root, w.pid, "fault", at, heap);
	assert_complete_to_start(s);
	finish(&w, root);
}

/* --unwind-file: one file's unwinder against --unwind's, both ways */
Test(unwind, a_file_can_have_its_own_unwinder)
{
	char *fp_here[] = { "--unwind", "dwarf", "--unwind-file", "nofp_chain=fp", NULL };
	char *tables_here[] = { "--unwind", "fp", "--unwind-file", "nofp_chain=dwarf",
				"--unwind-file", "/usr/lib/x86_64-linux-gnu/libc.so.6=dwarf", NULL };
	struct child w;
	json_t *root, *s;

	require_root();
	/* the workload by frame pointer (it keeps none: partial), libc by table */
	start_nofp(&w);
	root = trace_leaky_pid(&w, "unwind-file-fp.json", fp_here, SIGINT);
	s = stack_with(root, w.pid, "chain_c");
	cr_expect_str_eq(frame_symbol(s, 0), "chain_c", "%s", describe(s));
	cr_expect(json_is_false(json_object_get(s, "complete")), "%s", describe(s));
	s = stack_with(root, w.pid, "via_strdup");
	cr_expect_str_eq(frame_symbol(s, 0), "strdup", "%s", describe(s));
	cr_expect_str_eq(frame_symbol(s, 1), "via_strdup", "%s", describe(s));
	cr_expect(json_is_false(json_object_get(s, "complete")), "%s", describe(s));
	finish(&w, root);

	/* tables for the two files every stack goes through: as with dwarf */
	start_nofp(&w);
	root = trace_leaky_pid(&w, "unwind-file-dwarf.json", tables_here, SIGINT);
	assert_every_chain(root, w.pid);
	finish(&w, root);
}

/* ---- threads that take turns on one CPU ---------------------------------- */

#define DEEP_THREADS 4
#define DEEP_PAIRS 20000

static int pin_to_cpu0(void *ctx)
{
	cpu_set_t one;

	(void)ctx;
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	return sched_setaffinity(0, sizeof(one), &one);
}

/* The kernel's preemption model as /sys/kernel/debug/sched/preempt
 * selects it ("full", "voluntary", ...; "" when it does not say); may_mount:
 * mount debugfs for the question where it is not (in a test guest). */
static void preempt_model(char *out, size_t sz, bool may_mount)
{
	const char *path = "/sys/kernel/debug/sched/preempt";
	char line[128] = "", *open_, *close_;
	FILE *f = fopen(path, "re");

	out[0] = '\0';
	if (!f && may_mount && !mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL))
		f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(line, sizeof(line), f) && (open_ = strchr(line, '(')) &&
	    (close_ = strchr(open_, ')')))
		snprintf(out, sz, "%.*s", (int)(close_ - open_ - 1), open_ + 1);
	fclose(f);
}

/* Threads that allocate at once on one CPU, each through a call chain of
 * its own depth: every stack is its thread's, whole. Where the kernel
 * preempts BPF programs (preempt=full; tools/vmtest/suite.sh boots a
 * kernel so, with MT_EXPECT_PREEMPT=full), a thread's stack read is
 * interrupted by the others': state kept per CPU rather than per thread
 * gave stacks of one thread's frames joined to another's. */
Test(unwind, threads_sharing_a_cpu_keep_their_own_stacks)
{
	char model[32], pairs[16], threads[16], line[64];
	char *argv[] = { workload("deep_threads"), threads, pairs, NULL };
	const char *expect = getenv("MT_EXPECT_PREEMPT");
	char *none[] = { NULL };
	struct child w;
	json_t *root, *s;
	size_t i, j, seen = 0;
	int t;

	require_root();
	preempt_model(model, sizeof(model), expect != NULL);
	cr_log_info("preemption: %s", model[0] ? model : "unknown");
	if (expect)
		cr_assert_str_eq(model, expect, "the kernel does not preempt as the run expects");
	snprintf(threads, sizeof(threads), "%d", DEEP_THREADS);
	snprintf(pairs, sizeof(pairs), "%d", DEEP_PAIRS);
	spawn_with(argv, &w, NULL, pin_to_cpu0, NULL);
	cr_assert(read_line(&w.out, 10000, line, sizeof(line)) && !strcmp(line, "ready"),
		  "workload did not start: '%s'", line);
	free(argv[0]);
	root = trace_leaky_pid(&w, "unwind-threads.json", none, SIGINT);

	for (t = 0; t < DEEP_THREADS; t++) {
		json_t *found = NULL;

		json_array_foreach(json_object_get(root, "stacks"), i, s) {
			json_int_t allocs = json_integer_value(json_object_get(s, "allocs"));

			if (json_integer_value(json_object_get(s, "pid")) == w.pid && allocs &&
			    json_integer_value(json_object_get(s, "bytes")) / allocs == DEEP_SIZE(t)) {
				cr_assert_null(found, "two stacks of thread %d's size: %s", t,
					       describe(s));
				found = s;
			}
		}
		cr_assert_not_null(found, "no stack of thread %d", t);
		cr_expect_eq(json_integer_value(json_object_get(found, "allocs")),
			     DEEP_PAIRS / DEEP_KEEP, "%s", describe(found));
		cr_expect_eq(json_integer_value(json_object_get(found, "bytes")),
			     (json_int_t)DEEP_PAIRS / DEEP_KEEP * DEEP_SIZE(t));
		/* descend DEEP_DEPTH + 1 times, then the thread's start */
		cr_expect_eq(json_array_size(json_object_get(found, "frames")), DEEP_DEPTH(t) + 4,
			     "thread %d: %s", t, describe(found));
		for (j = 0; j < (size_t)DEEP_DEPTH(t) + 1; j++)
			cr_expect_str_eq(frame_symbol(found, j), "descend", "thread %d: %s", t,
					 describe(found));
		cr_expect_str_eq(frame_symbol(found, j), "worker", "%s", describe(found));
		cr_expect_str_eq(frame_symbol(found, j + 2), "clone3", "%s", describe(found));
		cr_expect(json_is_true(json_object_get(found, "complete")), "%s", describe(found));
	}
	/* and no stack of the workload's threads that is none of these */
	json_array_foreach(json_object_get(root, "stacks"), i, s)
		if (json_integer_value(json_object_get(s, "pid")) == w.pid && has_frame(s, "descend"))
			seen++;
	cr_expect_eq(seen, DEEP_THREADS, "%zu stacks go through descend", seen);
	cr_expect_eq(drop(root, "stack_collision"), 0);
	cr_expect_eq(drop(root, "no_thread_state"), 0);
	finish(&w, root);
}

/* ---- a site reached from two callers ------------------------------------- */

/* malloc returns to one address with one stack pointer from both callers:
 * a walk replayed from the last one would charge each caller's blocks to
 * the other; the words on the stack must tell them apart, every time */
ParameterizedTestParameters(unwind, one_site_two_callers_in_turn)
{
	static struct mode modes[] = { { "auto" }, { "dwarf" }, { "fp" } };

	return cr_make_param_array(struct mode, modes, 3);
}

ParameterizedTest(struct mode *mode, unwind, one_site_two_callers_in_turn)
{
	static const char *const callers[] = { "via_left", "via_right" };
	static const long long sizes[] = { TWIN_LEFT_SIZE, TWIN_RIGHT_SIZE };
	struct child w;
	json_t *root, *s;
	int c;

	require_root();
	root = trace_workload(&w, "twin_callers", mode->name);
	for (c = 0; c < 2; c++) {
		s = stack_with(root, w.pid, callers[c]);
		cr_expect_str_eq(frame_symbol(s, 0), "leaf", "%s", describe(s));
		cr_expect_str_eq(frame_symbol(s, 1), callers[c], "%s", describe(s));
		cr_expect_str_eq(frame_symbol(s, 2), "run", "%s", describe(s));
		cr_expect_eq(json_integer_value(json_object_get(s, "allocs")), TWIN_ROUNDS,
			     "%s: %s", callers[c], describe(s));
		cr_expect_eq(json_integer_value(json_object_get(s, "bytes")),
			     TWIN_ROUNDS * sizes[c], "%s: %s", callers[c], describe(s));
	}
	finish(&w, root);
}

/* A site 40 distinct calls deep in one file: more return addresses than
 * the unwinder's memo holds, so each walk looks some frames up in the
 * table, in the same mapping as the frame before. Its stack is still
 * the whole chain, and where the address space has a change count
 * (6.4+) it is walked about once and replayed after: a walk that took
 * two frames from one mapping without the memo used to count as
 * unreplayable, and every allocation was walked again. */
ParameterizedTestParameters(unwind, a_long_chain_in_one_file_is_walked_once)
{
	static struct mode modes[] = { { "auto" }, { "dwarf" } };

	return cr_make_param_array(struct mode, modes, 2);
}

ParameterizedTest(struct mode *mode, unwind, a_long_chain_in_one_file_is_walked_once)
{
	long long walks;
	struct child w;
	json_t *root, *s;
	char want[16];
	int i;

	require_root();
	root = trace_workload(&w, "long_chain", mode->name);
	s = stack_with(root, w.pid, "chain_39");
	for (i = 0; i < LONG_CHAIN_DEPTH; i++) {
		snprintf(want, sizeof(want), "chain_%02d", i);
		cr_expect_str_eq(frame_symbol(s, i), want, "%s", describe(s));
	}
	cr_expect_str_eq(frame_symbol(s, LONG_CHAIN_DEPTH), "run", "%s", describe(s));
	cr_expect_eq(json_integer_value(json_object_get(s, "allocs")), LONG_CHAIN_ROUNDS, "%s",
		     describe(s));
	cr_expect_eq(json_integer_value(json_object_get(s, "bytes")),
		     (long long)LONG_CHAIN_ROUNDS * LONG_CHAIN_SIZE, "%s", describe(s));
	walks = json_integer_value(json_object_get(json_object_get(root, "stats"), "stack_walks"));
	if (kernel_at_least(6, 4))
		/* the first walk, stdin's buffer, maybe one while a table loads */
		cr_expect(walks >= 1 && walks <= 5, "%lld stack walks for %d allocations",
			  walks, LONG_CHAIN_ROUNDS);
	else /* no change count: nothing is replayed */
		cr_expect_geq(walks, LONG_CHAIN_ROUNDS, "%lld stack walks", walks);
	finish(&w, root);
}
