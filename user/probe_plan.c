// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Which functions of an allocator file get probes, and where. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "elf_file.h"
#include "probe_plan.h"
#include "x86_insn.h"

#define R(r) PROLOGUE_REG(r)
#define MAX_CODE (1u << 20) /* bytes of a function read for placement */

static const struct {
	const char *name;
	enum mt_func fn;
	uint32_t args;	/* the registers its entry program reads */
} functions[] = {
	{ "malloc", MT_FN_MALLOC, R(X86_RDI) },
	{ "calloc", MT_FN_CALLOC, R(X86_RDI) | R(X86_RSI) },
	{ "realloc", MT_FN_REALLOC, R(X86_RDI) | R(X86_RSI) },
	{ "reallocarray", MT_FN_REALLOCARRAY, R(X86_RDI) | R(X86_RSI) | R(X86_RDX) },
	{ "free", MT_FN_FREE, R(X86_RDI) },
	{ "posix_memalign", MT_FN_POSIX_MEMALIGN, R(X86_RDI) | R(X86_RDX) },
	{ "aligned_alloc", MT_FN_ALIGNED_ALLOC, R(X86_RSI) },
	{ "memalign", MT_FN_MEMALIGN, R(X86_RSI) },
	{ "valloc", MT_FN_VALLOC, R(X86_RDI) },
	{ "pvalloc", MT_FN_PVALLOC, R(X86_RDI) },
	/* the libc syscall wrappers whose callers the mmap events name: their
	 * program reads only the stack pointer, corrected by sp_delta */
	{ "mmap", MT_FN_SYSCALL_WRAPPER, 0 },
	{ "mremap", MT_FN_SYSCALL_WRAPPER, 0 },
	{ "brk", MT_FN_SYSCALL_WRAPPER, 0 },
};

bool probe_plan__has_return(enum mt_func fn)
{
	return fn != MT_FN_FREE && fn != MT_FN_SYSCALL_WRAPPER;
}

/* Places p's probe from the function's code in the file. */
static void place(int fd, const struct elf_sym *sym, uint32_t args, struct probe_point *p)
{
	size_t len = sym->size < MAX_CODE ? sym->size : MAX_CODE;
	uint8_t *code = len ? malloc(len) : NULL;

	if (!code || pread(fd, code, len, p->entry) != (ssize_t)len) {
		p->site = (struct probe_site){ .why = "its code could not be read" };
		free(code);
		return;
	}
	prologue__place(code, len, args, p->has_return, &p->site);
	p->offset = p->entry + p->site.offset;
	free(code);
}

int probe_plan__build(const char *path, bool malloc, bool wrappers, bool at_entry,
		      struct probe_plan *plan)
{
	struct elf_file *ef;
	size_t i, k;
	int fd, err;

	memset(plan, 0, sizeof(*plan));
	err = elf_file__open(path, &ef);
	if (err)
		return err;
	if (!elf_file__find_func(ef, "malloc") || !elf_file__find_func(ef, "free")) {
		elf_file__close(ef);
		return -ENOENT;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		elf_file__close(ef);
		return err;
	}
	for (i = 0; i < sizeof(functions) / sizeof(functions[0]); i++) {
		bool wrapper = functions[i].fn == MT_FN_SYSCALL_WRAPPER, dup = false;
		const struct elf_sym *sym;
		struct probe_point *p;
		uint64_t entry;

		if (!(wrapper ? wrappers : malloc))
			continue;
		sym = elf_file__find_func(ef, functions[i].name);
		if (!sym)
			continue;
		err = elf_file__vaddr_to_offset(ef, sym->vaddr, &entry);
		if (err)
			break;
		/* aliases (glibc's aligned_alloc is memalign): one probe */
		for (k = 0; k < plan->n; k++)
			dup |= plan->points[k].entry == entry;
		if (dup)
			continue;
		p = &plan->points[plan->n++];
		p->fn = functions[i].fn;
		p->name = functions[i].name;
		p->entry = p->offset = entry;
		p->has_return = probe_plan__has_return(p->fn);
		if (at_entry)
			p->site = (struct probe_site){ .why = "kept at the entry (--probe-at-entry)" };
		else
			place(fd, sym, functions[i].args, p);
		/* two functions must never share a probe: each would see the
		 * other's calls */
		for (k = 0; k + 1 < plan->n; k++) {
			if (plan->points[k].offset == p->offset && p->site.offset) {
				p->offset = p->entry;
				p->site = (struct probe_site){
					.why = "its first emulated instruction is another function's probe" };
			}
		}
	}
	close(fd);
	elf_file__close(ef);
	return err;
}
