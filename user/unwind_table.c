// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* CFI rows -> compact, sorted unwind rows keyed by file offset. */
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include "array.h"
#include "unwind_table.h"

/* One CFI row reduced, before sorting. end: where it stops. */
struct interval {
	uint64_t pc, end;	/* file offsets */
	struct mt_unwind_row rule;
};

struct build_ctx {
	const struct unwind_segment *segs;
	uint64_t fp_bytes;	/* code bytes of framed FDEs that set a frame pointer up */
	uint64_t framed_bytes;	/* code bytes of FDEs with a stack frame */
	uint64_t fde_bytes;	/* ... of the current FDE so far */
	bool fde_framed;	/* the current FDE moves its CFA off rsp+8 */
	bool fde_expr;		/* ... has a CFA expression (the PLT) */
	size_t nsegs;
	struct interval *v;
	size_t n, cap;
	uint64_t fde_pc;	/* the FDE whose rows come in now */
	bool fde_fp;		/* ... and whether it set rbp up as frame pointer */
	struct unwind_table *t;
	int err;
};

static struct mt_unwind_row reduce(const struct cfi_row *r)
{
	struct mt_unwind_row out = { .kind = MT_ROW_UNSUPPORTED };

	if (r->ra.kind == CFI_RULE_UNDEFINED) {
		out.kind = MT_ROW_END;
		return out;
	}
	if (r->signal_frame || r->cfa_kind != CFI_CFA_REG)
		return out;
	if (r->cfa_reg != CFI_REG_RSP && r->cfa_reg != CFI_REG_RBP)
		return out;
	if (r->cfa_off <= 0 || r->cfa_off % 8 || r->cfa_off / 8 > UINT16_MAX)
		return out;
	if (r->ra.kind != CFI_RULE_OFFSET || r->ra.off != -8)
		return out;
	if (r->rbp.kind == CFI_RULE_OFFSET) {
		if (r->rbp.off >= 0 || r->rbp.off % 8 || r->rbp.off / 8 < INT8_MIN)
			return out;
		out.rbp_off8 = r->rbp.off / 8;
	} else if (r->rbp.kind != CFI_RULE_SAME) {
		return out;
	}
	out.kind = r->cfa_reg == CFI_REG_RSP ? MT_ROW_CFA_RSP : MT_ROW_CFA_RBP;
	out.cfa_off8 = r->cfa_off / 8;
	return out;
}

static const struct unwind_segment *segment_of(const struct build_ctx *b, uint64_t vaddr,
					       uint64_t end)
{
	size_t i;

	for (i = 0; i < b->nsegs; i++)
		if (vaddr >= b->segs[i].vaddr && end <= b->segs[i].vaddr + b->segs[i].size)
			return &b->segs[i];
	return NULL;
}

/* Leaf functions (no frame) and the PLT (an expression) neither keep nor
 * lack a frame pointer: only framed functions vote, by size. */
static void finish_fde(struct build_ctx *b)
{
	if (!b->fde_framed || b->fde_expr)
		return;
	b->framed_bytes += b->fde_bytes;
	if (b->fde_fp)
		b->fp_bytes += b->fde_bytes;
}

static int on_row(const struct cfi_row *r, void *ctx)
{
	struct build_ctx *b = ctx;
	const struct unwind_segment *seg;
	struct interval *iv;
	uint64_t pc, end;

	if (r->fde_pc != b->fde_pc || b->t->nfdes == 0) {
		finish_fde(b);
		b->t->nfdes++;
		b->fde_pc = r->fde_pc;
		b->fde_fp = b->fde_framed = b->fde_expr = false;
		b->fde_bytes = 0;
	}
	if (!b->fde_fp && r->cfa_kind == CFI_CFA_REG && r->cfa_reg == CFI_REG_RBP) {
		b->fde_fp = true;
		b->t->nfp_fdes++;
	}
	b->fde_expr |= r->cfa_kind != CFI_CFA_REG;
	b->fde_framed |= r->cfa_kind == CFI_CFA_REG &&
			 (r->cfa_reg != CFI_REG_RSP || r->cfa_off != 8);
	b->fde_bytes += r->end - r->pc;
	seg = segment_of(b, r->pc, r->end);
	if (!seg)
		return 0;
	pc = r->pc - seg->vaddr + seg->offset;
	end = r->end - seg->vaddr + seg->offset;
	if (end > UINT32_MAX)
		return 0; /* rows hold 32-bit offsets: files under 4 GiB */
	b->t->code_bytes += end - pc;
	if (array_grow((void **)&b->v, &b->cap, b->n, sizeof(*b->v))) {
		b->err = -ENOMEM;
		return 1;
	}
	iv = &b->v[b->n++];
	iv->pc = pc;
	iv->end = end;
	iv->rule = reduce(r);
	iv->rule.pc = pc;
	if (iv->rule.kind == MT_ROW_UNSUPPORTED)
		b->t->nunsupported++;
	return 0;
}

static int by_pc(const void *a, const void *b)
{
	const struct interval *x = a, *y = b;

	if (x->pc != y->pc)
		return x->pc < y->pc ? -1 : 1;
	return x->end < y->end ? -1 : x->end > y->end;
}

static bool same_rule(const struct mt_unwind_row *a, const struct mt_unwind_row *b)
{
	return a->kind == b->kind && a->cfa_off8 == b->cfa_off8 && a->rbp_off8 == b->rbp_off8;
}

/* Appends a row at pc, replacing one at the same pc and skipping one
 * that repeats its predecessor's rule. */
static int push_row(struct unwind_table *t, size_t *cap, struct mt_unwind_row row)
{
	if (t->nrows && t->rows[t->nrows - 1].pc == row.pc) {
		t->nrows--;
	}
	if (t->nrows && same_rule(&t->rows[t->nrows - 1], &row))
		return 0;
	if (array_grow((void **)&t->rows, cap, t->nrows, sizeof(*t->rows)))
		return -ENOMEM;
	t->rows[t->nrows++] = row;
	return 0;
}

int unwind_table__build(const struct cfi_section *secs, size_t nsecs,
			const struct unwind_segment *segs, size_t nsegs, struct unwind_table *out)
{
	struct build_ctx b = { .segs = segs, .nsegs = nsegs, .t = out };
	uint64_t covered = 0; /* end of what the rows so far cover */
	size_t i, cap = 0, nread = 0;
	struct cfi_stats st;
	int err = 0;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < nsecs; i++) {
		err = eh_frame__parse(&secs[i], on_row, &b, &st);
		if (b.err) {
			free(b.v);
			return b.err;
		}
		finish_fde(&b);
		b.fde_framed = false; /* counted once */
		if (err >= 0)
			nread++;
		out->nbad_fdes += st.bad_fdes;
		b.fde_pc = 0;
		b.fde_bytes = 0;
	}
	if (nsecs && !nread) {
		free(b.v);
		return -EINVAL;
	}
	err = 0;
	/* no row at all: no array, and qsort's pointer must not be NULL */
	if (b.n)
		qsort(b.v, b.n, sizeof(*b.v), by_pc);
	for (i = 0; i < b.n && !err; i++) {
		const struct interval *iv = &b.v[i];

		if (iv->end <= covered)
			continue; /* inside what an earlier row covers (overlapping FDEs) */
		if (iv->pc > covered && out->nrows)
			err = push_row(out, &cap, (struct mt_unwind_row){ .pc = covered,
									  .kind = MT_ROW_NONE });
		if (!err) {
			struct mt_unwind_row row = iv->rule;

			if (row.pc < covered)
				row.pc = covered;
			err = push_row(out, &cap, row);
		}
		covered = iv->end;
	}
	if (!err && out->nrows)
		err = push_row(out, &cap, (struct mt_unwind_row){ .pc = covered, .kind = MT_ROW_NONE });
	free(b.v);
	/* every function with a frame sets a frame pointer up (gcc
	 * -fno-omit-frame-pointer; Debian's glibc: 3% of its FDEs, libjvm
	 * 55%): one that does not would make a frame-pointer walk skip its
	 * caller */
	out->has_fp = b.framed_bytes && b.fp_bytes == b.framed_bytes;
	if (err)
		unwind_table__free(out);
	return err;
}

void unwind_table__free(struct unwind_table *t)
{
	free(t->rows);
	memset(t, 0, sizeof(*t));
}

const struct mt_unwind_row *unwind_table__find(const struct mt_unwind_row *rows, size_t n,
					       uint32_t off)
{
	size_t lo = 0, hi = n;

	/* the last row with pc <= off */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (rows[mid].pc <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &rows[lo - 1] : NULL;
}

/* The executable PT_LOAD segments of e. */
static int load_segments(Elf *e, struct unwind_segment **segs, size_t *n)
{
	size_t phnum, i, cap = 0;
	GElf_Phdr ph;

	*segs = NULL;
	*n = 0;
	if (elf_getphdrnum(e, &phnum))
		return -ENOEXEC;
	for (i = 0; i < phnum; i++) {
		if (!gelf_getphdr(e, i, &ph) || ph.p_type != PT_LOAD || !(ph.p_flags & PF_X))
			continue;
		if (array_grow((void **)segs, &cap, *n, sizeof(**segs))) {
			free(*segs);
			return -ENOMEM;
		}
		(*segs)[(*n)++] = (struct unwind_segment){ ph.p_vaddr, ph.p_offset, ph.p_filesz };
	}
	return 0;
}

static Elf_Scn *find_section(Elf *e, size_t shstrndx, const char *name, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(e, scn))) {
		const char *n;

		if (!gelf_getshdr(scn, sh))
			continue;
		n = elf_strptr(e, shstrndx, sh->sh_name);
		if (n && !strcmp(n, name) && sh->sh_type == SHT_PROGBITS)
			return scn;
	}
	return NULL;
}

/* The section's bytes (decompressed when SHF_COMPRESSED). */
static Elf_Data *section_data(Elf_Scn *scn, GElf_Shdr *sh)
{
	if ((sh->sh_flags & SHF_COMPRESSED) && elf_compress(scn, 0, 0) < 0)
		return NULL;
	return elf_getdata(scn, NULL);
}

int unwind_table__from_fd(int fd, struct unwind_table *out)
{
	struct unwind_segment *segs = NULL;
	static const char *const names[] = { ".eh_frame", ".debug_frame" };
	size_t nsegs = 0, shstrndx, k, nsecs = 0;
	struct cfi_section secs[2];
	bool has[2] = { false, false };
	GElf_Shdr sh, tsh;
	GElf_Ehdr eh;
	Elf *e;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOEXEC;
	e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!e)
		return -ENOEXEC;
	if (elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64 ||
	    elf_getshdrstrndx(e, &shstrndx)) {
		err = -ENOEXEC;
		goto out;
	}
	err = load_segments(e, &segs, &nsegs);
	if (err)
		goto out;
	/* both: a program built with -g and without unwind tables has
	 * .debug_frame for its code and .eh_frame for the C runtime's */
	for (k = 0; k < 2; k++) {
		Elf_Scn *scn = find_section(e, shstrndx, names[k], &sh);
		struct cfi_section *sec = &secs[nsecs];
		Elf_Data *d;

		if (!scn || !(d = section_data(scn, &sh)) || !d->d_buf || !d->d_size)
			continue;
		*sec = (struct cfi_section){ .data = d->d_buf, .size = d->d_size,
					     .vaddr = sh.sh_addr, .debug_frame = k == 1 };
		if (find_section(e, shstrndx, ".text", &tsh))
			sec->text_vaddr = tsh.sh_addr;
		if (find_section(e, shstrndx, ".got", &tsh))
			sec->data_vaddr = tsh.sh_addr;
		nsecs++;
		has[k] = true;
	}
	if (!nsecs)
		goto out; /* no unwind information at all: an empty table */
	err = unwind_table__build(secs, nsecs, segs, nsegs, out);
	if (err == -EINVAL) {
		err = 0; /* unreadable framing in every section: an empty table */
		goto out;
	}
	if (!err)
		out->source = has[0] && has[1] ? ".eh_frame+.debug_frame"
			      : has[0] ? ".eh_frame" : ".debug_frame";
out:
	free(segs);
	elf_end(e);
	return err;
}
