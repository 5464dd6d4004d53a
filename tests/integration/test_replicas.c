// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Replicas: two processes of one program leak from the same stacks; the
 * report shows each stack once, with exact totals and each pid's share. */
#include "harness.h"
#include "leaks.h"

TestSuite(replicas, .timeout = TEST_TIMEOUT);

/* Traces two started replicas by --pid a,b in format fmt, lets both leak,
 * stops memtrail and returns the report's path (in out). */
static void trace_two(struct child r[2], const char *fmt, char *out, size_t outsz)
{
	char pids[64];
	struct child mt;

	snprintf(pids, sizeof(pids), "%d,%d", r[0].pid, r[1].pid);
	snprintf(out, outsz, "/tmp/memtrail-test-%d-replicas.%s", getpid(), fmt);
	start_memtrail(&mt, out, (char *[]){ "--pid", pids, "--format", (char *)fmt, NULL });
	leaky_go(&r[0], NULL, 0);
	leaky_go(&r[1], NULL, 0);
	kill(mt.pid, SIGINT);
	cr_assert_eq(reap(&mt, 20000), 0, "memtrail did not exit cleanly");
}

static void stop_all(struct child r[2])
{
	int i;

	for (i = 0; i < 2; i++) {
		say(&r[i], "exit\n");
		reap(&r[i], 5000);
		child_close(&r[i]);
	}
}

/* Every stack of symbol is held by both replicas, the same in each (a
 * function may allocate from several call sites: one stack each). */
static void assert_shared(json_t *root, const struct expect *l, const struct child r[2])
{
	json_t *s, *pids;
	long long lo = r[0].pid < r[1].pid ? r[0].pid : r[1].pid, bytes, allocs;
	size_t i, n = 0;
	int k;

	json_array_foreach(json_object_get(root, "stacks"), i, s) {
		const char *sym = frame0_symbol(s);
		json_t *a, *b;

		if (!sym || strcmp(sym, l->symbol))
			continue;
		n++;
		pids = json_object_get(s, "pids");
		cr_assert_eq(json_array_size(pids), 2, "%s: a stack with %zu shares", l->symbol,
			     json_array_size(pids));
		a = stack_share(s, r[0].pid);
		b = stack_share(s, r[1].pid);
		cr_assert(a && b, "%s: a stack without both replicas", l->symbol);
		cr_expect_eq(json_integer_value(json_object_get(a, "bytes")),
			     json_integer_value(json_object_get(b, "bytes")), "%s", l->symbol);
		cr_expect_eq(json_integer_value(json_object_get(s, "bytes")),
			     2 * json_integer_value(json_object_get(a, "bytes")), "%s", l->symbol);
		cr_expect_eq(json_integer_value(json_object_get(s, "allocs")),
			     2 * json_integer_value(json_object_get(a, "allocs")), "%s", l->symbol);
		cr_expect_str_eq(json_string_value(json_object_get(a, "comm")), "leaky");
		/* "pid" names the largest share: equal here, so the lower pid */
		cr_expect_eq(json_integer_value(json_object_get(s, "pid")), lo, "%s", l->symbol);
		cr_expect_eq(json_integer_value(json_object_get(json_array_get(pids, 0), "pid")), lo);
	}
	cr_expect(n >= 1, "%s: no stack", l->symbol);
	cr_expect_eq(sum_by_symbol(root, 0, l->symbol, &bytes, &allocs), n);
	cr_expect_eq(bytes, 2 * l->bytes, "%s: %lld bytes in all", l->symbol, bytes);
	cr_expect_eq(allocs, 2 * l->allocs, "%s: %lld allocations in all", l->symbol, allocs);
	for (k = 0; k < 2; k++) {
		sum_by_symbol(root, r[k].pid, l->symbol, &bytes, &allocs);
		cr_expect_eq(bytes, l->bytes, "%s: pid %d holds %lld", l->symbol, r[k].pid, bytes);
		cr_expect_eq(allocs, l->allocs, "%s: pid %d", l->symbol, r[k].pid);
	}
}

Test(replicas, every_leak_merged_with_each_pids_share)
{
	struct child r[2];
	char out[256];
	json_t *root, *procs, *e;
	size_t i, k;

	require_root();
	start_leaky(&r[0]);
	start_leaky(&r[1]);
	trace_two(r, "json", out, sizeof(out));
	root = load_report(out);

	for (i = 0; i < NLEAKS; i++)
		assert_shared(root, &leaks[i], r);
	/* each process still counts only what it holds itself: its shares */
	procs = json_object_get(root, "processes");
	cr_expect_eq(json_array_size(procs), 2);
	json_array_foreach(procs, i, e) {
		long long b = json_integer_value(json_object_get(e, "outstanding_bytes"));
		pid_t pid = json_integer_value(json_object_get(e, "pid"));
		long long shares = 0, want = 0;
		json_t *s, *sh;

		for (k = 0; k < NLEAKS; k++)
			want += leaks[k].bytes;
		json_array_foreach(json_object_get(root, "stacks"), k, s)
			if ((sh = stack_share(s, pid)))
				shares += json_integer_value(json_object_get(sh, "bytes"));
		cr_expect_eq(b, shares, "pid %d: %lld outstanding, %lld in its shares", pid, b, shares);
		cr_expect_geq(b, want, "pid %d: %lld outstanding bytes", pid, b);
	}
	cr_expect_eq(sum_by_symbol(root, 0, "control_alloc_free", &(long long){ 0 },
				   &(long long){ 0 }), 0);
	json_decref(root);
	unlink(out);
	stop_all(r);
}

Test(replicas, text_report_names_both_processes)
{
	struct child r[2];
	char out[256], want[128], *text = NULL;
	size_t len = 0;
	FILE *f;
	pid_t lo, hi;

	require_root();
	start_leaky(&r[0]);
	start_leaky(&r[1]);
	trace_two(r, "text", out, sizeof(out));
	f = fopen(out, "r");
	cr_assert_not_null(f);
	cr_assert(getdelim(&text, &len, '\0', f) > 0);
	fclose(f);
	lo = r[0].pid < r[1].pid ? r[0].pid : r[1].pid;
	hi = r[0].pid < r[1].pid ? r[1].pid : r[0].pid;
	/* leak_malloc: 10 x 1000 bytes in each */
	snprintf(want, sizeof(want), "    in 2 processes: pid %d 9.8 KiB, pid %d 9.8 KiB\n", lo, hi);
	cr_expect(strstr(text, want), "no line '%s' in:\n%s", want, text);
	cr_expect(strstr(text, "19.5 KiB (20,000 bytes) in 20 allocations"), "%s", text);
	free(text);
	unlink(out);
	stop_all(r);
}
