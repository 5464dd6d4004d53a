// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* prologue + x86_insn: probe placement on synthetic entry sequences (what
 * it must accept and refuse), and on the real allocators of this machine:
 * every instruction length agrees with objdump over whole functions, and
 * the probe lands on the first instruction objdump names as one the
 * kernel emulates. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/parameterized.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include "elf_file.h"
#include "plt.h"
#include "probe_plan.h"
#include "prologue.h"
#include "x86_insn.h"

#define R(r) PROLOGUE_REG(r)
#define RDI R(X86_RDI)
#define RSI R(X86_RSI)
#define RDX R(X86_RDX)

struct place_case {
	char name[64];
	uint8_t code[48];
	size_t len;
	uint32_t keep;
	bool need_sp;
	uint32_t offset, sp_delta;
	bool emulated;
	char why[24];		/* a word of the reason */
};

/* strings and arrays inline: criterion runs each case in a fresh process */
static struct place_case cases[] = {
	{ "glibc free: test %rdi,%rdi; je", { 0x48, 0x85, 0xff, 0x0f, 0x84, 0x10, 0, 0, 0, 0x55, 0xc3 },
	  11, RDI, false, 3, 0, true, "moved" },
	{ "endbr64; push %rbp", { 0xf3, 0x0f, 0x1e, 0xfa, 0x55, 0xc3 }, 6, RDI, true, 4, 0, true, "moved" },
	{ "cmpb $0,x(%rip); push %r12", { 0x80, 0x3d, 0x46, 0x1b, 0x14, 0x00, 0x00, 0x41, 0x54, 0xc3 },
	  10, RSI, true, 7, 0, true, "moved" },
	{ "push %r12 first", { 0x41, 0x54, 0xc3 }, 3, RDI, true, 0, 0, true, "first" },
	{ "jmp first", { 0xe9, 0, 0, 0, 0 }, 5, RDI, true, 0, 0, true, "first" },
	{ "mov %rdi,%rax; shr; je (rdi read, not written)",
	  { 0x48, 0x89, 0xf8, 0x48, 0xc1, 0xe8, 0x1a, 0x74, 0x01, 0xc3, 0xc3 }, 11, RDI, true, 7, 0, true, "moved" },
	{ "wrapper: sub $0x58,%rsp; stores below; cmp; ja",
	  { 0x48, 0x83, 0xec, 0x58, 0x4c, 0x89, 0x44, 0x24, 0x40, 0x64, 0x48, 0x8b, 0x04, 0x25,
	    0x28, 0, 0, 0, 0x48, 0x89, 0x44, 0x24, 0x18, 0x31, 0xc0, 0x83, 0xf9, 0x07, 0x77, 0x01,
	    0xc3, 0xc3 }, 32, 0, false, 28, 0x58, true, "moved" },
	{ "push imm; push %rbx (no return probe)", { 0x6a, 0x01, 0x53, 0xc3 }, 4, RDI, false, 2, 8, true, "moved" },
	/* refused: the probe stays at the entry */
	{ "reallocarray: mul clobbers the arguments",
	  { 0x48, 0x89, 0xf0, 0x48, 0xf7, 0xe2, 0x48, 0x89, 0xc6, 0x70, 0x01, 0xc3, 0xc3 }, 13,
	  RDI | RSI | RDX, true, 0, 0, false, "argument" },
	{ "brk: mov $12,%eax; syscall", { 0xb8, 0x0c, 0, 0, 0, 0x0f, 0x05, 0xc3 }, 8, 0, false, 0, 0, false, "control" },
	{ "ret first", { 0xc3 }, 1, RDI, false, 0, 0, false, "control" },
	{ "indirect jmp first", { 0xff, 0xe0 }, 2, RDI, false, 0, 0, false, "control" },
	{ "sub $8,%rsp before push, with a return probe", { 0x48, 0x83, 0xec, 0x08, 0x53, 0xc3 }, 6,
	  RDI, true, 0, 0, false, "stack pointer" },
	{ "a jump back into the prologue", { 0x48, 0x85, 0xff, 0x74, 0x02, 0x31, 0xc0, 0xeb, 0xfa, 0xc3 },
	  10, RDI, false, 0, 0, false, "jump inside" },
	{ "DS-prefixed jcc: the kernel refuses to probe it", { 0x48, 0x85, 0xff, 0x3e, 0x74, 0x01, 0xc3, 0xc3 },
	  8, RDI, false, 0, 0, false, "not modelled" },
	{ "store to the return address", { 0x48, 0x89, 0x3c, 0x24, 0x55, 0xc3 }, 6, 0, false, 0, 0, false, "return address" },
	{ "store through %rbp", { 0x48, 0x89, 0x7d, 0xf8, 0x55, 0xc3 }, 6, 0, false, 0, 0, false, "return address" },
	{ "store through a copy of %rsp", { 0x48, 0x8d, 0x04, 0x24, 0x48, 0x89, 0x38, 0x55, 0xc3 }, 9, 0,
	  false, 0, 0, false, "return address" },
	{ "mov %rsp,%rax; store through it", { 0x48, 0x89, 0xe0, 0x48, 0x89, 0x38, 0x55, 0xc3 }, 8, 0,
	  false, 0, 0, false, "return address" },
	{ "write to %rsp", { 0x48, 0x89, 0xc4, 0x55, 0xc3 }, 5, 0, false, 0, 0, false, "stack pointer" },
	{ "push with REX.W: not emulated, not modelled", { 0x48, 0x53, 0xc3 }, 3, 0, false, 0, 0, false, "not modelled" },
	{ "3DNow! does not decode", { 0x0f, 0x0f, 0xc0, 0x9e, 0x55 }, 5, 0, false, 0, 0, false, "decode" },
	{ "truncated instruction", { 0x48, 0x8b }, 2, 0, false, 0, 0, false, "decode" },
	{ "EVEX later in the function", { 0x48, 0x85, 0xff, 0x74, 0x02, 0x62, 0xf1, 0x7c, 0x48, 0x10, 0xc0 },
	  11, RDI, false, 0, 0, false, "decode to its end" },
	{ "no size", { 0x48, 0x85, 0xff, 0x74, 0x02 }, 0, RDI, false, 0, 0, false, "early" },
	{ "no emulated instruction in reach", { 0x31, 0xc0, 0x31, 0xc0, 0x31, 0xc0 }, 6, RDI, false, 0, 0,
	  false, "early" },
};

ParameterizedTestParameters(prologue, place)
{
	return cr_make_param_array(struct place_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct place_case *c, prologue, place)
{
	struct probe_site site;

	prologue__place(c->code, c->len, c->keep, c->need_sp, &site);
	cr_expect(eq(u32, site.offset, c->offset), "%s: offset (%s)", c->name, site.why);
	cr_expect(eq(u32, site.sp_delta, c->sp_delta), "%s: sp delta", c->name);
	cr_expect(eq(int, site.emulated, c->emulated), "%s: emulated (%s)", c->name, site.why);
	cr_expect(site.why && strstr(site.why, c->why), "%s: reason '%s' lacks '%s'", c->name,
		  site.why, c->why);
}

struct len_case {
	uint8_t code[16];
	size_t n;
	uint8_t len;
};

static struct len_case lens[] = {
	{ { 0x64, 0x48, 0x8b, 0x04, 0x25, 0x28, 0, 0, 0 }, 9, 9 },	/* mov %fs:0x28,%rax */
	{ { 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8 }, 10, 10 },		/* movabs $imm64,%rax */
	{ { 0x66, 0xb8, 1, 2 }, 4, 4 },				/* mov $imm16,%ax */
	{ { 0x48, 0x8d, 0x05, 1, 2, 3, 4 }, 7, 7 },			/* lea x(%rip),%rax */
	{ { 0x66, 0x0f, 0x1f, 0x44, 0, 0 }, 6, 6 },			/* nopw 0(%rax,%rax,1) */
	{ { 0xc5, 0xf9, 0xef, 0xc0 }, 4, 4 },				/* vpxor %xmm0,%xmm0,%xmm0 */
	{ { 0xc4, 0xe3, 0x79, 0x16, 0xc0, 0x01 }, 6, 6 },		/* vpextrd $1,%xmm0,%eax */
	{ { 0x66, 0x0f, 0x3a, 0x0f, 0xc1, 0x08 }, 6, 6 },		/* palignr $8,%xmm1,%xmm0 */
	{ { 0xf7, 0x05, 1, 2, 3, 4, 5, 6, 7, 8 }, 10, 10 },		/* testl $imm32,x(%rip) */
	{ { 0xf7, 0xe2 }, 2, 2 },					/* mul %edx */
	{ { 0xc8, 0x10, 0x00, 0x00 }, 4, 4 },				/* enter $16,$0 */
	{ { 0x4c, 0x8b, 0x84, 0x24, 1, 2, 3, 4 }, 8, 8 },		/* mov x(%rsp),%r8 */
};

ParameterizedTestParameters(x86_insn, lengths)
{
	return cr_make_param_array(struct len_case, lens, sizeof(lens) / sizeof(lens[0]));
}

ParameterizedTest(struct len_case *c, x86_insn, lengths)
{
	struct x86_insn in;

	cr_assert(eq(int, x86_insn__decode(c->code, c->n, &in), 0), "%02x %02x", c->code[0], c->code[1]);
	cr_assert(eq(u8, in.len, c->len), "%02x %02x", c->code[0], c->code[1]);
	/* one byte short never decodes */
	cr_assert(ne(int, x86_insn__decode(c->code, c->len - 1, &in), 0));
}

/* ---- the real allocators of this machine ------------------------------ */

/* The allocators make deps installs, and this machine's libc. */
static const char *const allocators[] = {
	"/usr/lib/x86_64-linux-gnu/libc.so.6",
	"/lib/x86_64-linux-musl/libc.so",
	"/usr/lib/x86_64-linux-gnu/libjemalloc.so.2",
	"/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4",
};

struct objdump_insn {
	uint64_t vaddr;
	char mnemonic[16];
};

/* objdump's instructions of [from, to) in path. */
static size_t objdump(const char *path, uint64_t from, uint64_t to, struct objdump_insn *out,
		      size_t max)
{
	char cmd[512], line[512];
	size_t n = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "objdump -d --no-show-raw-insn --start-address=0x%llx "
		 "--stop-address=0x%llx '%s'", (unsigned long long)from, (unsigned long long)to, path);
	f = popen(cmd, "r");
	cr_assert(f != NULL, "%s", cmd);
	while (fgets(line, sizeof(line), f) && n < max) {
		unsigned long long a;
		char mn[16];

		/* "   98ef0:\ttest   %rdi,%rdi"; symbol headers have no tab */
		if (sscanf(line, " %llx:\t%15s", &a, mn) == 2 && strchr(line, '\t')) {
			out[n].vaddr = a;
			snprintf(out[n].mnemonic, sizeof(out[n].mnemonic), "%s", mn);
			n++;
		}
	}
	cr_assert(eq(int, pclose(f), 0), "%s", cmd);
	return n;
}

static bool emulated_mnemonic(const char *m)
{
	return !strncmp(m, "push", 4) || m[0] == 'j' || !strncmp(m, "call", 4) || !strcmp(m, "nop");
}

/* Every instruction boundary of fn agrees with objdump, and the probe is
 * on the first instruction objdump names push/jump/call/nop (or at the
 * entry, with a reason). Returns whether the probe moved. */
static bool check_function(const char *path, struct elf_file *ef, int fd,
			   const struct probe_point *p)
{
	static struct objdump_insn insns[65536];
	const struct elf_sym *sym = elf_file__find_func(ef, p->name);
	uint8_t *code;
	size_t n, i, pos = 0;

	cr_assert(sym != NULL, "%s: %s", path, p->name);
	code = malloc(sym->size);
	cr_assert(code && pread(fd, code, sym->size, p->entry) == (ssize_t)sym->size);
	n = objdump(path, sym->vaddr, sym->vaddr + sym->size, insns, 65536);
	cr_assert(gt(sz, n, 0), "%s: objdump shows nothing for %s", path, p->name);
	for (i = 0; i < n; i++) {
		struct x86_insn in;

		if (!strcmp(insns[i].mnemonic, "(bad)"))
			break;
		cr_assert(eq(u64, insns[i].vaddr - sym->vaddr, pos),
			  "%s: %s+0x%zx: objdump starts an instruction at +0x%llx", path, p->name,
			  pos, (unsigned long long)(insns[i].vaddr - sym->vaddr));
		cr_assert(eq(int, x86_insn__decode(code + pos, sym->size - pos, &in), 0),
			  "%s: %s+0x%zx (%s) does not decode", path, p->name, pos, insns[i].mnemonic);
		pos += in.len;
	}
	free(code);
	if (p->site.offset) {
		for (i = 0; i < n && insns[i].vaddr - sym->vaddr < p->site.offset; i++)
			cr_assert(not(emulated_mnemonic(insns[i].mnemonic)),
				  "%s: %s: %s at +0x%llx comes before the probe at +%u", path, p->name,
				  insns[i].mnemonic, (unsigned long long)(insns[i].vaddr - sym->vaddr),
				  p->site.offset);
		cr_assert(lt(sz, i, n));
		cr_assert(eq(u64, insns[i].vaddr - sym->vaddr, p->site.offset));
		cr_assert(emulated_mnemonic(insns[i].mnemonic), "%s: %s probed at %s", path,
			  p->name, insns[i].mnemonic);
	}
	cr_assert(p->site.why != NULL);
	return p->site.offset > 0;
}

static void check_allocator(const char *path, size_t *moved)
{
	struct probe_plan plan;
	struct elf_file *ef;
	size_t i;
	int fd;

	cr_assert(eq(int, probe_plan__build(path, true, true, false, &plan), 0),
		  "%s (make deps installs it)", path);
	cr_assert(eq(int, elf_file__open(path, &ef), 0));
	fd = open(path, O_RDONLY);
	cr_assert(ge(int, fd, 0));
	for (i = 0; i < plan.n; i++)
		*moved += check_function(path, ef, fd, &plan.points[i]);
	close(fd);
	elf_file__close(ef);
}

Test(prologue, real_allocators_decode_like_objdump, .timeout = 120)
{
	size_t i, moved = 0;

	for (i = 0; i < sizeof(allocators) / sizeof(allocators[0]); i++)
		check_allocator(allocators[i], &moved);
	cr_assert(gt(sz, moved, 3), "only %zu probes moved", moved);
}

/* glibc's free starts with test %rdi,%rdi, which the kernel single-steps:
 * its probe must move, and rdi must reach it untouched. */
Test(prologue, this_libc_free_moves_past_its_first_byte)
{
	const char *libc = allocators[0];
	struct probe_plan plan;
	struct x86_insn in;
	uint8_t code[16];
	size_t i;
	int fd;

	cr_assert(eq(int, probe_plan__build(libc, true, false, false, &plan), 0));
	for (i = 0; i < plan.n && strcmp(plan.points[i].name, "free"); i++)
		;
	cr_assert(lt(sz, i, plan.n));
	cr_assert(gt(u32, plan.points[i].site.offset, 0), "%s", plan.points[i].site.why);
	cr_assert(plan.points[i].site.emulated);
	cr_assert(eq(u64, plan.points[i].offset, plan.points[i].entry + plan.points[i].site.offset));
	fd = open(libc, O_RDONLY);
	cr_assert(pread(fd, code, sizeof(code), plan.points[i].entry) == sizeof(code));
	close(fd);
	/* the first instruction reads rdi (test %rdi,%rdi) and is not one the kernel emulates */
	cr_assert(eq(int, x86_insn__decode(code, sizeof(code), &in), 0));
	cr_assert(eq(u8, in.opcode, 0x85));
}

Test(prologue, at_entry_keeps_every_probe_at_the_first_byte)
{
	struct probe_plan plan;
	size_t i;

	cr_assert(eq(int, probe_plan__build(allocators[0], true, true, true, &plan), 0));
	cr_assert(gt(sz, plan.n, 8));
	for (i = 0; i < plan.n; i++)
		cr_assert(eq(u64, plan.points[i].offset, plan.points[i].entry), "%s", plan.points[i].name);
}

/* ---- thunks: functions whose calls go on to another one's probe -------- */

struct thunk_case {
	char name[64];
	uint8_t code[48];
	size_t len;
	int64_t target;		/* where it jumps out, from the entry; 0: refused */
	char why[24];		/* a word of the reason it is refused */
};

static struct thunk_case thunks[] = {
	/* glibc 2.36's reallocarray: mov %rsi,%rax; mul %rdx; mov %rax,%rsi;
	 * jo err; jmp realloc@plt; err: mov x(%rip),%rax; movl $12,%fs:(%rax);
	 * xor %eax,%eax; ret */
	{ "glibc reallocarray", { 0x48, 0x89, 0xf0, 0x48, 0xf7, 0xe2, 0x48, 0x89, 0xc6, 0x70, 0x05,
	  0xe9, 0x40, 0xb8, 0xf8, 0xff, 0x48, 0x8b, 0x05, 0xe9, 0x85, 0x13, 0x00, 0x64, 0xc7, 0x00,
	  0x0c, 0x00, 0x00, 0x00, 0x31, 0xc0, 0xc3 }, 33, 11 + 5 + (int32_t)0xfff8b840, "" },
	{ "a conditional tail call, then ret", { 0x48, 0x85, 0xff, 0x0f, 0x85, 0x10, 0, 0, 0, 0xc3 },
	  10, 9 + 0x10, "" },
	{ "a jump inside, then out", { 0xeb, 0x01, 0xc3, 0xe9, 0x00, 0x01, 0, 0 }, 8, 8 + 0x100, "" },
	/* refused */
	{ "musl reallocarray: its error path pushes, then calls",
	  { 0x48, 0x85, 0xd2, 0x74, 0x08, 0x48, 0x89, 0xf0, 0x48, 0xf7, 0xe1, 0x70, 0x09, 0x48, 0x0f,
	    0xaf, 0xf1, 0xe9, 0x00, 0x10, 0, 0, 0x50, 0xe8, 0x00, 0x20, 0, 0, 0xc3 }, 29, 0, "stack pointer" },
	{ "a call before the jump", { 0xe8, 0, 0, 0, 0, 0xe9, 0, 1, 0, 0 }, 10, 0, "calls" },
	{ "push, then jump out", { 0x55, 0xe9, 0, 1, 0, 0 }, 6, 0, "stack pointer" },
	{ "sub $8,%rsp, then jump out", { 0x48, 0x83, 0xec, 0x08, 0xe9, 0, 1, 0, 0 }, 9, 0,
	  "stack pointer" },
	{ "two places outside", { 0x74, 0x05, 0xe9, 0, 1, 0, 0, 0xe9, 0, 2, 0, 0 }, 12, 0,
	  "more than one" },
	{ "only returns", { 0x31, 0xc0, 0xc3 }, 3, 0, "never" },
	{ "a loop that never leaves", { 0x31, 0xc0, 0xeb, 0xfc }, 4, 0, "never" },
	{ "indirect jmp", { 0xff, 0xe0 }, 2, 0, "leaves other" },
	{ "runs past its end", { 0x31, 0xc0 }, 2, 0, "past" },
	{ "store to the return address", { 0x48, 0x89, 0x3c, 0x24, 0xe9, 0, 1, 0, 0 }, 9, 0,
	  "return address" },
	{ "no size", { 0xe9, 0, 1, 0, 0 }, 0, 0, "size" },
	{ "too long for a thunk", { 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90,
	  0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90,
	  0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0xe9, 0, 1, 0, 0 }, 38, 0, "longer" },
};

ParameterizedTestParameters(prologue, tail_call)
{
	return cr_make_param_array(struct thunk_case, thunks, sizeof(thunks) / sizeof(thunks[0]));
}

ParameterizedTest(struct thunk_case *c, prologue, tail_call)
{
	int64_t target = -1;
	const char *why = prologue__tail_call(c->code, c->len, &target);

	if (c->target) {
		cr_expect(why == NULL, "%s: refused: %s", c->name, why);
		cr_expect(eq(i64, target, c->target), "%s", c->name);
	} else {
		cr_expect(why && strstr(why, c->why), "%s: reason '%s' lacks '%s'", c->name,
			  why ? why : "(accepted)", c->why);
	}
}

/* This libc's reallocarray checks its arguments and jumps to realloc
 * through the PLT: it gets no probe (realloc's sees its calls), unless
 * every probe stays at its entry. */
Test(prologue, this_libc_reallocarray_is_a_thunk_of_realloc)
{
	const char *libc = allocators[0];
	struct probe_plan plan;
	size_t i;

	cr_assert(eq(int, probe_plan__build(libc, true, false, false, &plan), 0));
	for (i = 0; i < plan.n; i++)
		cr_expect(strcmp(plan.points[i].name, "reallocarray") != 0, "reallocarray is probed: %s",
			  plan.points[i].site.why);
	cr_assert(eq(sz, plan.nskipped, 1));
	cr_expect(eq(str, (char *)plan.skipped[0].name, "reallocarray"));
	cr_expect(strstr(plan.skipped[0].why, "realloc") != NULL);
	for (i = 0; i < plan.n && strcmp(plan.points[i].name, "realloc"); i++)
		;
	cr_expect(lt(sz, i, plan.n), "realloc has no probe");

	cr_assert(eq(int, probe_plan__build(libc, true, false, true, &plan), 0));
	cr_expect(eq(sz, plan.nskipped, 0));
	for (i = 0; i < plan.n && strcmp(plan.points[i].name, "reallocarray"); i++)
		;
	cr_expect(lt(sz, i, plan.n), "--probe-at-entry: reallocarray lost its probe");
}

/* The PLT stub of a libc import names its symbol; code that is no stub
 * names none. */
Test(plt, stubs_name_their_symbols)
{
	const char *libc = allocators[0];
	const struct elf_sym *ra;
	struct elf_file *ef;
	uint8_t code[64], stub[32];
	uint64_t off, stub_vaddr;
	int64_t target;
	char name[64];
	int fd;

	cr_assert(eq(int, elf_file__open(libc, &ef), 0));
	ra = elf_file__find_func(ef, "reallocarray");
	cr_assert(ra && ra->size <= sizeof(code));
	fd = open(libc, O_RDONLY);
	cr_assert(ge(int, fd, 0));
	cr_assert(eq(int, elf_file__vaddr_to_offset(ef, ra->vaddr, &off), 0));
	cr_assert(pread(fd, code, ra->size, off) == (ssize_t)ra->size);
	cr_assert(prologue__tail_call(code, ra->size, &target) == NULL);
	stub_vaddr = ra->vaddr + target;
	cr_assert(eq(int, elf_file__vaddr_to_offset(ef, stub_vaddr, &off), 0));
	cr_assert(pread(fd, stub, sizeof(stub), off) == (ssize_t)sizeof(stub));
	cr_assert(eq(int, plt__callee(fd, stub_vaddr, stub, sizeof(stub), name, sizeof(name)), 0));
	cr_expect(eq(str, name, "realloc"));
	/* reallocarray's own first bytes are no stub */
	cr_expect(eq(int, plt__callee(fd, ra->vaddr, code, ra->size, name, sizeof(name)), -ENOENT));
	/* a stub shape whose slot no relocation fills */
	cr_expect(eq(int, plt__callee(fd, 0x10, (const uint8_t[]){ 0xff, 0x25, 0, 0, 0, 0 }, 6, name,
				      sizeof(name)), -ENOENT));
	close(fd);
	elf_file__close(ef);
}
