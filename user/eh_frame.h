/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A parser of call-frame information (.eh_frame and .debug_frame, DWARF
 * 2-5 CIEs and FDEs) for x86-64: it runs each FDE's CFA program and hands
 * out, per address range, the rules an unwinder needs (how to compute the
 * CFA, where the return address and the caller's rbp are). Works on a
 * memory buffer only, so tests and fuzzers can feed it bytes.
 *
 * Contract (fuzzers rely on it): for any data[0..size), eh_frame__parse
 * reads nothing outside the buffer, terminates, and returns the number of
 * FDEs it ran or -EINVAL; rows it hands out have pc < end. */
#ifndef MT_EH_FRAME_H
#define MT_EH_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* x86-64 DWARF register numbers */
#define CFI_REG_RBP 6
#define CFI_REG_RSP 7
#define CFI_REG_RA 16

enum cfi_cfa_kind {
	CFI_CFA_REG,	/* CFA = register cfa_reg + cfa_off */
	CFI_CFA_EXPR,	/* a DWARF expression (the PLT's): not supported */
};

enum cfi_rule_kind {
	CFI_RULE_SAME,		/* unchanged (callee-saved, or never saved) */
	CFI_RULE_UNDEFINED,	/* no value: for the return address, the outermost frame */
	CFI_RULE_OFFSET,	/* saved at CFA + off */
	CFI_RULE_OTHER,		/* in a register, an expression, val_offset: not supported */
};

struct cfi_rule {
	enum cfi_rule_kind kind;
	int64_t off;
};

/* The rules for [pc, end), link-time addresses. */
struct cfi_row {
	uint64_t pc, end;
	uint64_t fde_pc;	/* start of the FDE this row belongs to */
	enum cfi_cfa_kind cfa_kind;
	uint32_t cfa_reg;
	int64_t cfa_off;
	struct cfi_rule ra, rbp;
	bool signal_frame;	/* augmentation "S": a signal trampoline */
};

/* Called for each row in the order of the section; nonzero stops. */
typedef int (*cfi_row_fn)(const struct cfi_row *row, void *ctx);

struct cfi_section {
	const uint8_t *data;
	size_t size;
	uint64_t vaddr;		/* link-time address of data[0] (pcrel base) */
	uint64_t text_vaddr;	/* textrel base, 0 when unknown */
	uint64_t data_vaddr;	/* datarel base (.got on x86-64), 0 when unknown */
	bool debug_frame;	/* .debug_frame: CIE id ~0, CIE pointers from the start */
};

/* What a parse found besides the rows. */
struct cfi_stats {
	size_t cies, fdes;
	size_t bad_fdes;	/* skipped: unknown CIE, encoding, opcode, indirect pc */
};

/* Runs every FDE of sec; stats may be NULL. Returns the number of FDEs
 * run (>= 0), -EINVAL when the section's framing is broken before any
 * FDE ran, or fn's nonzero result. */
int eh_frame__parse(const struct cfi_section *sec, cfi_row_fn fn, void *ctx,
		    struct cfi_stats *stats);

#endif /* MT_EH_FRAME_H */
