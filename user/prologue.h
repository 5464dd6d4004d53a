/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Where to put a function's uprobe. The kernel emulates a few x86
 * instructions at a probe (push reg, jmp, jcc, call, nop: about 1 µs
 * here) and single-steps every other one (about 13 µs). This decodes a
 * function's entry sequence and finds the first instruction it emulates,
 * when it can prove that every call reaches it with the arguments the
 * probe reads still in their registers; otherwise the probe stays at the
 * entry, with the reason. */
#ifndef MT_PROLOGUE_H
#define MT_PROLOGUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Registers as masks for prologue__place's keep (x86_insn.h numbers). */
#define PROLOGUE_REG(r) (1u << (r))

struct probe_site {
	uint32_t offset;	/* from the function's entry */
	uint32_t sp_delta;	/* bytes the stack grew between the entry and offset */
	bool emulated;		/* the instruction at offset is one the kernel emulates */
	const char *why;	/* static text: what was proven, or why it stays at the entry */
};

/* Places the probe of the function whose code is code[0..len) (len: the
 * symbol's size). keep: registers the probe reads, which must still hold
 * their entry values. need_entry_sp: the probe point must see the entry's
 * stack pointer (a return probe takes the return address at *sp).
 * Always fills *site (offset 0 when nothing was proven). */
void prologue__place(const uint8_t *code, size_t len, uint32_t keep, bool need_entry_sp,
		     struct probe_site *site);

/* Whether the function whose code is code[0..len) is a thunk: every path
 * from its entry either returns without calling anything, or leaves the
 * function by a jump, with the stack as it found it, to one place outside
 * it (glibc's reallocarray: an overflow check, then a tail call of
 * realloc). NULL and *target (that place, as an offset from the entry),
 * or why not (static text). */
const char *prologue__tail_call(const uint8_t *code, size_t len, int64_t *target);

#endif /* MT_PROLOGUE_H */
