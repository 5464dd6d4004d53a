// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer target: one input is one ELF file handed to the real
 * elf_file.c (as the symbolizer and the attacher use it), then every
 * lookup is run against what it indexed and checked for consistency.
 * The attacher's other readers of a traced file take the same input:
 * plt.c (its relocations, for a stub the input holds) and prologue.c
 * (its bytes as a function's code). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "elf_file.h"
#include "fuzz_file.h"
#include "plt.h"
#include "prologue.h"

static uint64_t load_u64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* what elf_file promises about each answer it gives */
static void check_sym(const struct elf_file *ef, const struct elf_sym *s, uint64_t at)
{
	const struct elf_sym *byname;

	if (!s)
		return;
	if (s->size ? at - s->vaddr >= s->size : at != s->vaddr)
		abort();
	byname = elf_file__find_func(ef, s->name);
	if (!byname || strcmp(byname->name, s->name))
		abort();
}

static void probe_addr(const struct elf_file *ef, uint64_t addr)
{
	uint64_t off, back;

	check_sym(ef, elf_file__sym_at(ef, addr), addr);
	/* offset <-> address through one segment: a round trip, not a guess */
	if (!elf_file__vaddr_to_offset(ef, addr, &off)) {
		if (elf_file__offset_to_vaddr(ef, off, &back))
			abort();
		check_sym(ef, elf_file__sym_at(ef, back), back);
	}
	if (!elf_file__offset_to_vaddr(ef, addr, &back))
		check_sym(ef, elf_file__sym_at(ef, back), back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "malloc", "free", "main", "" };
	struct elf_file *ef = NULL;
	char *interp;
	size_t i;
	int fd;

	fd = fuzz_file(data, size);
	if (fd < 0)
		return 0;
	if (!elf_file__open_fd(fd, &ef)) {
		const char *id = elf_file__build_id(ef);

		(void)elf_file__nsyms(ef);
		(void)elf_file__has_symtab(ef);
		/* a build ID is lowercase hex bytes or nothing */
		if (id && (!*id || strlen(id) % 2 || strspn(id, "0123456789abcdef") != strlen(id)))
			abort();
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			const struct elf_sym *s = elf_file__find_func(ef, names[i]);

			if (s && strcmp(s->name, names[i]))
				abort();
			if (s)
				probe_addr(ef, s->vaddr);
		}
		/* addresses taken from the input itself: they hit what the
		 * file's own headers point at far more often than random ones */
		for (i = 0; i + 8 <= size && i < 4096; i += 8)
			probe_addr(ef, load_u64(data + i));
		elf_file__close(ef);
	}
	if (size >= 32) {
		struct probe_site site;
		char name[64];
		int64_t target;

		/* a stub at an address the input names, with bytes it holds */
		if (!plt__callee(fd, load_u64(data + 8), data + 16, 16, name, sizeof(name)) &&
		    strnlen(name, sizeof(name)) == sizeof(name))
			abort();
		if (!prologue__tail_call(data, size, &target) && target >= 0 &&
		    target < (int64_t)size)
			abort(); /* a thunk's jump leaves the function */
		prologue__place(data, size, 0xc6, true, &site);
		if (site.offset >= size || !site.why)
			abort();
	}
	/* PT_INTERP is read by path (command mode reads the executable) */
	interp = elf_file__interp(fuzz_file_path(fd));
	if (interp && interp[0] != '/')
		abort();
	free(interp);
	close(fd);
	return 0;
}
