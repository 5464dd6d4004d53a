// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Full maps: what does not fit is counted and reported, and what was
 * recorded stays exact. */
#include "harness.h"
#include "expected.h"

static json_t *run_many(const char *name, char **limit_args, const char *n)
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
	argv[i++] = "--many";
	argv[i++] = (char *)n;
	argv[i] = NULL;
	spawn(argv, &mt, NULL);
	rc = reap(&mt, 30000);
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

TestSuite(limits, .timeout = TEST_TIMEOUT);

Test(limits, full_allocation_map_is_counted)
{
	long long bytes, allocs, lost;
	json_t *root;

	require_root();
	root = run_many("many.json", (char *[]){ "--max-allocs", "1024", NULL }, "5000");
	lost = drop(root, "live_map_full");
	sum_by_symbol(root, 0, "leak_many", &bytes, &allocs);
	cr_expect_gt(lost, 0, "a 1024-entry map held 5000 allocations?");
	cr_expect_leq(allocs, 1024);
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
	root = run_many("many-default.json", (char *[]){ NULL }, "100000");
	cr_expect_eq(sum_by_symbol(root, 0, "leak_many", &bytes, &allocs), 1);
	cr_expect_eq(allocs, 100000);
	cr_expect_eq(bytes, 100000LL * LEAK_MANY_SIZE);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(root, "stats"), "drops_total")), 0);
	json_decref(root);
}
