// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* --sample: the scaled estimates are within 10 % of the exact totals,
 * every free is either matched or counted as a free of an unsampled
 * block (none unmatched, none lost), and the report says it is sampled.
 * The RNG has no seed to fix, so the sizes are chosen for the estimate's
 * standard deviation (computed here from the sizes) to be far below the
 * tolerance: a failure is a bias, not bad luck. */
#include <math.h>
#include "counted.h"

#define ITER 3000
#define LEAKS 3000
#define MEAN 8192

/* The standard deviations of the bytes and count estimates of
 * keep_blocks(LEAKS) sampled every MEAN bytes on average. */
static void expected_sd(double *bytes_sd, double *allocs_sd)
{
	double vb = 0, va = 0;
	long i;

	for (i = 0; i < LEAKS; i++) {
		double s = COUNTED_LEAK_SIZE(i), p = -expm1(-s / MEAN);

		vb += s * s * (1 - p) / p;
		va += (1 - p) / p;
	}
	*bytes_sd = sqrt(vb);
	*allocs_sd = sqrt(va);
}

static void assert_sampled(char **extra)
{
	long long bytes = 0, allocs = 0, exact = counted_leak_bytes(LEAKS);
	double bytes_sd, allocs_sd;
	json_t *root, *s, *sampling;
	char log[16384];
	size_t i, n = 0;
	pid_t pid;

	expected_sd(&bytes_sd, &allocs_sd);
	cr_assert(4 * bytes_sd < 0.1 * exact && 4 * allocs_sd < 0.1 * LEAKS,
		  "the workload is too small for a 10%% test: sd %.0f bytes, %.1f allocations",
		  bytes_sd, allocs_sd);
	root = trace_counted(ITER, LEAKS, extra, &pid, log, sizeof(log));
	sampling = json_object_get(root, "sampling");
	cr_assert(json_is_object(sampling), "the report does not say it is sampled");
	cr_expect_eq(json_integer_value(json_object_get(sampling, "mean_interval_bytes")), MEAN);
	json_array_foreach(json_object_get(root, "stacks"), i, s) {
		const char *sym = frame0_symbol(s);

		if (json_integer_value(json_object_get(s, "pid")) != pid || !sym ||
		    strcmp(sym, "keep_blocks"))
			continue;
		bytes += json_integer_value(json_object_get(s, "bytes"));
		allocs += json_integer_value(json_object_get(s, "allocs"));
		n += json_integer_value(json_object_get(s, "samples"));
	}
	cr_expect(fabs((double)bytes - exact) <= 0.1 * exact,
		  "keep_blocks: estimated %lld bytes, exact %lld (sd %.0f)", bytes, exact, bytes_sd);
	cr_expect(fabs((double)allocs - LEAKS) <= 0.1 * LEAKS,
		  "keep_blocks: estimated %lld allocations, exact %d (sd %.1f)", allocs, LEAKS,
		  allocs_sd);
	cr_expect(n > 0 && n < LEAKS, "%zu samples of %d blocks", n, LEAKS);
	/* every free seen once: matched to a sample, or of an unsampled block */
	cr_expect_eq(stat_of(root, "frees") + stat_of(root, "frees_unsampled"),
		     ITER * COUNTED_ROUND_FREES, "frees %lld + unsampled %lld, expected %d",
		     stat_of(root, "frees"), stat_of(root, "frees_unsampled"),
		     ITER * COUNTED_ROUND_FREES);
	cr_expect_eq(stat_of(root, "unmatched_frees"), 0);
	cr_expect_eq(stat_of(root, "drops_total"), 0);
	cr_expect(stat_of(root, "allocs") < ITER * COUNTED_ROUND_ALLOCS / 2,
		  "%lld of %d calls sampled", stat_of(root, "allocs"), ITER * COUNTED_ROUND_ALLOCS);
	cr_expect_eq(sum_by_symbol(root, pid, "one_round", &bytes, &allocs), 0,
		     "one_round freed everything but holds %lld bytes", bytes);
	json_decref(root);
}

TestSuite(sampling, .timeout = TEST_TIMEOUT);

Test(sampling, estimates_within_ten_percent)
{
	require_root();
	assert_sampled((char *[]){ "--sample", "8192", NULL });
}

Test(sampling, estimates_within_ten_percent_classic_uprobes)
{
	require_root();
	assert_sampled((char *[]){ "--sample", "8192", "--classic-uprobes", NULL });
}

/* reallocarray calls realloc: counted once off the sampling countdown,
 * not twice (which would double the estimates) */
Test(sampling, reallocarray_estimates_within_ten_percent)
{
	require_root();
	setenv("COUNTED_ARRAYS", "1", 1);
	assert_sampled((char *[]){ "--sample", "8192", NULL });
}

Test(sampling, text_report_says_it_is_sampled)
{
	struct child mt;
	char out[256], *wl = workload("leaky");
	FILE *f;
	char buf[65536];
	size_t n;

	require_root();
	tmp_path(out, "sampled.txt");
	spawn((char *[]){ (char *)mt_bin(), "--sample", "4096", "--output", out, "--", wl, NULL },
	      &mt, NULL);
	cr_assert_eq(reap(&mt, 30000), 0);
	f = fopen(out, "r");
	cr_assert(f != NULL);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	cr_expect(strstr(buf, "sampled: one allocation per 4.0 KiB"), "%s", buf);
	cr_expect(strstr(buf, "(estimated from "), "%s", buf);
	unlink(out);
	child_close(&mt);
	free(wl);
}
