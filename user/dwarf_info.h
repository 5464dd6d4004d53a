/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Source positions and inlined calls from an ELF file's DWARF, through
 * libdw (elfutils): the line program gives file:line, the DIE tree the
 * chain of inlined subroutines at an address. Compressed debug sections
 * (SHF_COMPRESSED zlib, or old .zdebug_*) have their declared sizes
 * checked before libdw inflates anything. */
#ifndef MT_DWARF_INFO_H
#define MT_DWARF_INFO_H

#include <stddef.h>
#include <stdint.h>

#define DWARF_MAX_INLINES	16		/* depth reported at most */
#define DWARF_SECTION_MAX	(1ull << 30)	/* one inflated section */
#define DWARF_TOTAL_MAX		(2ull << 30)	/* all inflated sections */
/* compilation units scanned for an address when .debug_aranges has none */
#define DWARF_MAX_CU_SCAN	(1u << 16)

struct dwarf_info;

struct dwarf_inline {
	const char *name;	/* linkage (mangled) name if any, else the name */
	const char *file;	/* position inside it; NULL when unknown */
	uint32_t line;
};

struct dwarf_loc {
	const char *file;	/* the real function's position (see profile.h:
				   the outermost call site when inlined) */
	uint32_t line;
	struct dwarf_inline inl[DWARF_MAX_INLINES]; /* innermost first */
	size_t ninl;
};

/* Contract: reads the DWARF of the ELF file open at fd (dup'd and kept
 * until dwarf_info__close; the caller keeps fd). 0; -ENODATA when it has
 * no DWARF; -EFBIG when a compressed section declares a size past the
 * limits above (or one deflate cannot reach); -ENOEXEC when malformed. */
int dwarf_info__open_fd(int fd, struct dwarf_info **out);
/* Contract: the position of link-time address vaddr (for a return
 * address, pass the call's: address - 1). 0 and *loc (strings valid until
 * close), or -ENOENT when no unit covers it. */
int dwarf_info__lookup(struct dwarf_info *di, uint64_t vaddr, struct dwarf_loc *loc);
void dwarf_info__close(struct dwarf_info *di);

#endif /* MT_DWARF_INFO_H */
