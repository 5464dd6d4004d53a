/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* One file's unwind table as the BPF unwinder reads it: the CFI rows of
 * eh_frame.c reduced to what x86-64 needs (CFA from rsp or rbp, return
 * address at CFA-8, rbp saved or unchanged), keyed by file offset, sorted,
 * gaps marked, equal neighbours merged. Plus whether the file's code keeps
 * frame pointers (--unwind auto decides by it). */
#ifndef MT_UNWIND_TABLE_H
#define MT_UNWIND_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "eh_frame.h"
#include "memtrail.h"

struct unwind_table {
	struct mt_unwind_row *rows;	/* sorted by pc, unique pcs */
	size_t nrows;
	size_t nfdes;		/* functions described */
	size_t nfp_fdes;	/* ... of which set up rbp as frame pointer */
	size_t nbad_fdes;	/* FDEs the parser skipped */
	size_t nunsupported;	/* rows the unwinder cannot follow */
	uint64_t code_bytes;	/* bytes of code the FDEs cover */
	const char *source;	/* ".eh_frame", ".debug_frame", both with "+", or NULL */
	bool has_fp;		/* every function with a stack frame keeps a frame pointer */
};

/* A loadable segment: link-time addresses [vaddr, vaddr+size) are file
 * offsets [offset, offset+size). */
struct unwind_segment {
	uint64_t vaddr, offset, size;
};

/* Builds one table from CFI sections secs[0..nsecs) (where two describe
 * the same code, one of them is kept); rows get file offsets
 * through segs (rows outside every segment are left out). 0 or -errno
 * (-EINVAL: no section could be read). */
int unwind_table__build(const struct cfi_section *secs, size_t nsecs,
			const struct unwind_segment *segs, size_t nsegs, struct unwind_table *out);
/* Builds the table of the ELF file open at fd from its .eh_frame and
 * .debug_frame. A file with neither gets an empty table (source NULL,
 * has_fp false). 0 or -errno (-ENOEXEC: not an x86-64 ELF). */
int unwind_table__from_fd(int fd, struct unwind_table *out);
void unwind_table__free(struct unwind_table *t);

/* The row covering file offset off (the BPF side's search), NULL when off
 * is before the first row. */
const struct mt_unwind_row *unwind_table__find(const struct mt_unwind_row *rows, size_t n,
					       uint32_t off);

#endif /* MT_UNWIND_TABLE_H */
