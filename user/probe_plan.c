// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Which functions of an allocator file get probes, and where. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "elf_file.h"
#include "plt.h"
#include "probe_plan.h"
#include "prologue.h"
#include "x86_insn.h"

#define R(r) PROLOGUE_REG(r)
#define MAX_CODE (1u << 20) /* bytes of a function read for placement */

static const struct {
	const char *name;
	enum mt_func fn;
	uint32_t args;	/* the registers its entry program reads */
	const char *thunk_of; /* may be a thunk of this family member */
} functions[] = {
	{ "malloc", MT_FN_MALLOC, R(X86_RDI), NULL },
	{ "calloc", MT_FN_CALLOC, R(X86_RDI) | R(X86_RSI), NULL },
	{ "realloc", MT_FN_REALLOC, R(X86_RDI) | R(X86_RSI), NULL },
	{ "reallocarray", MT_FN_REALLOCARRAY, R(X86_RDI) | R(X86_RSI) | R(X86_RDX), "realloc" },
	{ "free", MT_FN_FREE, R(X86_RDI), NULL },
	{ "posix_memalign", MT_FN_POSIX_MEMALIGN, R(X86_RDI) | R(X86_RDX), NULL },
	{ "aligned_alloc", MT_FN_ALIGNED_ALLOC, R(X86_RSI), NULL },
	{ "memalign", MT_FN_MEMALIGN, R(X86_RSI), NULL },
	{ "valloc", MT_FN_VALLOC, R(X86_RDI), NULL },
	{ "pvalloc", MT_FN_PVALLOC, R(X86_RDI), NULL },
	/* the libc syscall wrappers whose callers the mmap events name: their
	 * program reads only the stack pointer, corrected by sp_delta */
	{ "mmap", MT_FN_SYSCALL_WRAPPER, 0, NULL },
	{ "mremap", MT_FN_SYSCALL_WRAPPER, 0, NULL },
	{ "brk", MT_FN_SYSCALL_WRAPPER, 0, NULL },
};

bool probe_plan__has_return(enum mt_func fn)
{
	return fn != MT_FN_FREE && fn != MT_FN_SYSCALL_WRAPPER;
}

/* The function's code (sym->size bytes at file offset entry, at most
 * MAX_CODE): malloc'd, or NULL with *len 0. */
static uint8_t *read_code(int fd, const struct elf_sym *sym, uint64_t entry, size_t *len)
{
	uint8_t *code;

	*len = sym->size < MAX_CODE ? sym->size : MAX_CODE;
	code = *len ? malloc(*len) : NULL;
	if (code && pread(fd, code, *len, entry) == (ssize_t)*len)
		return code;
	free(code);
	*len = 0;
	return NULL;
}

/* Places p's probe from the function's code in the file. */
static void place(int fd, const struct elf_sym *sym, uint32_t args, struct probe_point *p)
{
	size_t len;
	uint8_t *code = read_code(fd, sym, p->entry, &len);

	if (!code) {
		p->site = (struct probe_site){ .why = "its code could not be read" };
		return;
	}
	prologue__place(code, len, args, p->has_return, &p->site);
	p->offset = p->entry + p->site.offset;
	free(code);
}

/* Whether every call of sym that allocates goes on to callee, by a jump
 * to it or to a PLT stub bound to its name: then callee's probe sees the
 * call with its own arguments, and sym needs none. A callee interposed by
 * another library gets sym's calls where it gets every other call. */
static bool is_thunk_of(struct elf_file *ef, int fd, const struct elf_sym *sym, uint64_t entry,
			const char *callee)
{
	const struct elf_sym *to = elf_file__find_func(ef, callee);
	uint8_t *code, stub[32];
	char name[64];
	uint64_t vaddr, off;
	int64_t target;
	size_t len;
	bool yes;

	if (!to)
		return false;
	code = read_code(fd, sym, entry, &len);
	yes = code && !prologue__tail_call(code, len, &target);
	free(code);
	if (!yes)
		return false;
	vaddr = sym->vaddr + target;
	if (vaddr == to->vaddr)
		return true;
	return !elf_file__vaddr_to_offset(ef, vaddr, &off) &&
	       pread(fd, stub, sizeof(stub), off) == (ssize_t)sizeof(stub) &&
	       !plt__callee(fd, vaddr, stub, sizeof(stub), name, sizeof(name)) &&
	       !strcmp(name, callee);
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
		if (!at_entry && functions[i].thunk_of &&
		    is_thunk_of(ef, fd, sym, entry, functions[i].thunk_of)) {
			plan->skipped[plan->nskipped++] = (struct probe_skip){
				.name = functions[i].name,
				.why = "it checks its arguments, then jumps to realloc, whose "
				       "probe sees the call" };
			continue;
		}
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
