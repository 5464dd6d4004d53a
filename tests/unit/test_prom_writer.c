// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* prom_writer: the exact text of families and samples, the escapes the
 * exposition format demands, and names it forbids. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "mem_stream.h"
#include "prom_writer.h"

static char *buf;
static size_t len;
static FILE *mf;

static void setup(void)
{
	buf = NULL;
	mf = open_memstream(&buf, &len);
	cr_assert(not(eq(ptr, mf, NULL)));
}

static void teardown(void)
{
	free(buf);
}

static const char *text(void)
{
	fclose(mf);
	mf = NULL;
	return buf;
}

TestSuite(prom_writer, .init = setup, .fini = teardown, .timeout = 10);

Test(prom_writer, family_and_samples)
{
	struct prom_label l[2] = { { "pod_uid", "0a1b" }, { "cgroup", "/kubepods.slice/x" } };

	cr_assert(eq(int, prom_family(mf, "memtrail_outstanding_bytes", "gauge", "Bytes held"), 0));
	cr_assert(eq(int, prom_sample(mf, "memtrail_outstanding_bytes", l, 2, 18446744073709551615ull), 0));
	cr_assert(eq(int, prom_family(mf, "memtrail_allocs_total", "counter", "n"), 0));
	cr_assert(eq(int, prom_sample(mf, "memtrail_allocs_total", NULL, 0, 0), 0));
	cr_assert(eq(str, (char *)text(),
		     "# HELP memtrail_outstanding_bytes Bytes held\n"
		     "# TYPE memtrail_outstanding_bytes gauge\n"
		     "memtrail_outstanding_bytes{pod_uid=\"0a1b\",cgroup=\"/kubepods.slice/x\"} 18446744073709551615\n"
		     "# HELP memtrail_allocs_total n\n"
		     "# TYPE memtrail_allocs_total counter\n"
		     "memtrail_allocs_total 0\n"));
}

Test(prom_writer, escapes)
{
	/* label values: backslash, quote, newline escaped; bytes that are not
	 * UTF-8 replaced; help text: backslash and newline only */
	struct prom_label l = { "cgroup", "/a\\b\"c\nd\xff" "\xc3\xa9" };

	cr_assert(eq(int, prom_family(mf, "m", "gauge", "say \"hi\"\\\nbye"), 0));
	cr_assert(eq(int, prom_sample(mf, "m", &l, 1, 1), 0));
	l.value = NULL;
	cr_assert(eq(int, prom_sample(mf, "m", &l, 1, 2), 0));
	cr_assert(eq(str, (char *)text(),
		     "# HELP m say \"hi\"\\\\\\nbye\n"
		     "# TYPE m gauge\n"
		     "m{cgroup=\"/a\\\\b\\\"c\\nd\xef\xbf\xbd\xc3\xa9\"} 1\n"
		     "m{cgroup=\"\"} 2\n"));
}

Test(prom_writer, bad_names)
{
	struct prom_label bad[] = { { "9x", "v" }, { "a-b", "v" }, { "__reserved", "v" },
				    { "a:b", "v" }, { "", "v" } };
	size_t i;

	cr_assert(eq(int, prom_family(mf, "1abc", "gauge", "h"), -EINVAL));
	cr_assert(eq(int, prom_family(mf, "a-b", "gauge", "h"), -EINVAL));
	cr_assert(eq(int, prom_family(mf, "ok", "histogram", "h"), -EINVAL));
	cr_assert(eq(int, prom_family(mf, "ns:ok_1", "counter", "h"), 0));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert(eq(int, prom_sample(mf, "ok", &bad[i], 1, 1), -EINVAL), "%s", bad[i].name);
}

Test(prom_writer, capped_stream)
{
	struct mem_stream ms;
	char *out = NULL;
	size_t n = 0;
	int i;

	/* under the cap: every byte handed over, NUL-terminated */
	cr_assert(eq(int, mem_stream__open(&ms, 100), 0));
	fputs("0123456789", ms.f);
	cr_assert(eq(int, mem_stream__take(&ms, &out, &n), 0));
	cr_assert(eq(sz, n, 10));
	cr_assert(eq(str, out, "0123456789"));
	free(out);
	/* exactly at the cap is fine; one byte more is -EFBIG and nothing */
	cr_assert(eq(int, mem_stream__open(&ms, 100), 0));
	for (i = 0; i < 10; i++)
		fputs("0123456789", ms.f);
	cr_assert(eq(int, mem_stream__take(&ms, &out, &n), 0));
	cr_assert(eq(sz, n, 100));
	free(out);
	cr_assert(eq(int, mem_stream__open(&ms, 100), 0));
	for (i = 0; i < 10; i++)
		fputs("0123456789", ms.f);
	fputc('x', ms.f);
	out = NULL;
	cr_assert(eq(int, mem_stream__take(&ms, &out, &n), -EFBIG));
	cr_assert(eq(ptr, out, NULL));
	/* an empty answer is an empty string */
	cr_assert(eq(int, mem_stream__open(&ms, 100), 0));
	cr_assert(eq(int, mem_stream__take(&ms, &out, &n), 0));
	cr_assert(eq(sz, n, 0));
	cr_assert(eq(str, out, ""));
	free(out);
}
