// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libdw reader: one Dwarf per file, kept open (libdw reads sections
 * through the fd as it needs them). */
#include <dwarf.h>
#include <elf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dwarf_info.h"

/* deflate cannot compress better than about 1032:1 */
#define DEFLATE_MAX_RATIO	1032

/* DIEs one lookup visits at most (a hostile tree cannot make it endless) */
#define MAX_DIE_VISITS		(1u << 20)
/* namespaces and types nested around a function's DIE */
#define MAX_NEST		32

/* functions of one unit by address, built at its first lookup */
struct fn_range {
	uint64_t lo, hi;	/* [lo, hi) */
	Dwarf_Off die;		/* the subprogram's DIE */
};

struct cu_index {
	Dwarf_Off cu;		/* the unit's DIE offset */
	struct fn_range *v;	/* by lo */
	size_t n;
};

struct dwarf_info {
	int fd;
	Elf *elf;
	Dwarf *dw;
	bool has_aranges;	/* .debug_aranges lists the units: trust it */
	struct cu_index *cus;	/* by cu */
	size_t ncus;
};

static bool in_file(uint64_t off, uint64_t len, uint64_t fsize)
{
	return off <= fsize && len <= fsize - off;
}

/* Declared inflated size of a compressed section, checked against what
 * its compressed bytes can give. 0 and *size, or -EFBIG / -ENOEXEC. */
static int compressed_size(int fd, const GElf_Shdr *sh, const char *name, uint64_t *size)
{
	unsigned char hdr[sizeof(Elf64_Chdr)];
	uint64_t body, declared;
	size_t hlen;

	if (sh->sh_flags & SHF_COMPRESSED) {
		Elf64_Chdr ch;

		hlen = sizeof(ch);
		if (sh->sh_size < hlen || pread(fd, &ch, hlen, (off_t)sh->sh_offset) != (ssize_t)hlen)
			return -ENOEXEC;
		if (ch.ch_type != ELFCOMPRESS_ZLIB)
			return -ENOEXEC;
		declared = ch.ch_size;
	} else {
		/* GNU's .zdebug_*: "ZLIB" and the size, big-endian */
		hlen = 12;
		if (strncmp(name, ".zdebug", 7) || sh->sh_size < hlen ||
		    pread(fd, hdr, hlen, (off_t)sh->sh_offset) != (ssize_t)hlen ||
		    memcmp(hdr, "ZLIB", 4))
			return -ENOEXEC;
		declared = 0;
		for (int i = 4; i < 12; i++)
			declared = declared << 8 | hdr[i];
	}
	body = sh->sh_size - hlen;
	if (declared > DWARF_SECTION_MAX || declared / DEFLATE_MAX_RATIO > body + 1)
		return -EFBIG;
	*size = declared;
	return 0;
}

/* Every debug section lies in the file, and what the compressed ones
 * would inflate to stays within the limits: checked before libdw reads
 * or inflates anything. 0, -ENODATA (no .debug_info), or an error. */
static int check_sections(Elf *elf, int fd, uint64_t fsize)
{
	uint64_t total = 0, size;
	Elf_Scn *scn = NULL;
	bool has_info = false;
	size_t shstrndx;
	GElf_Shdr sh;
	int err;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return -ENOEXEC;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			return -ENOEXEC;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!name || sh.sh_type == SHT_NOBITS ||
		    (strncmp(name, ".debug_", 7) && strncmp(name, ".zdebug_", 8)))
			continue;
		if (!in_file(sh.sh_offset, sh.sh_size, fsize))
			return -ENOEXEC;
		if (!strcmp(name, ".debug_info") || !strcmp(name, ".zdebug_info"))
			has_info = sh.sh_size > 0;
		if ((sh.sh_flags & SHF_COMPRESSED) || !strncmp(name, ".zdebug_", 8)) {
			err = compressed_size(fd, &sh, name, &size);
			if (err)
				return err;
		} else {
			size = sh.sh_size;
		}
		total += size;
		if (total > DWARF_TOTAL_MAX)
			return -EFBIG;
	}
	return has_info ? 0 : -ENODATA;
}

/* libdw (0.188) reads a .debug_str or .debug_line_str string with
 * strlen: a section whose last string is not terminated makes it read
 * past the section's buffer (found by tools/fuzz/fuzz_dwarf). Checked
 * after dwarf_begin_elf, which has inflated the compressed ones. */
static bool strings_terminated(Elf *elf)
{
	static const char *const names[] = { ".debug_str", ".debug_line_str",
					     ".zdebug_str", ".zdebug_line_str" };
	Elf_Scn *scn = NULL;
	size_t shstrndx, i;
	GElf_Shdr sh;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return false;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *name;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(elf, shstrndx, sh.sh_name)))
			return false;
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!strcmp(name, names[i]))
				break;
		if (i == sizeof(names) / sizeof(names[0]) || sh.sh_type == SHT_NOBITS)
			continue;
		d = elf_getdata(scn, NULL);
		if (d && d->d_size &&
		    (!d->d_buf || ((const char *)d->d_buf)[d->d_size - 1] != '\0'))
			return false;
	}
	return true;
}

int dwarf_info__open_fd(int fd, struct dwarf_info **out)
{
	struct dwarf_info *di;
	struct stat st;
	int err;

	if (fd < 0 || !out)
		return -EINVAL;
	*out = NULL;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOTSUP;
	if (fstat(fd, &st))
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -ENOEXEC;
	di = calloc(1, sizeof(*di));
	if (!di)
		return -ENOMEM;
	di->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (di->fd < 0) {
		err = -errno;
		goto fail;
	}
	/* ELF_C_READ, not _MMAP: a file truncated under us would SIGBUS */
	di->elf = elf_begin(di->fd, ELF_C_READ, NULL);
	if (!di->elf || elf_kind(di->elf) != ELF_K_ELF) {
		err = -ENOEXEC;
		goto fail;
	}
	err = check_sections(di->elf, di->fd, (uint64_t)st.st_size);
	if (err)
		goto fail;
	di->dw = dwarf_begin_elf(di->elf, DWARF_C_READ, NULL);
	if (!di->dw || !strings_terminated(di->elf)) {
		err = -ENOEXEC;
		goto fail;
	}
	{
		Dwarf_Aranges *ar;
		size_t nar = 0;

		di->has_aranges = !dwarf_getaranges(di->dw, &ar, &nar) && nar > 0;
	}
	*out = di;
	return 0;
fail:
	dwarf_info__close(di);
	return err;
}

void dwarf_info__close(struct dwarf_info *di)
{
	if (!di)
		return;
	for (size_t i = 0; i < di->ncus; i++)
		free(di->cus[i].v);
	free(di->cus);
	if (di->dw)
		dwarf_end(di->dw);
	if (di->elf)
		elf_end(di->elf);
	if (di->fd >= 0)
		close(di->fd);
	free(di);
}

/* The compilation unit covering vaddr: .debug_aranges first, else a
 * bounded walk over the units (clang emits no aranges by default). */
static bool find_cu(const struct dwarf_info *di, uint64_t vaddr, Dwarf_Die *cu)
{
	Dwarf *dw = di->dw;
	Dwarf_Off off = 0, next;
	size_t hsize;
	unsigned n;

	if (dwarf_addrdie(dw, vaddr, cu))
		return true;
	/* aranges exist and do not cover it: no unit does (asm, PLT) */
	if (di->has_aranges)
		return false;
	for (n = 0; n < DWARF_MAX_CU_SCAN &&
		    !dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL); n++) {
		if (dwarf_offdie(dw, off + hsize, cu) && dwarf_haspc(cu, vaddr) > 0)
			return true;
		off = next;
	}
	return false;
}

static const char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	const char *name;

	name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &attr));
	if (!name)
		name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr));
	if (!name)
		name = dwarf_diename(die);
	return name ? name : "??";
}

/* Appends the address ranges of every concrete function among parent's
 * children, looking inside namespaces and types (C++ puts definitions
 * there) up to MAX_NEST deep. 0, or -ENOMEM / -E2BIG past the bounds. */
static int collect_functions(Dwarf_Die *parent, struct cu_index *ix, size_t *cap,
			     int depth, unsigned *visits)
{
	Dwarf_Die child;

	if (depth > MAX_NEST || dwarf_child(parent, &child))
		return 0;
	do {
		int tag = dwarf_tag(&child), err;

		if (++*visits > MAX_DIE_VISITS)
			return -E2BIG;
		if (tag == DW_TAG_subprogram) {
			Dwarf_Addr base, lo, hi;
			ptrdiff_t off = 0;

			while ((off = dwarf_ranges(&child, off, &base, &lo, &hi)) > 0) {
				if (hi <= lo)
					continue;
				if (ix->n == *cap) {
					size_t ncap = *cap ? *cap * 2 : 64;
					struct fn_range *nv = realloc(ix->v, ncap * sizeof(*nv));

					if (!nv || ncap > MAX_DIE_VISITS)
						return -ENOMEM;
					ix->v = nv;
					*cap = ncap;
				}
				ix->v[ix->n++] = (struct fn_range){ lo, hi, dwarf_dieoffset(&child) };
			}
		} else if (tag == DW_TAG_namespace || tag == DW_TAG_module ||
			   tag == DW_TAG_structure_type || tag == DW_TAG_class_type ||
			   tag == DW_TAG_union_type) {
			err = collect_functions(&child, ix, cap, depth + 1, visits);
			if (err)
				return err;
		}
	} while (dwarf_siblingof(&child, &child) == 0);
	return 0;
}

static int cmp_range(const void *a, const void *b)
{
	const struct fn_range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* The unit's function index, built on first use (a failed build keeps
 * what it found). NULL only when out of memory. */
static struct cu_index *cu_index(struct dwarf_info *di, Dwarf_Die *cu)
{
	Dwarf_Off off = dwarf_dieoffset(cu);
	size_t lo = 0, hi = di->ncus, cap = 0;
	struct cu_index *ix, *nv;
	unsigned visits = 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (di->cus[mid].cu < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < di->ncus && di->cus[lo].cu == off)
		return &di->cus[lo];
	nv = realloc(di->cus, (di->ncus + 1) * sizeof(*nv));
	if (!nv)
		return NULL;
	di->cus = nv;
	memmove(&di->cus[lo + 1], &di->cus[lo], (di->ncus - lo) * sizeof(*nv));
	di->ncus++;
	ix = &di->cus[lo];
	*ix = (struct cu_index){ .cu = off };
	collect_functions(cu, ix, &cap, 0, &visits);
	if (ix->n) /* a unit without functions has no array to sort */
		qsort(ix->v, ix->n, sizeof(*ix->v), cmp_range);
	return ix;
}

/* The function DIE whose code holds pc, through the unit's index. */
static bool find_function(struct dwarf_info *di, Dwarf_Die *cu, uint64_t pc, Dwarf_Die *out)
{
	struct cu_index *ix = cu_index(di, cu);
	size_t lo = 0, hi, steps;

	if (!ix)
		return false;
	hi = ix->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ix->v[mid].lo <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* ranges may nest or overlap (bad DWARF): look back a few */
	for (steps = 0; lo > 0 && steps < 8; steps++) {
		const struct fn_range *r = &ix->v[--lo];

		if (pc < r->hi)
			return dwarf_offdie(di->dw, r->die, out) != NULL;
	}
	return false;
}

/* The inlined subroutines holding pc inside the function that holds it,
 * outermost first, into chain[]; how many (at most DWARF_MAX_INLINES). */
static size_t inline_chain(struct dwarf_info *di, Dwarf_Die *cu, uint64_t pc,
			   Dwarf_Die chain[DWARF_MAX_INLINES])
{
	Dwarf_Die scope, child;
	unsigned visits = 0;
	size_t k = 0;
	bool deeper;

	if (!find_function(di, cu, pc, &scope))
		return 0;
	/* down through the blocks and inlined calls that hold pc */
	do {
		deeper = false;
		if (dwarf_child(&scope, &child))
			break;
		do {
			int tag = dwarf_tag(&child);

			if (++visits > MAX_DIE_VISITS)
				return k;
			if ((tag == DW_TAG_inlined_subroutine || tag == DW_TAG_lexical_block) &&
			    dwarf_haspc(&child, pc) > 0) {
				if (tag == DW_TAG_inlined_subroutine) {
					if (k == DWARF_MAX_INLINES)
						return k;
					chain[k++] = child;
				}
				scope = child;
				deeper = true;
				break;
			}
		} while (dwarf_siblingof(&child, &child) == 0);
	} while (deeper);
	return k;
}

/* DW_AT_call_file / DW_AT_call_line of an inlined subroutine. */
static void call_site(Dwarf_Die *die, Dwarf_Files *files, size_t nfiles,
		      const char **file, uint32_t *line)
{
	Dwarf_Attribute attr;
	Dwarf_Word v;

	*file = NULL;
	*line = 0;
	if (files && !dwarf_formudata(dwarf_attr(die, DW_AT_call_file, &attr), &v) && v < nfiles)
		*file = dwarf_filesrc(files, v, NULL, NULL);
	if (!dwarf_formudata(dwarf_attr(die, DW_AT_call_line, &attr), &v) && v <= UINT32_MAX)
		*line = (uint32_t)v;
}

int dwarf_info__lookup(struct dwarf_info *di, uint64_t vaddr, struct dwarf_loc *loc)
{
	Dwarf_Die cu, chain[DWARF_MAX_INLINES], *inl[DWARF_MAX_INLINES];
	Dwarf_Files *files = NULL;
	const char *file = NULL;
	Dwarf_Line *l;
	size_t nfiles = 0, k, j;
	uint32_t line = 0;
	int ln;

	if (!di || !loc)
		return -EINVAL;
	memset(loc, 0, sizeof(*loc));
	if (!find_cu(di, vaddr, &cu))
		return -ENOENT;
	l = dwarf_getsrc_die(&cu, vaddr);
	if (l) {
		file = dwarf_linesrc(l, NULL, NULL);
		if (!dwarf_lineno(l, &ln) && ln > 0)
			line = (uint32_t)ln;
	}
	/* the inlined calls from the real function down to vaddr; kept
	 * innermost first */
	k = inline_chain(di, &cu, vaddr, chain);
	for (j = 0; j < k; j++)
		inl[j] = &chain[k - 1 - j];
	if (k && dwarf_getsrcfiles(&cu, &files, &nfiles))
		files = NULL;
	/* inlined call j runs at the call site of call j-1 (the one it made);
	 * the innermost at vaddr's own line */
	for (j = 0; j < k; j++) {
		loc->inl[j].name = die_name(inl[j]);
		if (j == 0) {
			loc->inl[j].file = file;
			loc->inl[j].line = line;
		} else {
			call_site(inl[j - 1], files, nfiles, &loc->inl[j].file, &loc->inl[j].line);
		}
	}
	loc->ninl = k;
	if (k)
		call_site(inl[k - 1], files, nfiles, &loc->file, &loc->line);
	else {
		loc->file = file;
		loc->line = line;
	}
	return 0;
}
