// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* out_account: the text table and the JSON object of one hand-made
 * account; JSON is parsed back and checked field by field. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out_account.h"

#define MIB (1024ull * 1024)

static struct rss_stack_bytes ids[] = { { 31, 40 * MIB }, { 7, 4096 } };
static char path0[] = "/usr/lib/libc.so.6";
static char path1[] = "/tmp/evil\x1b[31m.so";
static struct rss_file_bytes files[] = { { path0, 2 * MIB }, { path1, 8192 } };
static char note0[] = "3 threads were running";
static char *notes[] = { note0 };

/* VmRSS 100 MiB = heap 50 + mmap 40 MiB + 4 KiB + stacks 1 + files 2 MiB +
 * 8 KiB + shmem 0 + other 7 MiB - 12 KiB + gap 0 */
static const struct rss_account acct = {
	.pid = 4242,
	.status = { .vm_rss = 100 * MIB, .rss_anon = 98 * MIB, .rss_file = 2 * MIB },
	.rollup = { .rss = 100 * MIB, .pss = 99 * MIB },
	.smaps_rss = 100 * MIB,
	.malloc_live = 45 * MIB, .heap_resident = 50 * MIB, .allocator_retention = 5 * MIB,
	.mmap_anon_resident = 40 * MIB + 4096, .mmap_by_stack = ids, .nmmap_by_stack = 2,
	.threads = 3, .thread_stacks = 3, .thread_stack_resident = 1 * MIB,
	.file_resident = 2 * MIB + 8192, .files = files, .nfiles = 2, .files_total = 5,
	.other_anon = 7 * MIB - 12288, .unexplained_bytes = 7 * MIB - 12288,
	.unexplained_pct = (7.0 * MIB - 12288) * 100 / (100.0 * MIB),
	.vmas = 120, .pagemap_pages = 64,
	.notes = notes, .nnotes = 1,
};

static char *render_text(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	out_account__text(f, &acct, "leaky", NULL, NULL);
	cr_assert(eq(int, fclose(f), 0));
	return buf;
}

static void assert_has(const char *text, const char *line)
{
	cr_assert_not_null(strstr(text, line), "no '%s' in:\n%s", line, text);
}

Test(out_account, text_rows)
{
	char *t = render_text();

	assert_has(t, "rss of pid 4242 (leaky): 100.0 MiB (104,857,600 bytes)\n");
	assert_has(t, "  heap                        50.0 MiB       52,428,800   50.0%\n");
	assert_has(t, "    allocator retention        5.0 MiB        5,242,880    5.0%\n");
	assert_has(t, "    stack 0x1f                40.0 MiB       41,943,040   40.0%\n");
	assert_has(t, "    stack 0x7                  4.0 KiB            4,096    0.0%\n");
	assert_has(t, "  thread stacks (3 of 3)       1.0 MiB        1,048,576    1.0%\n");
	assert_has(t, "                               2.0 MiB        2,097,152    2.0%  "
		      "/usr/lib/libc.so.6\n");
	/* the escape character does not reach the terminal */
	assert_has(t, "  /tmp/evil?[31m.so\n");
	assert_has(t, "    ... 3 more files\n");
	assert_has(t, "  unexplained                  7.0 MiB        7,327,744    7.0%\n");
	assert_has(t, "    status - smaps                 0 B                0    0.0%\n");
	assert_has(t, "note: 3 threads were running\n");
	free(t);
}

Test(out_account, json_fields)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json_writer *w;
	json_error_t err;
	json_t *root, *ex, *arr;

	cr_assert_not_null(f);
	w = jw_new(f, false);
	out_account__json(w, &acct);
	cr_assert(eq(int, jw_destroy(w), 0));
	cr_assert(eq(int, fclose(f), 0));
	root = json_loads(buf, 0, &err);
	cr_assert_not_null(root, "%s: %s", err.text, buf);
	cr_assert(eq(i64, json_integer_value(json_object_get(root, "pid")), 4242));
	cr_assert(eq(i64, json_integer_value(json_object_get(json_object_get(root, "kernel"),
							     "vm_rss")), 100 * MIB));
	ex = json_object_get(root, "explained");
	cr_assert(eq(i64, json_integer_value(json_object_get(ex, "allocator_retention")),
		     5 * MIB));
	arr = json_object_get(ex, "mmap_by_stack");
	cr_assert(eq(sz, json_array_size(arr), 2));
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(arr, 0), "stack_id")),
			 "0x1f");
	arr = json_object_get(ex, "files");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(arr, 1), "path")),
			 path1);
	cr_assert(eq(i64, json_integer_value(json_object_get(root, "unexplained_bytes")),
		     7 * MIB - 12288));
	cr_assert(eq(dbl, json_real_value(json_object_get(root, "unexplained_pct")),
		     acct.unexplained_pct));
	cr_assert_str_eq(json_string_value(json_array_get(json_object_get(root, "notes"), 0)),
			 note0);
	json_decref(root);
	free(buf);
}
