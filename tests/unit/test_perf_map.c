// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* perf map parser: the JVM's format, perf's own (no 0x), garbage and
 * overlong lines, overlaps (later wins), and the file reader's bounds. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "perf_map.h"
#include "tmpdir.h"

TestSuite(perf_map, .timeout = 30);

static struct perf_map *parse(const char *text)
{
	struct perf_map *pm = NULL;

	cr_assert(eq(int, perf_map__parse(text, strlen(text), &pm), 0));
	cr_assert_not_null(pm);
	return pm;
}

static void expect_name(const struct perf_map *pm, uint64_t addr, const char *name)
{
	const struct perf_map_entry *e = perf_map__find(pm, addr);

	if (!name) {
		cr_assert_null(e, "0x%lx: %s", (unsigned long)addr, e ? e->name : "");
		return;
	}
	cr_assert_not_null(e, "0x%lx: no entry", (unsigned long)addr);
	cr_assert_str_eq(e->name, name);
}

Test(perf_map, jvm_and_perf_formats)
{
	struct perf_map *pm = parse(
		"0x00007f7e00ec71c0 0x0000000000000270 java.lang.Object jdk.internal.misc.Unsafe.getReferenceVolatile(java.lang.Object, long)\n"
		"7f7e00940b80 17de0 Interpreter\r\n"
		"1000 10 a  \n"
		"\n");

	cr_assert(eq(sz, perf_map__count(pm), 3));
	cr_assert(eq(sz, perf_map__skipped(pm), 0));
	expect_name(pm, 0x7f7e00ec71c0, "java.lang.Object jdk.internal.misc.Unsafe.getReferenceVolatile(java.lang.Object, long)");
	expect_name(pm, 0x7f7e00ec71c0 + 0x26f, "java.lang.Object jdk.internal.misc.Unsafe.getReferenceVolatile(java.lang.Object, long)");
	expect_name(pm, 0x7f7e00ec71c0 + 0x270, NULL);
	expect_name(pm, 0x7f7e00940b80 + 5, "Interpreter");
	expect_name(pm, 0x100f, "a");
	expect_name(pm, 0xfff, NULL);
	expect_name(pm, 0, NULL);
	expect_name(pm, UINT64_MAX, NULL);
	perf_map__free(pm);
}

Test(perf_map, garbage_is_skipped)
{
	struct perf_map *pm = parse(
		"not a line\n"
		"1000\n"
		"1000 10\n"
		"1000 10 \n"			/* no name */
		"2000 0 zero_size\n"
		"ffffffffffffff00 1000 wraps\n"
		"12345678901234567 10 too_many_digits\n"
		"3000 zz bad_size\n"
		"-3000 10 negative\n"
		"4000\t10 tab_separated\n"
		"5000 10 good\n");

	cr_assert(eq(sz, perf_map__count(pm), 1));
	cr_assert(eq(sz, perf_map__skipped(pm), 10));
	expect_name(pm, 0x5008, "good");
	perf_map__free(pm);
}

Test(perf_map, nul_and_overlong_lines)
{
	char text[PERF_MAP_MAX_LINE + 200];
	struct perf_map *pm = NULL;
	size_t n;

	/* a NUL inside a name is not a name */
	static const char nul_line[] = "1000 10 a\0b\n2000 10 c\n";
	cr_assert(eq(int, perf_map__parse(nul_line, sizeof(nul_line) - 1, &pm), 0));
	cr_assert(eq(sz, perf_map__count(pm), 1));
	expect_name(pm, 0x2000, "c");
	perf_map__free(pm);

	n = (size_t)snprintf(text, sizeof(text), "1000 10 ");
	memset(text + n, 'x', PERF_MAP_MAX_LINE);
	n += PERF_MAP_MAX_LINE;
	n += (size_t)snprintf(text + n, sizeof(text) - n, "\n2000 10 short\n");
	cr_assert(eq(int, perf_map__parse(text, n, &pm), 0));
	cr_assert(eq(sz, perf_map__count(pm), 1));
	cr_assert(eq(sz, perf_map__skipped(pm), 1));
	expect_name(pm, 0x1000, NULL);
	expect_name(pm, 0x2000, "short");
	perf_map__free(pm);
}

Test(perf_map, later_lines_win_overlaps)
{
	struct perf_map *pm = parse(
		"1000 100 old_big\n"
		"1040 10 new_inside\n"
		"2000 10 first\n"
		"2000 10 second\n"
		"3000 10 kept\n"
		"2ff0 100 covers_kept\n");

	expect_name(pm, 0x1040, "new_inside");
	expect_name(pm, 0x1000, NULL);
	expect_name(pm, 0x2005, "second");
	expect_name(pm, 0x3005, "covers_kept");
	perf_map__free(pm);
}

Test(perf_map, empty_and_arguments)
{
	struct perf_map *pm = NULL;

	cr_assert(eq(int, perf_map__parse("", 0, &pm), 0));
	cr_assert(eq(sz, perf_map__count(pm), 0));
	expect_name(pm, 0x1000, NULL);
	perf_map__free(pm);
	cr_assert(eq(int, perf_map__parse(NULL, 5, &pm), -EINVAL));
	cr_assert(eq(int, perf_map__parse("x", 1, NULL), -EINVAL));
	cr_assert_null(perf_map__find(NULL, 1));
	perf_map__free(NULL);
}

Test(perf_map, files)
{
	char *dir = tmpdir_make("mt_pmap"), path[512], fifo[512];
	struct perf_map *pm = NULL;
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "%s/perf-1.map", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("1000 10 one\n2000 10 half_writ", f);
	cr_assert(eq(int, fclose(f), 0));
	cr_assert(eq(int, perf_map__load(path, &pm), 0));
	/* the last line has no newline yet: the JIT is still writing it */
	cr_assert(eq(sz, perf_map__count(pm), 1));
	perf_map__free(pm);

	cr_assert(eq(int, perf_map__load("/nonexistent/perf-1.map", &pm), -ENOENT));
	/* a FIFO planted at the path neither blocks nor parses */
	snprintf(fifo, sizeof(fifo), "%s/perf-2.map", dir);
	cr_assert(eq(int, mkfifo(fifo, 0600), 0));
	cr_assert(eq(int, perf_map__load(fifo, &pm), -EINVAL));
	/* a directory */
	cr_assert(eq(int, perf_map__load(dir, &pm), -EINVAL));
	/* larger than the limit (sparse: costs no disk) */
	fd = open(path, O_WRONLY | O_TRUNC);
	cr_assert(ge(int, fd, 0));
	cr_assert(eq(int, ftruncate(fd, (off_t)PERF_MAP_MAX_BYTES + 1), 0));
	close(fd);
	cr_assert(eq(int, perf_map__load(path, &pm), -EFBIG));
	tmpdir_remove(dir);
}
