// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* elf_file: symbols and segments of the ELF fixtures the build produces
 * (tests/unit/fixtures.mk), and hostile files: garbage, truncations,
 * corrupted headers and tables, random byte flips. Expected addresses come
 * from the library itself (find_func <-> sym_at round trips), never from
 * an outside tool. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/parameterized.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tmpdir.h"
#include "elf_file.h"

static char *fixtures;	/* $MT_FIXTURES */
static char *tmp_dir;

static void setup(void)
{
	const char *dir = getenv("MT_FIXTURES");

	cr_assert_not_null(dir, "MT_FIXTURES not set: run through 'make unit'");
	fixtures = strdup(dir);
	cr_assert_not_null(fixtures);
	tmp_dir = tmpdir_make("mt_elf");
}

static void teardown(void)
{
	tmpdir_remove(tmp_dir);
	free(fixtures);
	tmp_dir = fixtures = NULL;
}

TestSuite(elf_file, .init = setup, .fini = teardown, .timeout = 30);

static char *join(const char *dir, const char *name)
{
	char *path = NULL;

	cr_assert(ge(int, asprintf(&path, "%s/%s", dir, name), 0));
	return path;
}

static struct elf_file *open_fixture(const char *name)
{
	struct elf_file *ef = NULL;
	char *path = join(fixtures, name);
	int err = elf_file__open(path, &ef);

	cr_assert(eq(int, err, 0), "elf_file__open(%s): %s", path, strerror(-err));
	cr_assert_not_null(ef);
	free(path);
	return ef;
}

static const struct elf_sym *must_find(const struct elf_file *ef, const char *name)
{
	const struct elf_sym *s = elf_file__find_func(ef, name);

	cr_assert_not_null(s, "%s not found", name);
	cr_assert_str_eq(s->name, name);
	return s;
}

static void *read_whole(const char *path, size_t *len)
{
	struct stat st;
	void *buf;
	int fd;

	fd = open(path, O_RDONLY);
	cr_assert(ge(int, fd, 0), "open(%s): %s", path, strerror(errno));
	cr_assert(eq(int, fstat(fd, &st), 0));
	buf = malloc((size_t)st.st_size);
	cr_assert_not_null(buf);
	cr_assert(eq(int, read(fd, buf, (size_t)st.st_size) == st.st_size, 1));
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

static char *write_tmp(const char *name, const void *buf, size_t len)
{
	char *path = join(tmp_dir, name);
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	cr_assert(ge(int, fd, 0), "open(%s): %s", path, strerror(errno));
	cr_assert(eq(int, write(fd, buf, len) == (ssize_t)len, 1));
	close(fd);
	return path;
}

/* every function of the library: the name finds an address, the address
 * (start, middle, last byte) finds the name, one past the end does not */
Test(elf_file, lib_round_trip)
{
	static const char *const names[] = {
		"lib_func_a", "lib_func_b", "lib_static_func", "lib_print_addrs",
		"lib_use_all", "lib_ifunc",
	};
	struct elf_file *ef = open_fixture("libfixture.so");
	size_t i;

	cr_assert(elf_file__has_symtab(ef));
	cr_assert(ge(sz, elf_file__nsyms(ef), sizeof(names) / sizeof(names[0])));
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct elf_sym *f = must_find(ef, names[i]), *s;

		cr_assert(gt(u64, f->size, 1), "%s has size %lu", names[i], (unsigned long)f->size);
		s = elf_file__sym_at(ef, f->vaddr);
		cr_assert_not_null(s, "%s", names[i]);
		cr_assert_str_eq(s->name, names[i]);
		cr_assert(eq(u64, s->vaddr, f->vaddr));
		cr_assert_str_eq(elf_file__sym_at(ef, f->vaddr + f->size / 2)->name, names[i]);
		cr_assert_str_eq(elf_file__sym_at(ef, f->vaddr + f->size - 1)->name, names[i]);
		s = elf_file__sym_at(ef, f->vaddr + f->size);
		if (s)
			cr_assert(eq(u64, s->vaddr, f->vaddr + f->size), "%s runs into %s",
				  names[i], s->name);
	}
	elf_file__close(ef);
}

Test(elf_file, aliases_prefer_global)
{
	struct elf_file *ef = open_fixture("libfixture.so");
	const struct elf_sym *g = must_find(ef, "alias_global");
	const struct elf_sym *w = must_find(ef, "alias_weak");
	const struct elf_sym *l = must_find(ef, "alias_local");
	const struct elf_sym *s;

	cr_assert(eq(u64, g->vaddr, w->vaddr));
	cr_assert(eq(u64, g->vaddr, l->vaddr));
	/* one name per address, the same every time */
	s = elf_file__sym_at(ef, w->vaddr);
	cr_assert_str_eq(s->name, "alias_global");
	cr_assert_str_eq(elf_file__sym_at(ef, w->vaddr + g->size - 1)->name, "alias_global");
	/* same binding: the public spelling, not the internal one */
	g = must_find(ef, "__twin_internal");
	cr_assert(eq(u64, g->vaddr, must_find(ef, "twin")->vaddr));
	cr_assert_str_eq(elf_file__sym_at(ef, g->vaddr)->name, "twin");
	elf_file__close(ef);
}

Test(elf_file, size0_symbol_matches_exact_address_only)
{
	struct elf_file *ef = open_fixture("libfixture.so");
	const struct elf_sym *f = must_find(ef, "nosize_func");

	cr_assert(eq(u64, f->size, 0));
	cr_assert_str_eq(elf_file__sym_at(ef, f->vaddr)->name, "nosize_func");
	/* its body is real code, but nothing says where it ends */
	cr_assert_null(elf_file__sym_at(ef, f->vaddr + 1));
	elf_file__close(ef);
}

Test(elf_file, sized_symbol_beats_label_at_same_address)
{
	struct elf_file *ef = open_fixture("libfixture.so");
	const struct elf_sym *label = must_find(ef, "entry_label");
	const struct elf_sym *body = must_find(ef, "sized_body");

	/* the GLOBAL label has no size: naming the address after it would
	 * leave the rest of the body without a name */
	cr_assert(eq(u64, label->vaddr, body->vaddr));
	cr_assert(eq(u64, label->size, 0));
	cr_assert_str_eq(elf_file__sym_at(ef, body->vaddr)->name, "sized_body");
	cr_assert_str_eq(elf_file__sym_at(ef, body->vaddr + body->size - 1)->name, "sized_body");
	elf_file__close(ef);
}

Test(elf_file, ifunc_is_a_function)
{
	struct elf_file *ef = open_fixture("libfixture.so");
	const struct elf_sym *i = must_find(ef, "lib_ifunc");
	const struct elf_sym *r = must_find(ef, "resolve_lib_ifunc");

	/* the ifunc symbol names its resolver; GLOBAL beats the LOCAL name */
	cr_assert(eq(u64, i->vaddr, r->vaddr));
	cr_assert_str_eq(elf_file__sym_at(ef, r->vaddr)->name, "lib_ifunc");
	elf_file__close(ef);
}

Test(elf_file, only_defined_functions)
{
	struct elf_file *ef = open_fixture("libfixture.so");
	struct elf_file *exe = open_fixture("fixture_pie");

	cr_assert_null(elf_file__find_func(ef, "lib_data_var"));
	cr_assert_null(elf_file__find_func(ef, "no_such_function"));
	cr_assert_null(elf_file__find_func(ef, ""));
	cr_assert_null(elf_file__find_func(ef, "printf"));
	/* referenced but undefined in the program */
	cr_assert_null(elf_file__find_func(exe, "lib_print_addrs"));
	cr_assert_null(elf_file__find_func(exe, "lib_use_all"));
	cr_assert_null(elf_file__find_func(exe, "mmap"));
	cr_assert_null(elf_file__sym_at(ef, 0));
	cr_assert_null(elf_file__sym_at(ef, UINT64_MAX));
	elf_file__close(exe);
	elf_file__close(ef);
}

Test(elf_file, stripped_library_uses_dynsym)
{
	static const char *const exported[] = {
		"lib_func_a", "lib_func_b", "lib_print_addrs", "lib_use_all",
		"lib_ifunc", "alias_global", "alias_weak", "nosize_func",
	};
	struct elf_file *full = open_fixture("libfixture.so");
	struct elf_file *ef = open_fixture("stripped/libfixture.so");
	const struct elf_sym *st;
	size_t i;

	cr_assert(not(elf_file__has_symtab(ef)));
	cr_assert(gt(sz, elf_file__nsyms(ef), 0));
	cr_assert(lt(sz, elf_file__nsyms(ef), elf_file__nsyms(full)));
	for (i = 0; i < sizeof(exported) / sizeof(exported[0]); i++) {
		const struct elf_sym *a = must_find(ef, exported[i]);
		const struct elf_sym *b = must_find(full, exported[i]);

		cr_assert(eq(u64, a->vaddr, b->vaddr), "%s", exported[i]);
		cr_assert(eq(u64, a->size, b->size), "%s", exported[i]);
	}
	cr_assert_str_eq(elf_file__sym_at(ef, must_find(ef, "lib_func_b")->vaddr + 3)->name,
			 "lib_func_b");
	cr_assert_str_eq(elf_file__sym_at(ef, must_find(ef, "alias_weak")->vaddr)->name,
			 "alias_global");
	/* local symbols went with .symtab: no name rather than a wrong one */
	cr_assert_null(elf_file__find_func(ef, "lib_static_func"));
	cr_assert_null(elf_file__find_func(ef, "alias_local"));
	st = must_find(full, "lib_static_func");
	cr_assert_null(elf_file__sym_at(ef, st->vaddr));
	cr_assert_null(elf_file__sym_at(ef, st->vaddr + 2));
	elf_file__close(ef);
	elf_file__close(full);
}

Test(elf_file, find_func_falls_back_to_dynsym)
{
	struct elf_file *full = open_fixture("libfixture.so");
	struct elf_file *ef = open_fixture("libfixture_partial.so");

	/* lib_func_b is gone from .symtab but still exported */
	cr_assert(elf_file__has_symtab(ef));
	cr_assert(eq(u64, must_find(ef, "lib_func_b")->vaddr,
		     must_find(full, "lib_func_b")->vaddr));
	cr_assert(eq(u64, must_find(ef, "lib_static_func")->vaddr,
		     must_find(full, "lib_static_func")->vaddr));
	elf_file__close(ef);
	elf_file__close(full);
}

struct exe_case {
	char name[32];
	bool pie;
};

ParameterizedTestParameters(elf_file, executables)
{
	static struct exe_case cases[] = {
		{ "fixture_pie", true },
		{ "fixture_nopie", false },
	};

	return cr_make_param_array(struct exe_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct exe_case *c, elf_file, executables)
{
	static const char *const names[] = { "func_a", "func_b", "static_func", "main" };
	struct elf_file *ef = open_fixture(c->name);
	size_t i;

	cr_assert(elf_file__has_symtab(ef));
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct elf_sym *f = must_find(ef, names[i]);
		uint64_t off = 0, vaddr = 0;

		cr_assert_str_eq(elf_file__sym_at(ef, f->vaddr + 1)->name, names[i]);
		cr_assert(eq(int, elf_file__vaddr_to_offset(ef, f->vaddr, &off), 0));
		cr_assert(eq(int, elf_file__offset_to_vaddr(ef, off, &vaddr), 0));
		cr_assert(eq(u64, vaddr, f->vaddr));
		if (c->pie) {
			cr_assert(lt(u64, f->vaddr, 0x400000), "PIE links at 0");
		} else {
			/* x86-64 non-PIE text starts at 0x400000: vaddr is not offset */
			cr_assert(ge(u64, f->vaddr, 0x400000));
			cr_assert(ne(u64, f->vaddr, off));
		}
	}
	elf_file__close(ef);
}

Test(elf_file, offsets_outside_segments)
{
	struct elf_file *ef = open_fixture("libfixture.so");
	uint64_t v = 7;

	cr_assert(eq(int, elf_file__offset_to_vaddr(ef, 1ull << 40, &v), -ENOENT));
	cr_assert(eq(int, elf_file__vaddr_to_offset(ef, 1ull << 40, &v), -ENOENT));
	cr_assert(eq(int, elf_file__offset_to_vaddr(ef, UINT64_MAX, &v), -ENOENT));
	cr_assert(eq(u64, v, 7));
	cr_assert(eq(int, elf_file__offset_to_vaddr(ef, 0, &v), 0));
	elf_file__close(ef);
}

Test(elf_file, library_without_functions)
{
	struct elf_file *ef = open_fixture("libnofunc.so");

	cr_assert(eq(sz, elf_file__nsyms(ef), 0));
	cr_assert_null(elf_file__find_func(ef, "nofunc_data"));
	cr_assert_null(elf_file__sym_at(ef, 0x1000));
	elf_file__close(ef);
}

Test(elf_file, open_fd_leaves_fd_open)
{
	char *path = join(fixtures, "libfixture.so");
	struct elf_file *ef = NULL;
	int fd = open(path, O_RDONLY);

	cr_assert(ge(int, fd, 0));
	cr_assert(eq(int, elf_file__open_fd(fd, &ef), 0));
	cr_assert(ge(int, fcntl(fd, F_GETFD), 0));
	must_find(ef, "lib_func_a");
	elf_file__close(ef);
	close(fd);
	free(path);
}

Test(elf_file, bad_arguments)
{
	struct elf_file *ef = (struct elf_file *)1;
	uint64_t v;

	cr_assert(eq(int, elf_file__open(NULL, &ef), -EINVAL));
	cr_assert(eq(int, elf_file__open_fd(-1, &ef), -EINVAL));
	cr_assert(eq(int, elf_file__open("/nonexistent/libx.so", &ef), -ENOENT));
	cr_assert_null(ef);
	cr_assert_null(elf_file__sym_at(NULL, 0));
	cr_assert_null(elf_file__find_func(NULL, "x"));
	cr_assert(eq(sz, elf_file__nsyms(NULL), 0));
	cr_assert(not(elf_file__has_symtab(NULL)));
	cr_assert(eq(int, elf_file__offset_to_vaddr(NULL, 0, &v), -EINVAL));
	elf_file__close(NULL);
}

Test(elf_file, special_files, .timeout = 10)
{
	struct elf_file *ef = NULL;
	char *fifo = join(tmp_dir, "fifo");

	cr_assert(eq(int, elf_file__open("/dev/null", &ef), -ENOEXEC));
	cr_assert(eq(int, elf_file__open("/dev/zero", &ef), -ENOEXEC));
	cr_assert(eq(int, elf_file__open(tmp_dir, &ef), -ENOEXEC));
	/* a FIFO where a library was: neither blocks nor passes */
	cr_assert(eq(int, mkfifo(fifo, 0600), 0));
	cr_assert(eq(int, elf_file__open(fifo, &ef), -ENOEXEC));
	cr_assert_null(ef);
	/* nor when command mode asks for the program interpreter */
	cr_assert_null(elf_file__interp(fifo));
	cr_assert_null(elf_file__interp("/dev/zero"));
	free(fifo);
}

enum damage {
	D_EMPTY,
	D_GARBAGE,
	D_SCRIPT,
	D_MAGIC_ONLY,
	D_TRUNC_16,
	D_TRUNC_63,
	D_TRUNC_200,
	D_TRUNC_HALF,
	D_TRUNC_LAST_BYTE,
	D_CLASS32,
	D_BIG_ENDIAN,
	D_BAD_VERSION,
	D_RELOCATABLE,
	D_SHOFF_HUGE,
	D_SHOFF_PAST_END,
	D_SHNUM_HUGE,
	D_SHNUM_EXTENDED_HUGE,
	D_SHENTSIZE,
	D_PHOFF_HUGE,
	D_PHNUM_HUGE,
	D_PHENTSIZE,
	D_SYMTAB_OFFSET_PAST_END,
	D_SYMTAB_SIZE_HUGE,
	D_SYMTAB_ENTSIZE,
	D_SYMTAB_LINK_OUT_OF_RANGE,
	D_SYMTAB_LINK_NOT_STRTAB,
	D_STRTAB_PAST_END,
	D_DYNSYM_SIZE_HUGE,
	D__COUNT,
};

static Elf64_Shdr *find_section(void *buf, uint32_t type)
{
	Elf64_Ehdr *eh = buf;
	Elf64_Shdr *sh = (Elf64_Shdr *)((char *)buf + eh->e_shoff);
	int i;

	for (i = 0; i < eh->e_shnum; i++)
		if (sh[i].sh_type == type)
			return &sh[i];
	cr_fatal("no section of type %u", type);
	return NULL;
}

/* a copy of libfixture.so (or other bytes) with one kind of damage */
static size_t damage(enum damage d, unsigned char *buf, size_t len)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
	size_t i;

	switch (d) {
	case D_EMPTY:
		return 0;
	case D_GARBAGE:
		for (i = 0; i < len; i++)
			buf[i] = (unsigned char)(i * 2654435761u >> 13);
		return len;
	case D_SCRIPT:
		strcpy((char *)buf, "#!/bin/sh\necho not an elf\n");
		return strlen((char *)buf);
	case D_MAGIC_ONLY:
		return 4;
	case D_TRUNC_16:
		return 16;
	case D_TRUNC_63:
		return 63;
	case D_TRUNC_200:
		return 200;
	case D_TRUNC_HALF:
		return len / 2;
	case D_TRUNC_LAST_BYTE:
		return len - 1;
	case D_CLASS32:
		eh->e_ident[EI_CLASS] = ELFCLASS32;
		return len;
	case D_BIG_ENDIAN:
		eh->e_ident[EI_DATA] = ELFDATA2MSB;
		return len;
	case D_BAD_VERSION:
		eh->e_ident[EI_VERSION] = 7;
		return len;
	case D_RELOCATABLE:
		eh->e_type = ET_REL;
		return len;
	case D_SHOFF_HUGE:
		eh->e_shoff = UINT64_MAX - 16;
		return len;
	case D_SHOFF_PAST_END:
		eh->e_shoff = len;
		return len;
	case D_SHNUM_HUGE:
		eh->e_shnum = 0xfeff;
		return len;
	case D_SHNUM_EXTENDED_HUGE:
		eh->e_shnum = 0;
		((Elf64_Shdr *)(buf + eh->e_shoff))[0].sh_size = 1ull << 40;
		return len;
	case D_SHENTSIZE:
		eh->e_shentsize = 40;
		return len;
	case D_PHOFF_HUGE:
		eh->e_phoff = UINT64_MAX - 8;
		return len;
	case D_PHNUM_HUGE:
		eh->e_phnum = 0xfffe;
		return len;
	case D_PHENTSIZE:
		eh->e_phentsize = 32;
		return len;
	case D_SYMTAB_OFFSET_PAST_END:
		find_section(buf, SHT_SYMTAB)->sh_offset = len;
		return len;
	case D_SYMTAB_SIZE_HUGE:
		find_section(buf, SHT_SYMTAB)->sh_size = sizeof(Elf64_Sym) << 40;
		return len;
	case D_SYMTAB_ENTSIZE:
		find_section(buf, SHT_SYMTAB)->sh_entsize = 23;
		return len;
	case D_SYMTAB_LINK_OUT_OF_RANGE:
		find_section(buf, SHT_SYMTAB)->sh_link = 60000;
		return len;
	case D_SYMTAB_LINK_NOT_STRTAB:
		find_section(buf, SHT_SYMTAB)->sh_link = 0;
		return len;
	case D_STRTAB_PAST_END: {
		Elf64_Shdr *sym = find_section(buf, SHT_SYMTAB);
		Elf64_Shdr *str = (Elf64_Shdr *)(buf + eh->e_shoff) + sym->sh_link;

		str->sh_offset = len - 8;
		str->sh_size = 4096;
		return len;
	}
	case D_DYNSYM_SIZE_HUGE:
		find_section(buf, SHT_DYNSYM)->sh_size = (uint64_t)len * sizeof(Elf64_Sym);
		return len;
	case D__COUNT:
		break;
	}
	cr_fatal("unknown damage %d", d);
	return 0;
}

ParameterizedTestParameters(elf_file, hostile_rejected)
{
	static enum damage kinds[D__COUNT];
	int i;

	for (i = 0; i < D__COUNT; i++)
		kinds[i] = (enum damage)i;
	return cr_make_param_array(enum damage, kinds, D__COUNT);
}

ParameterizedTest(enum damage *d, elf_file, hostile_rejected)
{
	char *lib = join(fixtures, "libfixture.so");
	struct elf_file *ef = (struct elf_file *)1;
	unsigned char *buf;
	size_t len;
	char *path;

	buf = read_whole(lib, &len);
	len = damage(*d, buf, len);
	path = write_tmp("damaged", buf, len);
	cr_assert(eq(int, elf_file__open(path, &ef), -ENOEXEC), "damage %d", *d);
	cr_assert_null(ef);
	free(path);
	free(buf);
	free(lib);
}

/* a name past its string table is skipped, the file is not rejected: with
 * every .symtab name broken, lookups by address move to .dynsym */
Test(elf_file, symtab_names_out_of_range)
{
	char *lib = join(fixtures, "libfixture.so");
	struct elf_file *ef = NULL;
	Elf64_Shdr *sh;
	Elf64_Sym *syms;
	unsigned char *buf;
	size_t len, i;
	char *path;

	buf = read_whole(lib, &len);
	sh = find_section(buf, SHT_SYMTAB);
	syms = (Elf64_Sym *)(buf + sh->sh_offset);
	for (i = 1; i < sh->sh_size / sizeof(*syms); i++)
		syms[i].st_name = 0xfffffff0u;
	path = write_tmp("badnames", buf, len);
	cr_assert(eq(int, elf_file__open(path, &ef), 0));
	cr_assert(elf_file__has_symtab(ef));
	cr_assert_str_eq(elf_file__sym_at(ef, must_find(ef, "lib_func_a")->vaddr)->name,
			 "lib_func_a");
	cr_assert_null(elf_file__find_func(ef, "lib_static_func"));
	elf_file__close(ef);
	free(path);
	free(buf);
	free(lib);
}

/* Random byte flips in every structure the parser reads: each file opens
 * or fails cleanly, and whatever opens answers lookups without crashing. */
Test(elf_file, fuzzed_headers_and_tables, .timeout = 120)
{
	static const char *const names[] = { "lib_func_a", "alias_weak", "nosize_func", "x" };
	char *lib = join(fixtures, "libfixture.so");
	unsigned char *orig, *buf;
	uint64_t state = 0x9e3779b97f4a7c15ull;
	size_t len, iter, k, opened = 0;
	Elf64_Shdr *symtab;
	char *path = join(tmp_dir, "fuzzed");

	orig = read_whole(lib, &len);
	buf = malloc(len);
	cr_assert_not_null(buf);
	symtab = find_section(orig, SHT_SYMTAB);

	for (iter = 0; iter < 400; iter++) {
		const Elf64_Ehdr *eh = (const Elf64_Ehdr *)orig;
		/* regions: ELF header, program headers, section headers, .symtab */
		const uint64_t region[4][2] = {
			{ 0, sizeof(Elf64_Ehdr) },
			{ eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) },
			{ eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) },
			{ symtab->sh_offset, symtab->sh_size },
		};
		struct elf_file *ef = NULL;
		int fd, err;

		memcpy(buf, orig, len);
		for (k = 0; k < 1 + iter % 8; k++) {
			const uint64_t *r;

			state ^= state << 13;
			state ^= state >> 7;
			state ^= state << 17;
			r = region[(state >> 8) % 4];
			buf[r[0] + (state >> 16) % r[1]] ^= (unsigned char)(1u << (state % 8));
		}
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		cr_assert(ge(int, fd, 0));
		cr_assert(eq(int, write(fd, buf, len) == (ssize_t)len, 1));
		close(fd);

		err = elf_file__open(path, &ef);
		cr_assert(le(int, err, 0));
		if (err)
			continue;
		opened++;
		for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
			const struct elf_sym *f = elf_file__find_func(ef, names[k]);
			uint64_t off, v;

			if (!f)
				continue;
			elf_file__sym_at(ef, f->vaddr);
			elf_file__sym_at(ef, f->vaddr + 1);
			if (!elf_file__vaddr_to_offset(ef, f->vaddr, &off))
				elf_file__offset_to_vaddr(ef, off, &v);
		}
		for (k = 0; k < 0x3000; k += 7)
			elf_file__sym_at(ef, k);
		elf_file__close(ef);
	}
	/* the flips must not all have been fatal, or the loop tested little */
	cr_assert(gt(sz, opened, 0));
	free(path);
	free(buf);
	free(orig);
	free(lib);
}

Test(elf_file, interp_of_programs_not_libraries)
{
	char *pie = join(fixtures, "fixture_pie"), *lib = join(fixtures, "libfixture.so");
	char *junk = join(tmp_dir, "junk"), *interp;
	FILE *f;

	interp = elf_file__interp(pie);
	cr_assert_not_null(interp, "a dynamic executable names its loader");
	cr_assert(eq(int, interp[0], '/'));
	cr_assert_not_null(strstr(interp, "ld-linux"), "%s", interp);
	free(interp);
	cr_assert_null(elf_file__interp(lib), "a shared library has no PT_INTERP");
	cr_assert_null(elf_file__interp("/nonexistent/file"));
	f = fopen(junk, "w");
	cr_assert_not_null(f);
	fputs("#!/bin/sh\necho not an ELF file\n", f);
	fclose(f);
	cr_assert_null(elf_file__interp(junk));
	free(pie);
	free(lib);
	free(junk);
}

/* An ELF file of one symbol table only: nsyms function symbols, symbol i
 * at 0x1000 + 16 i, all named by the string at name_off of a string table
 * that holds one name of name_len 'a's. Malloc'd, *len set. */
static void *symbols_only_elf(size_t nsyms, size_t name_len, size_t *len)
{
	size_t strsize = name_len + 2, symoff = sizeof(Elf64_Ehdr);
	size_t stroff = symoff + nsyms * sizeof(Elf64_Sym);
	size_t shoff = (stroff + strsize + 7) & ~(size_t)7, i;
	unsigned char *buf;
	Elf64_Ehdr *eh;
	Elf64_Sym *sym;
	Elf64_Shdr *sh;

	*len = shoff + 3 * sizeof(Elf64_Shdr);
	buf = calloc(1, *len);
	cr_assert_not_null(buf);
	eh = (Elf64_Ehdr *)buf;
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_DYN;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_ehsize = sizeof(*eh);
	eh->e_shoff = shoff;
	eh->e_shentsize = sizeof(Elf64_Shdr);
	eh->e_shnum = 3;
	sym = (Elf64_Sym *)(buf + symoff);
	for (i = 1; i < nsyms; i++) {
		sym[i].st_name = 1;
		sym[i].st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC);
		sym[i].st_shndx = 1;
		sym[i].st_value = 0x1000 + 16 * i;
		sym[i].st_size = 16;
	}
	memset(buf + stroff + 1, 'a', name_len);
	sh = (Elf64_Shdr *)(buf + shoff);
	sh[1].sh_type = SHT_SYMTAB;
	sh[1].sh_offset = symoff;
	sh[1].sh_size = nsyms * sizeof(Elf64_Sym);
	sh[1].sh_entsize = sizeof(Elf64_Sym);
	sh[1].sh_link = 2;
	sh[2].sh_type = SHT_STRTAB;
	sh[2].sh_offset = stroff;
	sh[2].sh_size = strsize;
	return buf;
}

/* Many symbols that share one long name cost name length x symbols in
 * every sort and compare: a name past the length bound is skipped, and a
 * file whose names add up past the total bound is refused, both before
 * the sort (without the bounds this file took minutes). */
Test(elf_file, name_work_is_bounded)
{
	struct elf_file *ef = NULL;
	unsigned char *buf;
	size_t len;
	char *path;

	/* names of 4096 bytes are kept: the synthetic file itself is good */
	buf = symbols_only_elf(1000, 4096, &len);
	path = write_tmp("long_names", buf, len);
	cr_assert(eq(int, elf_file__open(path, &ef), 0));
	cr_assert(eq(sz, elf_file__nsyms(ef), 999));
	cr_assert(eq(sz, strlen(elf_file__sym_at(ef, 0x1000 + 16 * 5)->name), 4096));
	elf_file__close(ef);
	free(path);
	free(buf);

	/* one byte longer: no symbol is named by it */
	buf = symbols_only_elf(1000, 4097, &len);
	path = write_tmp("too_long_names", buf, len);
	cr_assert(eq(int, elf_file__open(path, &ef), 0));
	cr_assert(eq(sz, elf_file__nsyms(ef), 0));
	cr_assert_null(elf_file__sym_at(ef, 0x1000 + 16 * 5));
	elf_file__close(ef);
	free(path);
	free(buf);

	/* 200,000 names of 4 KiB: 800 MB of names in a 5 MB file */
	buf = symbols_only_elf(200000, 4096, &len);
	path = write_tmp("many_long_names", buf, len);
	cr_assert(eq(int, elf_file__open(path, &ef), -ENOEXEC));
	cr_assert_null(ef);
	free(path);
	free(buf);
}

/* A string table may be as large as the file: a sparse file costs no disk
 * and would have cost its size twice in memory (libelf's copy, ours) */
Test(elf_file, huge_string_table_refused)
{
	struct elf_file *ef = NULL;
	size_t len, big = (size_t)600 << 20;
	unsigned char *buf;
	Elf64_Shdr *sh;
	char *path;
	int fd;

	buf = symbols_only_elf(10, 8, &len);
	sh = (Elf64_Shdr *)(buf + ((Elf64_Ehdr *)buf)->e_shoff);
	sh[2].sh_size = big - sh[2].sh_offset;
	path = write_tmp("huge_strtab", buf, len);
	fd = open(path, O_WRONLY);
	cr_assert(ge(int, fd, 0));
	cr_assert(eq(int, ftruncate(fd, (off_t)big), 0));
	close(fd);
	cr_assert(eq(int, elf_file__open(path, &ef), -ENOEXEC));
	cr_assert_null(ef);
	free(path);
	free(buf);
}

/* A file of nnotes SHT_NOTE sections after symbols_only_elf's three, all
 * pointing at an ABI tag note but section id_at, which points at a build
 * ID note of 20 bytes 0x11, 0x22, ... (id_at >= nnotes: none does). */
static void *notes_elf(size_t nnotes, size_t id_at, size_t *len)
{
	static const uint32_t abi_tag[] = { 4, 16, NT_GNU_ABI_TAG, 0x00554e47, 0, 3, 2, 0 };
	uint32_t id_note[3 + 1 + 5] = { 4, 20, NT_GNU_BUILD_ID, 0x00554e47 };
	size_t base_len, notes_off, shoff, i;
	unsigned char *base, *buf;
	Elf64_Shdr *sh;

	for (i = 0; i < 20; i++)
		((unsigned char *)&id_note[4])[i] = (unsigned char)(0x11 * (i + 1));
	base = symbols_only_elf(2, 8, &base_len);
	/* the notes where the old section headers were, new headers after */
	notes_off = ((Elf64_Ehdr *)base)->e_shoff;
	shoff = notes_off + sizeof(abi_tag) + sizeof(id_note);
	*len = shoff + (3 + nnotes) * sizeof(Elf64_Shdr);
	buf = calloc(1, *len);
	cr_assert_not_null(buf);
	memcpy(buf, base, notes_off);
	memcpy(buf + notes_off, abi_tag, sizeof(abi_tag));
	memcpy(buf + notes_off + sizeof(abi_tag), id_note, sizeof(id_note));
	memcpy(buf + shoff, base + notes_off, 3 * sizeof(Elf64_Shdr));
	((Elf64_Ehdr *)buf)->e_shoff = shoff;
	((Elf64_Ehdr *)buf)->e_shnum = (uint16_t)(3 + nnotes);
	sh = (Elf64_Shdr *)(buf + shoff);
	for (i = 0; i < nnotes; i++) {
		sh[3 + i].sh_type = SHT_NOTE;
		sh[3 + i].sh_addralign = 4;
		sh[3 + i].sh_offset = notes_off + (i == id_at ? sizeof(abi_tag) : 0);
		sh[3 + i].sh_size = i == id_at ? sizeof(id_note) : sizeof(abi_tag);
	}
	free(base);
	return buf;
}

static char *build_id_of(const void *buf, size_t len)
{
	struct elf_file *ef = NULL;
	char *path = write_tmp("notes", buf, len), *id;

	cr_assert(eq(int, elf_file__open(path, &ef), 0));
	id = elf_file__build_id(ef) ? strdup(elf_file__build_id(ef)) : NULL;
	elf_file__close(ef);
	free(path);
	return id;
}

/* Each note section is read whole: the build ID is looked for in the
 * first 16 only, however many headers a file has */
Test(elf_file, note_sections_read_are_bounded)
{
	unsigned char *buf;
	size_t len;
	char *id;

	buf = notes_elf(40, 15, &len);
	id = build_id_of(buf, len);
	cr_assert_not_null(id, "the 16th note section is read");
	cr_assert_str_eq(id, "112233445566778899aabbccddeeff1021324354");
	free(id);
	free(buf);

	buf = notes_elf(40, 16, &len);
	cr_assert_null(build_id_of(buf, len), "the 17th is not");
	free(buf);
}
