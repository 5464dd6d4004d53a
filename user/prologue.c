// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Probe placement: walk a function's entry sequence to the first
 * instruction the kernel emulates at a uprobe, proving on the way that
 * nothing branches, the argument registers the probe reads keep their
 * values, no store can reach the return address, and (for a return probe)
 * the stack pointer is the entry's. Then check that no direct jump inside
 * the function lands between the entry and that instruction, since such a
 * jump would reach the probe a second time.
 *
 * What the kernel emulates (arch/x86/kernel/uprobes.c, the same set from
 * 5.12 to 6.18): push of a register (no prefix but REX.B), jmp/jcc
 * rel8/rel32 and call rel32 (no 66 prefix), and nop (0x90). It refuses to
 * probe at all an instruction with a CS, DS, ES, SS or LOCK prefix. */
#include <string.h>
#include "prologue.h"
#include "x86_insn.h"

#define MAX_PROLOGUE_INSNS 24
#define MAX_THUNK_INSNS 32	/* instructions a thunk's paths may take, all told */
#define MAX_THUNK_PATHS 8	/* branches still to walk at once */
#define MAX_FUNCTION_BYTES (1u << 20)

#define R(r) PROLOGUE_REG(r)

static bool only_prefixes(const struct x86_insn *in, const char *allowed)
{
	uint8_t i;

	for (i = 0; i < in->nprefixes; i++)
		if (!memchr(allowed, in->prefixes[i], strlen(allowed)))
			return false;
	return true;
}

static bool is_direct_branch(const struct x86_insn *in)
{
	if (in->vex)
		return false;
	if (in->map == X86_MAP_1)
		return (in->opcode >= 0x70 && in->opcode <= 0x7f) || in->opcode == 0xe8 ||
		       in->opcode == 0xe9 || in->opcode == 0xeb;
	return in->map == X86_MAP_0F && in->opcode >= 0x80 && in->opcode <= 0x8f;
}

/* True when the kernel emulates in at a uprobe instead of single-stepping it. */
static bool emulated(const struct x86_insn *in)
{
	if (in->vex)
		return false;
	if (in->map == X86_MAP_1 && in->opcode >= 0x50 && in->opcode <= 0x57)
		return in->nprefixes == 0 && (in->rex == 0 || in->rex == 0x41);
	if (in->map == X86_MAP_1 && in->opcode == 0x90)
		return in->rex == 0 && only_prefixes(in, "\x66\xf3");
	if (is_direct_branch(in))
		return in->rex == 0 && only_prefixes(in, "\xf2"); /* bnd */
	return false;
}

/* What one instruction before the probe point does to the registers and
 * the stack. */
struct effect {
	uint32_t writes;	/* registers written */
	uint32_t reads;		/* registers read as values (not as addresses) */
	bool mem_dest;		/* stores to its memory operand */
	int64_t sp_grow;	/* stack growth: push imm/r/m, sub $imm,%rsp */
};

enum model { MODEL_OK, MODEL_CONTROL, MODEL_UNKNOWN };

static void rm_dest(const struct x86_insn *in, struct effect *e)
{
	if (in->mod == 3)
		e->writes |= R(in->rm);
	else
		e->mem_dest = true;
}

static void rm_src(const struct x86_insn *in, struct effect *e)
{
	if (in->mod == 3)
		e->reads |= R(in->rm);
}

static enum model model_map1(const struct x86_insn *in, struct effect *e)
{
	uint8_t op = in->opcode, ext = in->reg & 7;

	if (op < 0x40 && (op & 7) < 4) { /* add, or, adc, sbb, and, sub, xor, cmp */
		e->reads |= R(in->reg);
		rm_src(in, e);
		if (op >> 3 == 7)
			return MODEL_OK;
		if (op & 2)
			e->writes |= R(in->reg);
		else
			rm_dest(in, e);
		return MODEL_OK;
	}
	if (op < 0x40 && ((op & 7) == 4 || (op & 7) == 5)) { /* the same on al/eax, imm */
		e->reads |= R(X86_RAX);
		if (op >> 3 != 7)
			e->writes |= R(X86_RAX);
		return MODEL_OK;
	}
	switch (op) {
	case 0x63: case 0x69: case 0x6b: case 0x8a: case 0x8b: /* movsxd, imul, mov */
		e->writes |= R(in->reg);
		rm_src(in, e);
		return MODEL_OK;
	case 0x68: case 0x6a:	/* push imm */
		if (in->opsize16)
			return MODEL_UNKNOWN;
		e->sp_grow = 8;
		return MODEL_OK;
	case 0x80: case 0x81: case 0x83: /* group 1 with an immediate */
		if (in->mod == 3 && in->rm == X86_RSP && (in->rex & 8) && (ext == 5 || ext == 0)) {
			e->sp_grow = ext == 5 ? in->imm : -in->imm; /* sub/add $imm,%rsp */
			return MODEL_OK;
		}
		rm_src(in, e);
		if (ext != 7)
			rm_dest(in, e);
		return MODEL_OK;
	case 0x84: case 0x85:	/* test */
		e->reads |= R(in->reg);
		rm_src(in, e);
		return MODEL_OK;
	case 0x86: case 0x87:	/* xchg */
		e->reads |= R(in->reg);
		e->writes |= R(in->reg);
		rm_src(in, e);
		rm_dest(in, e);
		return MODEL_OK;
	case 0x88: case 0x89:	/* mov r/m, reg */
		e->reads |= R(in->reg);
		rm_dest(in, e);
		return MODEL_OK;
	case 0x8d:		/* lea: its address is a value */
		if (in->mod == 3)
			return MODEL_UNKNOWN;
		if (in->base != X86_NOREG)
			e->reads |= R(in->base);
		if (in->index != X86_NOREG)
			e->reads |= R(in->index);
		e->writes |= R(in->reg);
		return MODEL_OK;
	case 0x98:		/* cltq */
		e->reads |= R(X86_RAX);
		e->writes |= R(X86_RAX);
		return MODEL_OK;
	case 0x99:		/* cqto */
		e->reads |= R(X86_RAX);
		e->writes |= R(X86_RDX);
		return MODEL_OK;
	case 0xa8: case 0xa9:	/* test al/eax, imm */
		e->reads |= R(X86_RAX);
		return MODEL_OK;
	case 0xb0 ... 0xbf:	/* mov reg, imm */
		e->writes |= R((op & 7) | (in->rex & 1 ? 8 : 0));
		return MODEL_OK;
	case 0xc0: case 0xc1: case 0xd0: case 0xd1: case 0xd2: case 0xd3: /* shifts */
		if (op == 0xd2 || op == 0xd3)
			e->reads |= R(X86_RCX);
		rm_src(in, e);
		rm_dest(in, e);
		return MODEL_OK;
	case 0xc6: case 0xc7:	/* mov r/m, imm */
		if (ext)
			return MODEL_UNKNOWN;
		rm_dest(in, e);
		return MODEL_OK;
	case 0xf6: case 0xf7:	/* test, not, neg, mul, imul, div, idiv */
		rm_src(in, e);
		if (ext == 2 || ext == 3)
			rm_dest(in, e);
		if (ext >= 4) {
			e->writes |= R(X86_RAX) | (op == 0xf7 ? R(X86_RDX) : 0);
			e->reads |= R(X86_RAX) | R(X86_RDX);
		}
		return MODEL_OK;
	case 0xfe: case 0xff:	/* inc, dec; ff: indirect call/jmp, push r/m */
		if (ext <= 1) {
			rm_src(in, e);
			rm_dest(in, e);
			return MODEL_OK;
		}
		if (op == 0xff && ext >= 2 && ext <= 5)
			return MODEL_CONTROL;
		if (op == 0xff && ext == 6 && !in->opsize16) {
			rm_src(in, e);
			e->sp_grow = 8;
			return MODEL_OK;
		}
		return MODEL_UNKNOWN;
	case 0xc2: case 0xc3: case 0xca: case 0xcb: case 0xcc: case 0xcd: case 0xcf:
	case 0xe0 ... 0xe3:	/* ret, int, iret, loop, jrcxz */
		return MODEL_CONTROL;
	}
	return MODEL_UNKNOWN;
}

static enum model model_map0f(const struct x86_insn *in, struct effect *e)
{
	uint8_t op = in->opcode;

	switch (op) {
	case 0x0d: case 0x18: case 0x1f: /* prefetch, hint nops */
		return MODEL_OK;
	case 0x1e:		/* endbr64, endbr32 (other encodings here write registers) */
		return x86_insn__has_prefix(in, 0xf3) && in->mod == 3 && (in->reg & 7) == 7 &&
		       ((in->rm & 7) == 2 || (in->rm & 7) == 3) ? MODEL_OK : MODEL_UNKNOWN;
	case 0x40 ... 0x4f:	/* cmov */
		e->reads |= R(in->reg);
		e->writes |= R(in->reg);
		rm_src(in, e);
		return MODEL_OK;
	case 0x90 ... 0x9f:	/* setcc */
		rm_dest(in, e);
		return MODEL_OK;
	case 0xa3:		/* bt */
		e->reads |= R(in->reg);
		rm_src(in, e);
		return MODEL_OK;
	case 0xaf: case 0xb6: case 0xb7: case 0xbe: case 0xbf: /* imul, movzx, movsx */
		e->reads |= op == 0xaf ? R(in->reg) : 0;
		e->writes |= R(in->reg);
		rm_src(in, e);
		return MODEL_OK;
	case 0x05: case 0x0b: case 0x34: /* syscall, ud2, sysenter */
		return MODEL_CONTROL;
	}
	return MODEL_UNKNOWN;
}

static enum model model(const struct x86_insn *in, struct effect *e)
{
	memset(e, 0, sizeof(*e));
	if (in->vex)
		return MODEL_UNKNOWN;
	/* operand size, address size, fs/gs; f3 only as part of endbr */
	if (!only_prefixes(in, "\x66\x67\x64\x65\xf3"))
		return MODEL_UNKNOWN;
	if (x86_insn__has_prefix(in, 0xf3) && !(in->map == X86_MAP_0F && in->opcode == 0x1e))
		return MODEL_UNKNOWN;
	if (in->map == X86_MAP_1)
		return model_map1(in, e);
	if (in->map == X86_MAP_0F)
		return model_map0f(in, e);
	return MODEL_UNKNOWN;
}

/* A store before the probe point is harmless unless it may reach the
 * return address at the entry's stack pointer (*(entry sp) .. +8). Through
 * %rsp the address is known; through a register that may hold a stack
 * address (%rbp, or one computed from either) it is not. */
static bool store_is_safe(const struct x86_insn *in, int64_t grown, uint32_t stackish)
{
	int64_t from_entry;

	if (in->rip_relative)
		return true;
	if (in->index != X86_NOREG && (stackish & R(in->index)))
		return false;
	if (in->base == X86_NOREG || !(stackish & R(in->base)))
		return true;
	if (in->base != X86_RSP || in->index != X86_NOREG)
		return false;
	from_entry = (int64_t)in->disp - grown;
	return from_entry + 8 <= 0 || from_entry >= 8;
}

/* No direct branch in code[0..len) targets (0, off]. */
static const char *check_no_jump_into(const uint8_t *code, size_t len, size_t off)
{
	struct x86_insn in;
	size_t pos = 0;
	int64_t rel;

	if (!len)
		return "the function's size is unknown, so jumps into its prologue cannot be ruled out";
	if (len > MAX_FUNCTION_BYTES)
		return "the function is too large to check for jumps into its prologue";
	while (pos < len) {
		if (x86_insn__decode(code + pos, len - pos, &in))
			return "the function does not decode to its end, so jumps into its prologue "
			       "cannot be ruled out";
		if (x86_insn__branch_target(&in, &rel)) {
			int64_t target = (int64_t)pos + rel;

			if (target > 0 && target <= (int64_t)off)
				return "a jump inside the function lands between its entry and the "
				       "first emulated instruction";
		}
		pos += in.len;
	}
	return NULL;
}

void prologue__place(const uint8_t *code, size_t len, uint32_t keep, bool need_entry_sp,
		     struct probe_site *site)
{
	uint32_t stackish = R(X86_RSP) | R(X86_RBP);
	struct x86_insn in;
	struct effect e;
	int64_t grown = 0;
	size_t off = 0;
	const char *bad;
	int n;

	memset(site, 0, sizeof(*site));
	for (n = 0;; n++, off += in.len) {
		if (n >= MAX_PROLOGUE_INSNS || off >= len) {
			site->why = "no emulated instruction early in the function";
			return;
		}
		if (x86_insn__decode(code + off, len - off, &in)) {
			site->why = "an instruction before the first emulated one does not decode";
			return;
		}
		if (emulated(&in))
			break;
		switch (model(&in, &e)) {
		case MODEL_CONTROL:
			site->why = "control leaves the entry sequence before an emulated instruction";
			return;
		case MODEL_UNKNOWN:
			site->why = "an instruction before the first emulated one is not modelled";
			return;
		case MODEL_OK:
			break;
		}
		if (e.writes & keep) {
			site->why = "an argument register is overwritten before the first emulated "
				    "instruction";
			return;
		}
		if (e.writes & R(X86_RSP)) {
			site->why = "the stack pointer is changed before the first emulated instruction";
			return;
		}
		if (e.mem_dest && !store_is_safe(&in, grown, stackish)) {
			site->why = "a store before the first emulated instruction may reach the "
				    "return address";
			return;
		}
		if (e.reads & stackish)
			stackish |= e.writes; /* now holds a stack address, maybe */
		grown += e.sp_grow;
		if (grown < 0 || grown > 1 << 20) {
			site->why = "the stack pointer is changed before the first emulated instruction";
			return;
		}
	}
	site->emulated = true;
	if (off == 0) {
		site->why = "its first instruction is emulated";
		return;
	}
	if (need_entry_sp && grown) {
		site->emulated = false;
		site->why = "the stack pointer moves before the first emulated instruction, and "
			    "the return probe needs the entry's";
		return;
	}
	bad = check_no_jump_into(code, len, off);
	if (bad) {
		site->emulated = false;
		site->why = bad;
		return;
	}
	site->offset = off;
	site->sp_delta = grown;
	site->why = "moved to the first emulated instruction";
}

static bool is_jcc(const struct x86_insn *in)
{
	return (in->map == X86_MAP_1 && in->opcode >= 0x70 && in->opcode <= 0x7f) ||
	       (in->map == X86_MAP_0F && in->opcode >= 0x80 && in->opcode <= 0x8f);
}

static bool is_plain_ret(const struct x86_insn *in)
{
	return in->map == X86_MAP_1 && in->opcode == 0xc3 && !in->nprefixes && !in->rex;
}

/* Every instruction of every path is modelled: no call, no indirect
 * jump, no change of the stack pointer, no store that may reach the
 * return address. Offsets already walked are not walked again, so a loop
 * ends; the budget bounds the rest. */
const char *prologue__tail_call(const uint8_t *code, size_t len, int64_t *target)
{
	uint32_t stackish = R(X86_RSP) | R(X86_RBP);
	size_t todo[MAX_THUNK_PATHS], seen[MAX_THUNK_INSNS];
	size_t ntodo = 0, nseen = 0, off, i;
	bool found = false;
	struct x86_insn in;
	struct effect e;
	int64_t rel;

	if (!len || len > MAX_FUNCTION_BYTES)
		return "the function's size is unknown";
	todo[ntodo++] = 0;
	while (ntodo) {
		off = todo[--ntodo];
		for (;;) {
			for (i = 0; i < nseen && seen[i] != off; i++)
				;
			if (i < nseen)
				break; /* walked from here already */
			if (nseen == MAX_THUNK_INSNS)
				return "the function is longer than a thunk";
			if (off >= len)
				return "a path runs past the function's end";
			seen[nseen++] = off;
			if (x86_insn__decode(code + off, len - off, &in))
				return "an instruction does not decode";
			if (is_plain_ret(&in))
				break; /* this path allocates nothing */
			if (in.map == X86_MAP_1 && in.opcode == 0xe8)
				return "it calls a function";
			if (in.map == X86_MAP_1 && in.opcode >= 0x50 && in.opcode <= 0x57)
				return "it moves the stack pointer (push)";
			if (in.map == X86_MAP_1 && in.opcode == 0x90) {
				off += in.len;
				continue;
			}
			if (is_direct_branch(&in) && (in.opcode == 0xe9 || in.opcode == 0xeb ||
						      is_jcc(&in))) {
				int64_t to;

				x86_insn__branch_target(&in, &rel);
				to = (int64_t)off + rel;
				if (to < 0 || to >= (int64_t)len) {
					/* leaves the function: a tail call */
					if (found && *target != to)
						return "it jumps to more than one place outside it";
					*target = to;
					found = true;
				} else if (!is_jcc(&in)) {
					off = (size_t)to;
					continue;
				} else if (ntodo == MAX_THUNK_PATHS) {
					return "it branches more than a thunk does";
				} else {
					todo[ntodo++] = (size_t)to;
				}
				if (!is_jcc(&in))
					break;
				off += in.len;
				continue;
			}
			switch (model(&in, &e)) {
			case MODEL_CONTROL:
				return "it leaves other than by a direct jump or a return";
			case MODEL_UNKNOWN:
				return "an instruction is not modelled";
			case MODEL_OK:
				break;
			}
			if (e.sp_grow || (e.writes & R(X86_RSP)))
				return "it moves the stack pointer";
			if (e.mem_dest && !store_is_safe(&in, 0, stackish))
				return "a store may reach the return address";
			if (e.reads & stackish)
				stackish |= e.writes;
			off += in.len;
		}
	}
	return found ? NULL : "it never jumps out";
}
