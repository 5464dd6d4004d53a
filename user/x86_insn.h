/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A small x86-64 instruction decoder: the length and the fields of one
 * instruction (prefixes, REX, opcode map and byte, ModRM, SIB,
 * displacement, immediate). Enough to walk compiler-generated function
 * code; anything it does not know (EVEX, 3DNow!, invalid encodings) is
 * refused, never guessed. */
#ifndef MT_X86_INSN_H
#define MT_X86_INSN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define X86_MAX_INSN 15

/* opcode maps */
enum x86_map { X86_MAP_1 = 0, X86_MAP_0F, X86_MAP_0F38, X86_MAP_0F3A };

/* register numbers as the encoding has them (REX extends to 8-15) */
enum x86_reg {
	X86_RAX = 0, X86_RCX, X86_RDX, X86_RBX, X86_RSP, X86_RBP, X86_RSI, X86_RDI,
	X86_R8, X86_R9, X86_R10, X86_R11, X86_R12, X86_R13, X86_R14, X86_R15,
	X86_NOREG = 0xff,
};

struct x86_insn {
	uint8_t len;
	uint8_t nprefixes;		/* legacy prefixes (66, 67, f0, f2, f3, segments) */
	uint8_t prefixes[X86_MAX_INSN];
	uint8_t rex;			/* 0 when none */
	bool vex;			/* VEX-encoded (c4/c5) */
	bool opsize16;			/* 66 prefix */
	bool addr32;			/* 67 prefix */
	enum x86_map map;
	uint8_t opcode;
	bool has_modrm;
	uint8_t mod, reg, rm;		/* reg and rm extended by REX.R / REX.B (rm: mod != 3 too) */
	bool has_sib;
	uint8_t base, index;		/* extended; X86_NOREG when absent (index 4, base 5 + mod 0) */
	bool rip_relative;
	int32_t disp;
	uint8_t imm_size;		/* bytes of immediate (or relative offset) */
	int64_t imm;			/* sign-extended */
};

/* Decodes the instruction at code[0..n). 0, or -EINVAL for bytes it does
 * not decode (unknown, invalid in 64-bit mode, truncated). */
int x86_insn__decode(const uint8_t *code, size_t n, struct x86_insn *in);

/* True when in has the legacy prefix byte p. */
bool x86_insn__has_prefix(const struct x86_insn *in, uint8_t p);

/* A direct relative branch (jmp, jcc, call, loop/jrcxz): true and the
 * offset of its target from the instruction's start. */
bool x86_insn__branch_target(const struct x86_insn *in, int64_t *target);

#endif /* MT_X86_INSN_H */
