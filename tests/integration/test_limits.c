// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Full maps: what does not fit is counted and reported, and what was
 * recorded stays exact. */
#include "harness.h"
#include "expected.h"
#include <linux/types.h>
#include "memtrail.h"

#define LIMITS_TIMEOUT_MS 170000

/* Runs "leaky MODE ARG" under memtrail with limit_args; its report. */
static json_t *run_leaky(const char *name, char **limit_args, const char *mode, const char *arg)
{
	struct child mt;
	char out[256], *wl = workload("leaky");
	char *argv[16] = { (char *)mt_bin(), "--format", "json", "--output", out };
	int i = 5, rc;
	json_t *root;

	tmp_path(out, name);
	for (; *limit_args; limit_args++)
		argv[i++] = *limit_args;
	argv[i++] = "--";
	argv[i++] = wl;
	argv[i++] = (char *)mode;
	argv[i++] = (char *)arg;
	argv[i] = NULL;
	spawn(argv, &mt, NULL);
	/* a guard against a hang, not a speed test: 100,000 traced
	 * allocations took over 30 s in a loaded qemu guest (make vmtest) */
	rc = reap(&mt, LIMITS_TIMEOUT_MS);
	cr_assert_eq(rc, 0, "memtrail exited %d", rc);
	root = load_report(out);
	unlink(out);
	free(wl);
	return root;
}

static long long drop(json_t *root, const char *name)
{
	return json_integer_value(json_object_get(
		json_object_get(json_object_get(root, "stats"), "drops"), name));
}

static long long map_entries(json_t *root, const char *name)
{
	json_t *m;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(root, "tracer"), "bpf_maps"), i, m)
		if (!strcmp(json_string_value(json_object_get(m, "name")), name))
			return json_integer_value(json_object_get(m, "max_entries"));
	return -1;
}

TestSuite(limits, .timeout = LIMITS_TIMEOUT_MS / 1000 + 10);

Test(limits, full_allocation_map_is_counted)
{
	long long bytes, allocs, lost;
	json_t *root;

	require_root();
	root = run_leaky("many.json", (char *[]){ "--max-allocs", "1024", NULL }, "--many", "5000");
	lost = drop(root, "live_map_full");
	sum_by_symbol(root, 0, "leak_many", &bytes, &allocs);
	cr_expect_gt(lost, 0, "1024 slots and their overflow held 5000 allocations?");
	cr_expect_eq(map_entries(root, "live"), 1024);
	cr_expect_leq(allocs, 1024 + map_entries(root, "live_overflow"));
	/* every allocation is either recorded or counted */
	cr_expect_geq(allocs + lost, 5000, "recorded %lld + dropped %lld < 5000", allocs, lost);
	cr_expect_eq(bytes, allocs * LEAK_MANY_SIZE);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(root, "stats"), "drops_total")),
		     lost);
	json_decref(root);
}

Test(limits, default_maps_hold_a_large_leak)
{
	long long bytes, allocs;
	json_t *root;

	require_root();
	root = run_leaky("many-default.json", (char *[]){ NULL }, "--many", "100000");
	cr_expect_eq(sum_by_symbol(root, 0, "leak_many", &bytes, &allocs), 1);
	cr_expect_eq(allocs, 100000);
	cr_expect_eq(bytes, 100000LL * LEAK_MANY_SIZE);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(root, "stats"), "drops_total")), 0);
	json_decref(root);
}

/* More allocations than slots: those that find their slots taken go to
 * the overflow hash, and their frees find them there. leak_half holds
 * 1,600 blocks at its peak in 1,024 slots, then frees every second one. */
Test(limits, overflow_records_are_exact)
{
	long long bytes, allocs;
	json_t *root, *stats;

	require_root();
	root = run_leaky("half.json", (char *[]){ "--max-allocs", "1024", NULL }, "--half", "1600");
	stats = json_object_get(root, "stats");
	cr_expect_eq(sum_by_symbol(root, 0, "leak_half", &bytes, &allocs), 1);
	cr_expect_eq(allocs, 800);
	cr_expect_eq(bytes, 800LL * LEAK_MANY_SIZE);
	cr_expect_geq(json_integer_value(json_object_get(stats, "live_overflows")), 1600 - 1024,
		     "1,600 blocks in 1,024 slots: the rest went to the overflow");
	cr_expect_eq(json_integer_value(json_object_get(stats, "unmatched_frees")), 0);
	cr_expect_eq(json_integer_value(json_object_get(stats, "inferred_frees")), 0);
	cr_expect_eq(json_integer_value(json_object_get(stats, "drops_total")), 0);
	json_decref(root);
}

Test(limits, full_stack_map_is_counted)
{
	long long bytes, allocs, lost_bytes = 0, lost = 0;
	json_t *root, *s;
	size_t i, named;

	require_root();
	/* 1024 distinct stacks into a map of 256 */
	root = run_leaky("stacks.json", (char *[]){ "--max-stacks", "256", NULL }, "--stacks", "10");
	named = sum_by_symbol(root, 0, "leak_leaf", &bytes, &allocs);
	json_array_foreach(json_object_get(root, "stacks"), i, s) {
		if (json_is_true(json_object_get(s, "stack_lost"))) {
			lost_bytes += json_integer_value(json_object_get(s, "bytes"));
			cr_expect_eq(json_array_size(json_object_get(s, "frames")), 0);
		}
	}
	lost = drop(root, "stack_map_full");
	cr_expect_gt(lost, 0);
	cr_expect_leq(named, 256);
	cr_expect_eq(bytes, allocs * LEAK_MANY_SIZE);
	/* a stack that did not fit still has its bytes counted, under "lost" */
	cr_expect_geq(allocs + lost, 1024, "named %lld + lost %lld < 1024", allocs, lost);
	cr_expect_geq(lost_bytes, lost * LEAK_MANY_SIZE);
	json_decref(root);
}

/* The run summary states what memtrail itself costs: the map figures add
 * up and follow the sizes asked for (the exact match against fdinfo is
 * tests/unit/test_tracer_cost.c) */
Test(limits, tracer_cost_is_reported)
{
	json_t *root, *tracer, *m;
	long long sum = 0, live_entries = -1, live_bytes = 0;
	double cpu, user, sys;
	size_t i;

	require_root();
	root = run_leaky("cost.json", (char *[]){ "--max-allocs", "100000", NULL }, "--many", "1000");
	tracer = json_object_get(root, "tracer");
	cr_assert(json_is_object(tracer), "no \"tracer\" object in the report");
	json_array_foreach(json_object_get(tracer, "bpf_maps"), i, m) {
		sum += json_integer_value(json_object_get(m, "memlock_bytes"));
		if (!strcmp(json_string_value(json_object_get(m, "name")), "live")) {
			live_entries = json_integer_value(json_object_get(m, "max_entries"));
			live_bytes = json_integer_value(json_object_get(m, "memlock_bytes"));
		}
	}
	cr_expect_eq(json_integer_value(json_object_get(tracer, "bpf_map_bytes")), sum);
	cr_expect_eq(live_entries, 100000);
	cr_expect_geq(live_bytes, 100000LL * (long long)sizeof(struct mt_live_slot));
	cpu = json_real_value(json_object_get(tracer, "cpu_s"));
	user = json_real_value(json_object_get(tracer, "cpu_user_s"));
	sys = json_real_value(json_object_get(tracer, "cpu_sys_s"));
	cr_expect(cpu > 0 && cpu < 1000, "cpu_s %f", cpu);
	cr_expect(cpu >= user + sys - 1e-6 && cpu <= user + sys + 1e-6);
	cr_expect_gt(json_integer_value(json_object_get(tracer, "rss_bytes")), 1 << 20);
	cr_expect_geq(json_integer_value(json_object_get(tracer, "rss_peak_bytes")),
		      json_integer_value(json_object_get(tracer, "rss_bytes")));
	/* the live slots are mapped into memtrail, resident: part of its rss */
	cr_expect_geq(json_integer_value(json_object_get(tracer, "rss_bpf_map_bytes")),
		      100000LL * (long long)sizeof(struct mt_live_slot));
	cr_expect_leq(json_integer_value(json_object_get(tracer, "rss_bpf_map_bytes")),
		      json_integer_value(json_object_get(tracer, "rss_bytes")));
	cr_expect_geq(json_real_value(json_object_get(tracer, "report_build_s")), 0);
	cr_expect_leq(json_real_value(json_object_get(tracer, "report_build_s")),
		      json_real_value(json_object_get(root, "duration_s")));
	json_decref(root);
}

static double age_of(json_t *root, const char *symbol)
{
	json_t *s;
	size_t i;

	json_array_foreach(json_object_get(root, "stacks"), i, s) {
		const char *sym = frame0_symbol(s);

		if (sym && !strcmp(sym, symbol))
			return json_real_value(json_object_get(s, "oldest_age_s"));
	}
	cr_assert_fail("no %s stack", symbol);
	return 0;
}

/* A stack that only grew takes its age from its totals, one that freed
 * its oldest block from the live allocations: the oldest block still held
 * is the one named, both ways. leak_aged's oldest came a sleep(1) after
 * leak_held's. */
Test(limits, oldest_age_with_and_without_frees)
{
	long long bytes, allocs;
	double held, aged;
	json_t *root;

	require_root();
	root = run_leaky("ages.json", (char *[]){ NULL }, "--aged", "");
	held = age_of(root, "leak_held");
	aged = age_of(root, "leak_aged");
	cr_expect_geq(held - aged, 1.0, "leak_held %.3f s, leak_aged %.3f s", held, aged);
	cr_expect_lt(aged, held);
	cr_expect_eq(sum_by_symbol(root, 0, "leak_aged", &bytes, &allocs), 1);
	cr_expect_eq(allocs, 1);
	json_decref(root);
}


/* Every map that can fill takes its size from the command line: the
 * loaded maps have the sizes asked for (the ring in a power of two) */
Test(limits, every_map_that_fills_is_sized_from_the_command_line)
{
	json_t *root;

	require_root();
	root = run_leaky("sizes.json", (char *[]){ "--max-allocs", "5000", "--max-stacks", "300",
						   "--max-procs", "1000", "--ring-kib", "100", NULL },
			 "--many", "10");
	cr_expect_eq(map_entries(root, "live"), 5000);
	cr_expect_eq(map_entries(root, "live_overflow"), 1250);
	cr_expect_eq(map_entries(root, "stacks"), 300);
	cr_expect_eq(map_entries(root, "fault_totals"), 1); /* no fault events */
	cr_expect_eq(map_entries(root, "rss"), 1000);
	cr_expect_eq(map_entries(root, "targets"), 1000);
	cr_expect_eq(map_entries(root, "events"), 128 * 1024);
	json_decref(root);
	/* the fault totals take room only where faults are traced */
	root = run_leaky("sizes-faults.json", (char *[]){ "--max-stacks", "300", "--events", "faults",
							  NULL }, "--many", "10");
	cr_expect_eq(map_entries(root, "fault_totals"), 1200);
	json_decref(root);
}
