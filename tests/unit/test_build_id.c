// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Module build IDs: elf_file reads the GNU build ID note of the fixtures
 * (libfixture.so is linked with a known one, libnofunc.so with none), a
 * damaged note yields no ID rather than a crash or a wrong one, and the
 * symbolizer hands the ID out with every frame of the module. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tmpdir.h"
#include "elf_file.h"
#include "symbolize.h"

static char *fixtures;	/* $MT_FIXTURES */
static const char *known_id; /* $MT_FIXTURE_BUILD_ID, libfixture.so's */
static char *tmp_dir;

static void setup(void)
{
	fixtures = getenv("MT_FIXTURES");
	known_id = getenv("MT_FIXTURE_BUILD_ID");
	cr_assert_not_null(fixtures, "MT_FIXTURES not set: run through 'make unit'");
	cr_assert_not_null(known_id, "MT_FIXTURE_BUILD_ID not set: run through 'make unit'");
	cr_assert(eq(sz, strlen(known_id), 40));
	tmp_dir = tmpdir_make("mt_buildid");
}

static void teardown(void)
{
	tmpdir_remove(tmp_dir);
	tmp_dir = NULL;
}

TestSuite(build_id, .init = setup, .fini = teardown, .timeout = 30);

static char *join(const char *dir, const char *name)
{
	char *path = NULL;

	cr_assert(ge(int, asprintf(&path, "%s/%s", dir, name), 0));
	return path;
}

/* the build ID elf_file reads from path (copied), NULL when none */
static char *id_of(const char *path)
{
	struct elf_file *ef = NULL;
	char *id;
	int err = elf_file__open(path, &ef);

	cr_assert(eq(int, err, 0), "elf_file__open(%s): %s", path, strerror(-err));
	id = elf_file__build_id(ef) ? strdup(elf_file__build_id(ef)) : NULL;
	elf_file__close(ef);
	return id;
}

Test(build_id, known_id_of_library)
{
	char *lib = join(fixtures, "libfixture.so");
	char *id = id_of(lib);

	cr_assert_not_null(id);
	cr_assert_str_eq(id, known_id);
	free(id);
	free(lib);
}

Test(build_id, none_when_linked_without)
{
	char *lib = join(fixtures, "libnofunc.so");

	cr_assert_null(id_of(lib));
	cr_assert_null(elf_file__build_id(NULL));
	free(lib);
}

/* the toolchain's default (sha1) ID: 20 bytes of lowercase hex */
Test(build_id, default_id_of_program)
{
	char *exe = join(fixtures, "fixture_pie");
	char *id = id_of(exe);

	cr_assert_not_null(id);
	cr_assert(eq(sz, strlen(id), 40));
	cr_assert(eq(sz, strspn(id, "0123456789abcdef"), 40));
	free(id);
	free(exe);
}

static unsigned char *read_whole(const char *path, size_t *len)
{
	unsigned char *buf;
	struct stat st;
	int fd = open(path, O_RDONLY);

	cr_assert(ge(int, fd, 0));
	cr_assert(eq(int, fstat(fd, &st), 0));
	buf = malloc((size_t)st.st_size);
	cr_assert_not_null(buf);
	cr_assert(eq(int, read(fd, buf, (size_t)st.st_size) == st.st_size, 1));
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

/* Offset of the build ID note header (namesz 4, descsz 20, type 3, "GNU")
 * in a file image; every copy of it (PT_NOTE and SHT_NOTE name the same
 * bytes) is the one place to damage. */
static size_t find_note(const unsigned char *buf, size_t len)
{
	static const uint32_t hdr[3] = { 4, 20, NT_GNU_BUILD_ID };
	size_t i, found = 0, n = 0;

	for (i = 0; i + 16 <= len; i += 4)
		if (!memcmp(buf + i, hdr, sizeof(hdr)) && !memcmp(buf + i + 12, "GNU", 4)) {
			found = i;
			n++;
		}
	cr_assert(eq(sz, n, 1), "build ID notes found: %zu", n);
	return found;
}

enum note_damage {
	N_NAMESZ_HUGE,
	N_DESCSZ_HUGE,
	N_DESCSZ_PAST_SEGMENT,
	N_DESCSZ_ZERO,
	N_NAME_WRONG,
	N_NAMESZ_WRAPS,
	N__COUNT,
};

/* Each damaged note gives no build ID, the file still opens and its
 * symbols still resolve. */
Test(build_id, damaged_notes_give_none)
{
	char *lib = join(fixtures, "libfixture.so");
	unsigned char *orig, *buf;
	size_t len, at;
	int d;

	orig = read_whole(lib, &len);
	at = find_note(orig, len);
	buf = malloc(len);
	cr_assert_not_null(buf);
	for (d = 0; d < N__COUNT; d++) {
		struct elf_file *ef = NULL;
		uint32_t *nhdr;
		char *path, name[32];
		int fd;

		memcpy(buf, orig, len);
		nhdr = (uint32_t *)(buf + at);
		switch ((enum note_damage)d) {
		case N_NAMESZ_HUGE:
			nhdr[0] = 0xfffffff0u;
			break;
		case N_DESCSZ_HUGE:
			nhdr[1] = 0xffffffffu;
			break;
		case N_DESCSZ_PAST_SEGMENT:
			nhdr[1] = 24;	/* 4 bytes more than the note holds */
			break;
		case N_DESCSZ_ZERO:
			nhdr[1] = 0;
			break;
		case N_NAME_WRONG:
			memcpy(buf + at + 12, "GNX", 4);
			break;
		case N_NAMESZ_WRAPS:
			nhdr[0] = 0xfffffffdu; /* + 3 padding wraps a 32-bit sum */
			break;
		case N__COUNT:
			break;
		}
		snprintf(name, sizeof(name), "note%d", d);
		path = join(tmp_dir, name);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		cr_assert(ge(int, fd, 0));
		cr_assert(eq(int, write(fd, buf, len) == (ssize_t)len, 1));
		close(fd);
		cr_assert(eq(int, elf_file__open(path, &ef), 0), "damage %d", d);
		/* a descsz past the segment may land on a next note: never
		 * the damaged one's bytes passed off as an ID */
		if (elf_file__build_id(ef))
			cr_assert_str_neq(elf_file__build_id(ef), known_id, "damage %d", d);
		cr_assert_not_null(elf_file__find_func(ef, "lib_func_a"), "damage %d", d);
		elf_file__close(ef);
		free(path);
	}
	free(buf);
	free(orig);
	free(lib);
}

/* libfixture.so loaded into this process: the symbolizer's result for a
 * function in it carries the library's ID */
Test(build_id, symbolizer_frames_carry_it)
{
	char *lib = join(fixtures, "libfixture.so");
	void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	struct symbolizer *s;
	struct sym_result r[2];
	uint64_t addrs[2];
	void *fn;

	cr_assert_not_null(h, "dlopen: %s", dlerror());
	fn = dlsym(h, "lib_func_a");
	cr_assert_not_null(fn);
	addrs[0] = (uint64_t)(uintptr_t)fn + 1;
	addrs[1] = 8;	/* unmapped: no module, no ID */
	s = symbolizer__new(NULL);
	cr_assert_not_null(s);
	cr_assert(eq(int, symbolizer__resolve(s, getpid(), addrs, 2, r), 0));
	cr_assert_str_eq(r[0].symbol, "lib_func_a");
	cr_assert_not_null(r[0].build_id);
	cr_assert_str_eq(r[0].build_id, known_id);
	cr_assert_null(r[1].build_id);
	symbolizer__free(s);
	dlclose(h);
	free(lib);
}
