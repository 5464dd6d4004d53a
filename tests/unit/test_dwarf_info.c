// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* dwarf_info: lookups on the -g fixture (plain and zlib-compressed), a
 * file without DWARF, and compressed sections that declare absurd sizes:
 * refused before anything is inflated. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dwarf_info.h"
#include "elf_file.h"
#include "tmpdir.h"

TestSuite(dwarf_info, .timeout = 20);

static char *fixture(const char *rel)
{
	const char *dir = getenv("MT_FIXTURES");
	char *p = NULL;

	cr_assert_not_null(dir, "MT_FIXTURES not set");
	cr_assert(ge(int, asprintf(&p, "%s/%s", dir, rel), 0));
	return p;
}

static int open_dwarf(const char *path, struct dwarf_info **di)
{
	int fd = open(path, O_RDONLY), err;

	cr_assert(ge(int, fd, 0), "%s", path);
	err = dwarf_info__open_fd(fd, di);
	close(fd);
	return err;
}

/* The line of dwarf_outer's first instruction: in the function's source. */
static void lookup_outer(const char *rel)
{
	char *path = fixture(rel);
	const struct elf_sym *sym;
	struct elf_file *ef = NULL;
	struct dwarf_info *di = NULL;
	struct dwarf_loc loc;

	cr_assert(eq(int, elf_file__open(path, &ef), 0));
	sym = elf_file__find_func(ef, "dwarf_outer");
	cr_assert_not_null(sym);
	cr_assert(eq(int, open_dwarf(path, &di), 0));
	cr_assert(eq(int, dwarf_info__lookup(di, sym->vaddr, &loc), 0));
	cr_assert_not_null(loc.file);
	cr_assert_not_null(strstr(loc.file, "fixture_dwarf.c"), "%s", loc.file);
	cr_assert(gt(u32, loc.line, 0));
	/* an address no unit covers */
	cr_assert(eq(int, dwarf_info__lookup(di, 0x10, &loc), -ENOENT));
	dwarf_info__close(di);
	elf_file__close(ef);
	free(path);
}

Test(dwarf_info, plain_and_compressed)
{
	lookup_outer("dwarf/dwarf_prog");
	lookup_outer("dwarf/zlib/dwarf_prog");
}

Test(dwarf_info, no_dwarf)
{
	char *path = fixture("libfixture.so");
	struct dwarf_info *di = NULL;

	cr_assert(eq(int, open_dwarf(path, &di), -ENODATA));
	cr_assert_null(di);
	free(path);
}

/* Copies the zlib fixture and sets the declared size of its compressed
 * .debug_info to size. */
static char *with_declared_size(const char *dir, uint64_t size)
{
	char *src = fixture("dwarf/zlib/dwarf_prog"), *dst = NULL, cmd[8192];
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	GElf_Shdr sh;
	Elf *elf;
	int fd;

	cr_assert(ge(int, asprintf(&dst, "%s/bomb", dir), 0));
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", src, dst);
	cr_assert(eq(int, system(cmd), 0));
	elf_version(EV_CURRENT);
	fd = open(dst, O_RDWR);
	cr_assert(ge(int, fd, 0));
	elf = elf_begin(fd, ELF_C_READ, NULL);
	cr_assert_not_null(elf);
	cr_assert(eq(int, elf_getshdrstrndx(elf, &shstrndx), 0));
	while ((scn = elf_nextscn(elf, scn))) {
		cr_assert_not_null(gelf_getshdr(scn, &sh));
		if (!strcmp(elf_strptr(elf, shstrndx, sh.sh_name), ".debug_info"))
			break;
	}
	cr_assert_not_null(scn, "no .debug_info");
	cr_assert(ne(u64, sh.sh_flags & SHF_COMPRESSED, 0), "flags %#lx", (unsigned long)sh.sh_flags);
	/* Elf64_Chdr: ch_type, ch_reserved, then ch_size */
	cr_assert(eq(int, pwrite(fd, &size, sizeof(size), (off_t)(sh.sh_offset + 8)), 8));
	elf_end(elf);
	close(fd);
	free(src);
	return dst;
}

Test(dwarf_info, compression_bombs_refused)
{
	char *dir = tmpdir_make("mt_dwarf"), *bomb;
	struct dwarf_info *di = NULL;

	/* more than any section may inflate to */
	bomb = with_declared_size(dir, DWARF_SECTION_MAX + 1);
	cr_assert(eq(int, open_dwarf(bomb, &di), -EFBIG));
	free(bomb);
	/* under the limit, but more than deflate can give from these bytes */
	bomb = with_declared_size(dir, 512ull << 20);
	cr_assert(eq(int, open_dwarf(bomb, &di), -EFBIG));
	free(bomb);
	cr_assert_null(di);
	tmpdir_remove(dir);
}

/* A copy of the plain fixture whose .debug_line_str (or .debug_str) has
 * its last byte, the final string's terminator, overwritten. */
static char *unterminated(const char *dir, const char *section)
{
	char *src = fixture("dwarf/dwarf_prog"), *dst = NULL, cmd[8192];
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	GElf_Shdr sh;
	Elf *elf;
	int fd;

	cr_assert(ge(int, asprintf(&dst, "%s/unterminated", dir), 0));
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", src, dst);
	cr_assert(eq(int, system(cmd), 0));
	elf_version(EV_CURRENT);
	fd = open(dst, O_RDWR);
	cr_assert(ge(int, fd, 0));
	elf = elf_begin(fd, ELF_C_READ, NULL);
	cr_assert_not_null(elf);
	cr_assert(eq(int, elf_getshdrstrndx(elf, &shstrndx), 0));
	while ((scn = elf_nextscn(elf, scn))) {
		cr_assert_not_null(gelf_getshdr(scn, &sh));
		if (!strcmp(elf_strptr(elf, shstrndx, sh.sh_name), section))
			break;
	}
	cr_assert_not_null(scn, "no %s", section);
	cr_assert(eq(int, pwrite(fd, "x", 1, (off_t)(sh.sh_offset + sh.sh_size - 1)), 1));
	elf_end(elf);
	close(fd);
	free(src);
	return dst;
}

/* libdw reads these strings with strlen: past the section's end when the
 * last one has no terminator (tools/fuzz/regressions/dwarf) */
Test(dwarf_info, unterminated_string_sections_refused)
{
	char *dir = tmpdir_make("mt_dwarf"), *path;
	struct dwarf_info *di = NULL;

	path = unterminated(dir, ".debug_line_str");
	cr_assert(eq(int, open_dwarf(path, &di), -ENOEXEC));
	free(path);
	path = unterminated(dir, ".debug_str");
	cr_assert(eq(int, open_dwarf(path, &di), -ENOEXEC));
	free(path);
	cr_assert_null(di);
	tmpdir_remove(dir);
}
