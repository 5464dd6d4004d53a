// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* .gnu_debuglink contents (well-formed, malformed, escaping names), the
 * CRC (checked against what objcopy wrote into the fixture), and the
 * paths a debug file is looked for at. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "debuglink.h"
#include "elf_file.h"

TestSuite(debuglink, .timeout = 10);

Test(debuglink, parse)
{
	static const unsigned char ok[] = "libx.so.debug\0\0\0\x78\x56\x34\x12";
	static const unsigned char four[] = "abc\0\x01\x00\x00\x00";
	const char *name;
	uint32_t crc;

	cr_assert(eq(int, debuglink__parse(ok, sizeof(ok) - 1, &name, &crc), 0));
	cr_assert_str_eq(name, "libx.so.debug");
	cr_assert(eq(u32, crc, 0x12345678));
	/* "abc\0" is already 4-aligned: the CRC follows directly */
	cr_assert(eq(int, debuglink__parse(four, sizeof(four) - 1, &name, &crc), 0));
	cr_assert(eq(u32, crc, 1));
}

Test(debuglink, refused)
{
	static const struct { const char *buf; size_t len; } bad[] = {
		{ "libx.so.debug\0\0\0\x01\x02\x03", 19 },	/* CRC cut short */
		{ "libx.so.debug", 13 },			/* no NUL */
		{ "\0\0\0\0\x01\x02\x03\x04", 8 },		/* empty name */
		{ "../../etc/shadow\0\0\0\0\x01\x02\x03\x04", 24 },
		{ "/etc/shadow\0\x01\x02\x03\x04", 16 },
		{ "sub/x\0\0\0\x01\x02\x03\x04", 12 },
		{ "..\0\0\x01\x02\x03\x04", 8 },
		{ ".\0\0\0\x01\x02\x03\x04", 8 },
	};
	char longname[DEBUGLINK_NAME_MAX + 16];
	const char *name;
	uint32_t crc;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert(eq(int, debuglink__parse(bad[i].buf, bad[i].len, &name, &crc), -EINVAL),
			  "case %zu", i);
	memset(longname, 'a', sizeof(longname));
	longname[DEBUGLINK_NAME_MAX + 1] = '\0';
	cr_assert(eq(int, debuglink__parse(longname, sizeof(longname), &name, &crc), -EINVAL));
	cr_assert(eq(int, debuglink__parse(NULL, 8, &name, &crc), -EINVAL));
}

/* objcopy --add-gnu-debuglink wrote the CRC of the debug file: ours agrees */
Test(debuglink, crc_matches_objcopy)
{
	const char *dir = getenv("MT_FIXTURES"), *name;
	char bin[4096], dbg[4096];
	struct elf_file *ef = NULL;
	uint32_t want, got;
	int fd;

	cr_assert_not_null(dir);
	snprintf(bin, sizeof(bin), "%s/dwarf/split/dwarf_prog", dir);
	snprintf(dbg, sizeof(dbg), "%s/dwarf/split/.debug/dwarf_prog.debug", dir);
	cr_assert(eq(int, elf_file__open(bin, &ef), 0));
	cr_assert(eq(int, elf_file__debuglink(ef, &name, &want), 0));
	cr_assert_str_eq(name, "dwarf_prog.debug");
	fd = open(dbg, O_RDONLY);
	cr_assert(ge(int, fd, 0));
	cr_assert(eq(int, debuglink__crc_fd(fd, &got), 0));
	cr_assert(eq(u32, got, want));
	close(fd);
	elf_file__close(ef);
	/* a file without the section */
	snprintf(bin, sizeof(bin), "%s/dwarf/dwarf_prog", dir);
	cr_assert(eq(int, elf_file__open(bin, &ef), 0));
	cr_assert(eq(int, elf_file__debuglink(ef, &name, &want), -ENOENT));
	cr_assert(elf_file__has_dwarf(ef));
	elf_file__close(ef);
}

Test(debuglink, paths)
{
	char *c[DEBUGLINK_CANDIDATES], *p;
	int n, i;

	n = debuglink__candidates("/usr/lib/x86_64-linux-gnu/libz.so.1.2.13", "libz.debug",
				  "/usr/lib/debug", c);
	cr_assert(eq(int, n, 3));
	cr_assert_str_eq(c[0], "/usr/lib/x86_64-linux-gnu/libz.debug");
	cr_assert_str_eq(c[1], "/usr/lib/x86_64-linux-gnu/.debug/libz.debug");
	cr_assert_str_eq(c[2], "/usr/lib/debug/usr/lib/x86_64-linux-gnu/libz.debug");
	for (i = 0; i < n; i++)
		free(c[i]);
	/* a relative or directory-less path has no directory to look in */
	cr_assert(eq(int, debuglink__candidates("libz.so", "libz.debug", "/usr/lib/debug", c), 0));
	cr_assert(eq(int, debuglink__candidates("[vdso]", "x", "/usr/lib/debug", c), 0));

	p = debuglink__build_id_path("/usr/lib/debug", "ebcac34bab74ff241bb52247290df8f428a2474f");
	cr_assert_str_eq(p, "/usr/lib/debug/.build-id/eb/cac34bab74ff241bb52247290df8f428a2474f.debug");
	free(p);
	cr_assert_null(debuglink__build_id_path("/r", "ab"));
	cr_assert_null(debuglink__build_id_path("/r", "ab/../../x"));
	cr_assert_null(debuglink__build_id_path("/r", "ABCDEF"));
	cr_assert_null(debuglink__build_id_path("/r", "abc"));
	cr_assert_null(debuglink__build_id_path("/r", NULL));
}
