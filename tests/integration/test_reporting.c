// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Report timing: periodic reports, a fixed duration, SIGTERM. */
#include "harness.h"
#include "expected.h"

TestSuite(reporting, .timeout = TEST_TIMEOUT);

Test(reporting, interval_reports_are_json_lines_and_end_at_duration)
{
	struct child target, mt;
	char out[256], pidarg[32], *line = NULL;
	long long bytes = 0, allocs = 0;
	size_t cap = 0, nreports = 0;
	double prev_s = 0;
	json_t *last = NULL;
	FILE *f;

	require_root();
	start_leaky(&target);
	snprintf(pidarg, sizeof(pidarg), "%d", target.pid);
	tmp_path(out, "interval.json");
	start_memtrail(&mt, out, (char *[]){ "--pid", pidarg, "--format", "json",
					     "--interval", "0.5", "--duration", "2", NULL });
	leaky_go(&target, NULL, 0);
	/* --duration ends it without a signal */
	cr_assert_eq(reap(&mt, 20000), 0);

	f = fopen(out, "r");
	cr_assert(f);
	while (getline(&line, &cap, f) > 0) {
		json_error_t jerr;
		json_t *doc = json_loads(line, 0, &jerr);
		double d;

		cr_assert(doc, "report %zu is not one JSON line: %s", nreports, jerr.text);
		d = json_real_value(json_object_get(doc, "duration_s"));
		cr_expect(d > prev_s, "report %zu at %.3f s after one at %.3f s", nreports, d, prev_s);
		prev_s = d;
		json_decref(last);
		last = doc;
		nreports++;
	}
	fclose(f);
	free(line);
	/* 0.5, 1.0, 1.5 and the final one at 2.0 when reports are quick; a
	 * report that takes longer than the interval (a loaded machine, an
	 * emulated kernel in vmtest) delays the next, never adds one: so at
	 * least one periodic report and the final one, and never more */
	cr_expect(nreports >= 2 && nreports <= 5, "%zu reports", nreports);
	cr_assert(last);
	cr_expect(json_real_value(json_object_get(last, "duration_s")) >= 2.0);
	sum_by_symbol(last, target.pid, "leak_malloc", &bytes, &allocs);
	cr_expect_eq(bytes, LEAK_MALLOC_COUNT * LEAK_MALLOC_SIZE);
	cr_expect_eq(allocs, LEAK_MALLOC_COUNT);
	json_decref(last);
	say(&target, "exit\n");
	reap(&target, 5000);
	unlink(out);
}

Test(reporting, sigterm_prints_the_final_report)
{
	struct child target;
	long long bytes, allocs;
	json_t *root;

	require_root();
	start_leaky(&target);
	root = trace_leaky_pid(&target, "term.json", (char *[]){ NULL }, SIGTERM);
	cr_expect_eq(sum_by_symbol(root, target.pid, "leak_calloc", &bytes, &allocs), 1);
	cr_expect_eq(bytes, LEAK_CALLOC_COUNT * LEAK_CALLOC_NMEMB * LEAK_CALLOC_SIZE);
	json_decref(root);
	/* detached: the target runs on untraced and exits normally */
	say(&target, "exit\n");
	cr_expect_eq(reap(&target, 5000), 0);
}
