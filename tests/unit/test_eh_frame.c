// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* eh_frame + unwind_table: CIE/FDE encodings and CFA programs from byte
 * sequences written here (including encodings gcc does not emit), the
 * tables of programs the build produces (tests/unit/fixtures.mk) checked
 * against their symbols, and hostile input (truncations, byte flips). */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eh_frame.h"
#include "elf_file.h"
#include "unwind_table.h"

/* ---- a tiny assembler for CFI sections --------------------------------- */

struct buf {
	uint8_t b[4096];
	size_t n;
};

static void put(struct buf *b, const void *p, size_t n)
{
	cr_assert(b->n + n <= sizeof(b->b));
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void u8(struct buf *b, uint8_t v) { put(b, &v, 1); }
static void u16(struct buf *b, uint16_t v) { put(b, &v, 2); }
static void u32(struct buf *b, uint32_t v) { put(b, &v, 4); }
static void u64(struct buf *b, uint64_t v) { put(b, &v, 8); }

static void uleb(struct buf *b, uint64_t v)
{
	do {
		uint8_t c = v & 0x7f;

		v >>= 7;
		u8(b, c | (v ? 0x80 : 0));
	} while (v);
}

static void sleb(struct buf *b, int64_t v)
{
	for (;;) {
		uint8_t c = v & 0x7f;

		v >>= 7;
		if ((v == 0 && !(c & 0x40)) || (v == -1 && (c & 0x40))) {
			u8(b, c);
			return;
		}
		u8(b, c | 0x80);
	}
}

/* Starts a record (length patched by end_record); returns its offset. */
static size_t begin_record(struct buf *b)
{
	size_t at = b->n;

	u32(b, 0);
	return at;
}

static void end_record(struct buf *b, size_t at)
{
	uint32_t len = b->n - at - 4;

	memcpy(b->b + at, &len, 4);
}

/* The CIE gcc writes on x86-64 (version 1, code 1, data -8, RA 16,
 * CFA rsp+8, RA at CFA-8), with augmentation aug and its data. */
static size_t cie(struct buf *b, const char *aug, const uint8_t *augdata, size_t naug,
		  bool debug_frame, uint8_t version)
{
	size_t at = begin_record(b);

	u32(b, debug_frame ? 0xffffffff : 0);
	u8(b, version);
	put(b, aug, strlen(aug) + 1);
	if (version == 4) {
		u8(b, 8);
		u8(b, 0);
	}
	uleb(b, 1);
	sleb(b, -8);
	if (version == 1)
		u8(b, 16);
	else
		uleb(b, 16);
	if (aug[0] == 'z') {
		uleb(b, naug);
		put(b, augdata, naug);
	}
	u8(b, 0x0c); /* def_cfa rsp, 8 */
	uleb(b, 7);
	uleb(b, 8);
	u8(b, 0x80 | 16); /* offset r16, 1*-8 */
	uleb(b, 1);
	end_record(b, at);
	return at;
}

/* The typical prologue's program: push rbp; mov rsp,rbp; ... leave; ret */
static void fp_program(struct buf *b)
{
	u8(b, 0x40 | 1); /* advance 1 */
	u8(b, 0x0e);	 /* def_cfa_offset 16 */
	uleb(b, 16);
	u8(b, 0x80 | 6); /* rbp at cfa-16 */
	uleb(b, 2);
	u8(b, 0x40 | 3); /* advance 3 */
	u8(b, 0x0d);	 /* def_cfa_register rbp */
	uleb(b, 6);
	u8(b, 0x02);	 /* advance_loc1 0x20 */
	u8(b, 0x20);
	u8(b, 0x0c);	 /* def_cfa rsp, 8 */
	uleb(b, 7);
	uleb(b, 8);
}

struct rows {
	struct cfi_row r[64];
	size_t n;
};

static int collect(const struct cfi_row *row, void *ctx)
{
	struct rows *rs = ctx;

	cr_assert(rs->n < 64);
	rs->r[rs->n++] = *row;
	return 0;
}

static void assert_fp_rows(const struct rows *rs, uint64_t pc)
{
	cr_assert_eq(rs->n, 4, "%zu rows", rs->n);
	cr_assert_eq(rs->r[0].pc, pc, "pc 0x%lx, want 0x%lx", rs->r[0].pc, pc);
	cr_assert_eq(rs->r[0].end, pc + 1);
	cr_assert_eq(rs->r[0].cfa_reg, CFI_REG_RSP);
	cr_assert_eq(rs->r[0].cfa_off, 8);
	cr_assert_eq(rs->r[0].ra.kind, CFI_RULE_OFFSET);
	cr_assert_eq(rs->r[0].ra.off, -8);
	cr_assert_eq(rs->r[0].rbp.kind, CFI_RULE_SAME);
	cr_assert_eq(rs->r[1].pc, pc + 1);
	cr_assert_eq(rs->r[1].cfa_off, 16);
	cr_assert_eq(rs->r[1].rbp.kind, CFI_RULE_OFFSET);
	cr_assert_eq(rs->r[1].rbp.off, -16);
	cr_assert_eq(rs->r[2].pc, pc + 4);
	cr_assert_eq(rs->r[2].cfa_reg, CFI_REG_RBP);
	cr_assert_eq(rs->r[2].cfa_off, 16);
	cr_assert_eq(rs->r[3].pc, pc + 0x24);
	cr_assert_eq(rs->r[3].end, pc + 0x40);
	cr_assert_eq(rs->r[3].cfa_reg, CFI_REG_RSP);
	cr_assert_eq(rs->r[3].cfa_off, 8);
}

TestSuite(eh_frame, .timeout = 30);

/* "zR" with each pointer encoding of the FDE's pc_begin. */
struct enc_case {
	uint8_t enc;
};

static void fde_with_encoding(struct buf *b, size_t cie_at, uint8_t enc, uint64_t vaddr,
			      uint64_t pc, uint64_t base)
{
	size_t at = begin_record(b);
	uint64_t field = vaddr + b->n + 4; /* pcrel: address of pc_begin */
	int64_t rel = (int64_t)(pc - ((enc & 0x70) == 0x10 ? field : base));

	u32(b, b->n - cie_at);
	switch (enc & 0x0f) {
	case 0x00: u64(b, rel); u64(b, 0x40); break;
	case 0x01: uleb(b, rel); uleb(b, 0x40); break;
	case 0x02: u16(b, rel); u16(b, 0x40); break;
	case 0x03: u32(b, rel); u32(b, 0x40); break;
	case 0x04: u64(b, rel); u64(b, 0x40); break;
	case 0x09: sleb(b, rel); sleb(b, 0x40); break;
	case 0x0a: u16(b, rel); u16(b, 0x40); break;
	case 0x0b: u32(b, rel); u32(b, 0x40); break;
	case 0x0c: u64(b, rel); u64(b, 0x40); break;
	}
	uleb(b, 0); /* no augmentation data */
	fp_program(b);
	end_record(b, at);
}

Test(eh_frame, every_pointer_encoding_of_pc_begin)
{
	static const uint8_t encs[] = {
		0x00, 0x01, 0x02, 0x03, 0x04, 0x09, 0x0a, 0x0b, 0x0c, /* absolute */
		0x1b, 0x10, 0x13, 0x1c, 0x19,			      /* pcrel */
		0x33, 0x3b, 0x23, 0x2b,				      /* datarel, textrel */
	};
	size_t i;

	for (i = 0; i < sizeof(encs); i++) {
		uint8_t enc = encs[i];
		struct buf b = { .n = 0 };
		/* pc above every base: unsigned formats hold no negative distance */
		uint64_t vaddr = 0x2000, pc = 0x6000;
		uint64_t base = (enc & 0x70) == 0x20 ? 0x1000 : (enc & 0x70) == 0x30 ? 0x3000 : 0;
		struct cfi_section sec = { .vaddr = vaddr, .text_vaddr = 0x1000, .data_vaddr = 0x3000 };
		struct rows rs = { .n = 0 };
		size_t at;

		at = cie(&b, "zR", &enc, 1, false, 1);
		fde_with_encoding(&b, at, enc, vaddr, pc, base);
		u32(&b, 0); /* terminator */
		sec.data = b.b;
		sec.size = b.n;
		cr_assert_eq(eh_frame__parse(&sec, collect, &rs, NULL), 1, "encoding 0x%02x", enc);
		assert_fp_rows(&rs, pc);
	}
}

Test(eh_frame, indirect_pc_begin_is_skipped_not_followed)
{
	uint8_t enc = 0x9b; /* indirect | pcrel | sdata4 */
	struct buf b = { .n = 0 };
	struct cfi_section sec = { .vaddr = 0x2000 };
	struct cfi_stats st;
	struct rows rs = { .n = 0 };
	size_t at = cie(&b, "zR", &enc, 1, false, 1);

	fde_with_encoding(&b, at, 0x1b, 0x2000, 0x1200, 0); /* written plain */
	sec.data = b.b;
	sec.size = b.n;
	cr_assert_eq(eh_frame__parse(&sec, collect, &rs, &st), 0);
	cr_assert_eq(rs.n, 0);
	cr_assert_eq(st.fdes, 1);
	cr_assert_eq(st.bad_fdes, 1);
}

Test(eh_frame, zPLR_personality_and_lsda_are_skipped)
{
	/* P: indirect pcrel sdata4 personality; L: LSDA pcrel sdata4; R */
	uint8_t aug[] = { 0x9b, 0x11, 0x22, 0x33, 0x44, 0x1b, 0x1b };
	struct buf b = { .n = 0 };
	struct cfi_section sec = { .vaddr = 0x4000 };
	struct rows rs = { .n = 0 };
	size_t at = cie(&b, "zPLR", aug, sizeof(aug), false, 1), fde;
	uint64_t field;

	fde = begin_record(&b);
	u32(&b, b.n - at);
	field = sec.vaddr + b.n;
	u32(&b, (uint32_t)(0x1500 - field));
	u32(&b, 0x40);
	uleb(&b, 4);	     /* augmentation data: the LSDA pointer */
	u32(&b, 0xdeadbeef);
	fp_program(&b);
	end_record(&b, fde);
	sec.data = b.b;
	sec.size = b.n;
	cr_assert_eq(eh_frame__parse(&sec, collect, &rs, NULL), 1);
	assert_fp_rows(&rs, 0x1500);
	cr_assert_not(rs.r[0].signal_frame);
}

Test(eh_frame, signal_frame_augmentation)
{
	uint8_t enc = 0x1b;
	struct buf b = { .n = 0 };
	struct cfi_section sec = { .vaddr = 0x2000 };
	struct rows rs = { .n = 0 };
	struct unwind_segment seg = { 0, 0, 0x10000 };
	struct unwind_table t;
	size_t at = cie(&b, "zRS", &enc, 1, false, 1);

	fde_with_encoding(&b, at, enc, 0x2000, 0x6000, 0);
	sec.data = b.b;
	sec.size = b.n;
	cr_assert_eq(eh_frame__parse(&sec, collect, &rs, NULL), 1);
	cr_assert(rs.r[0].signal_frame);
	/* a signal frame's return address is no call site: not followed */
	cr_assert_eq(unwind_table__build(&sec, 1, &seg, 1, &t), 0);
	cr_assert_eq(unwind_table__find(t.rows, t.nrows, 0x6010)->kind, MT_ROW_UNSUPPORTED);
	unwind_table__free(&t);
}

/* .debug_frame: CIE id ~0, CIE pointer from the section's start, absolute
 * addresses; versions 3 and 4. */
Test(eh_frame, debug_frame_versions_3_and_4)
{
	uint8_t v;

	for (v = 3; v <= 4; v++) {
		struct buf b = { .n = 0 };
		struct cfi_section sec = { .debug_frame = true };
		struct rows rs = { .n = 0 };
		size_t at, fde;

		at = cie(&b, "", NULL, 0, true, v);
		fde = begin_record(&b);
		u32(&b, at);
		u64(&b, 0x7000);
		u64(&b, 0x40);
		fp_program(&b);
		end_record(&b, fde);
		sec.data = b.b;
		sec.size = b.n;
		cr_assert_eq(eh_frame__parse(&sec, collect, &rs, NULL), 1, "version %u", v);
		assert_fp_rows(&rs, 0x7000);
	}
}

/* The opcodes gcc and glibc's assembly use, one program. */
Test(eh_frame, cfa_opcodes)
{
	uint8_t enc = 0x03; /* udata4: absolute */
	struct buf b = { .n = 0 };
	struct cfi_section sec = { .vaddr = 0 };
	struct rows rs = { .n = 0 };
	size_t at = cie(&b, "zR", &enc, 1, false, 1), fde;

	fde = begin_record(&b);
	u32(&b, b.n - at);
	u32(&b, 0x1000);
	u32(&b, 0x10000);
	uleb(&b, 0);
	u8(&b, 0x40 | 1);	/* 0x1001: push rbp */
	u8(&b, 0x0e); uleb(&b, 16);
	u8(&b, 0x11); uleb(&b, 6); sleb(&b, 2); /* offset_extended_sf rbp, 2*-8 */
	u8(&b, 0x0a);		/* remember_state */
	u8(&b, 0x03); u16(&b, 0x100); /* advance_loc2: 0x1101 */
	u8(&b, 0x0c); uleb(&b, 6); uleb(&b, 16); /* def_cfa rbp, 16 */
	u8(&b, 0x04); u32(&b, 0x1000); /* advance_loc4: 0x2101 */
	u8(&b, 0x0b);		/* restore_state: rsp+16 again */
	u8(&b, 0xc0 | 6);	/* restore rbp: unchanged (CIE) */
	u8(&b, 0x40 | 1);	/* 0x2102 */
	u8(&b, 0x05); uleb(&b, 6); uleb(&b, 3); /* offset_extended rbp, 3*-8 */
	u8(&b, 0x2e); uleb(&b, 16); /* GNU_args_size: ignored */
	u8(&b, 0x40 | 1);	/* 0x2103 */
	u8(&b, 0x08); uleb(&b, 6); /* same_value rbp */
	u8(&b, 0x09); uleb(&b, 3); uleb(&b, 4); /* register rbx in rsi: not ours */
	u8(&b, 0x40 | 1);	/* 0x2104 */
	u8(&b, 0x0f); uleb(&b, 2); u8(&b, 0x77); u8(&b, 0x08); /* def_cfa_expression */
	u8(&b, 0x40 | 1);	/* 0x2105 */
	u8(&b, 0x0c); uleb(&b, 7); uleb(&b, 8); /* def_cfa rsp, 8 */
	u8(&b, 0x07); uleb(&b, 16); /* undefined RA: outermost */
	u8(&b, 0);		/* nop */
	end_record(&b, fde);
	sec.data = b.b;
	sec.size = b.n;
	cr_assert_eq(eh_frame__parse(&sec, collect, &rs, NULL), 1);
	cr_assert_eq(rs.n, 8, "%zu rows", rs.n);
	cr_assert_eq(rs.r[1].pc, 0x1001);
	cr_assert_eq(rs.r[1].rbp.off, -16);
	cr_assert_eq(rs.r[2].pc, 0x1101);
	cr_assert_eq(rs.r[2].cfa_reg, CFI_REG_RBP);
	cr_assert_eq(rs.r[3].pc, 0x2101);
	cr_assert_eq(rs.r[3].cfa_reg, CFI_REG_RSP);
	cr_assert_eq(rs.r[3].cfa_off, 16);
	cr_assert_eq(rs.r[3].rbp.kind, CFI_RULE_SAME);
	cr_assert_eq(rs.r[4].rbp.off, -24);
	cr_assert_eq(rs.r[5].rbp.kind, CFI_RULE_SAME);
	cr_assert_eq(rs.r[5].end, 0x2104);
	cr_assert_eq(rs.r[6].cfa_kind, CFI_CFA_EXPR);
	cr_assert_eq(rs.r[6].pc, 0x2104);
	cr_assert_eq(rs.r[6].end, 0x2105);
	cr_assert_eq(rs.r[7].cfa_kind, CFI_CFA_REG);
	cr_assert_eq(rs.r[7].ra.kind, CFI_RULE_UNDEFINED);
	cr_assert_eq(rs.r[7].end, 0x11000);
	/* the last state runs to the FDE's end with an undefined RA */
	{
		struct unwind_segment seg = { 0, 0, 0x100000 };
		struct unwind_table t;

		cr_assert_eq(unwind_table__build(&sec, 1, &seg, 1, &t), 0);
		cr_assert_eq(unwind_table__find(t.rows, t.nrows, 0x1000)->kind, MT_ROW_CFA_RSP);
		cr_assert_eq(unwind_table__find(t.rows, t.nrows, 0x1000)->cfa_off8, 1);
		cr_assert_eq(unwind_table__find(t.rows, t.nrows, 0x1500)->kind, MT_ROW_CFA_RBP);
		cr_assert_eq(unwind_table__find(t.rows, t.nrows, 0x1500)->rbp_off8, -2);
		cr_assert_eq(unwind_table__find(t.rows, t.nrows, 0x2102)->rbp_off8, -3);
		cr_assert_eq(unwind_table__find(t.rows, t.nrows, 0x2104)->kind, MT_ROW_UNSUPPORTED);
		cr_assert_eq(unwind_table__find(t.rows, t.nrows, 0x3000)->kind, MT_ROW_END);
		cr_assert_eq(unwind_table__find(t.rows, t.nrows, 0x11000)->kind, MT_ROW_NONE);
		cr_assert_null(unwind_table__find(t.rows, t.nrows, 0xfff));
		unwind_table__free(&t);
	}
}

Test(eh_frame, restore_state_without_remember_skips_the_fde)
{
	uint8_t enc = 0x03;
	struct buf b = { .n = 0 };
	struct cfi_section sec = { .vaddr = 0 };
	struct cfi_stats st;
	struct rows rs = { .n = 0 };
	size_t at = cie(&b, "zR", &enc, 1, false, 1), fde;

	fde = begin_record(&b);
	u32(&b, b.n - at);
	u32(&b, 0x1000);
	u32(&b, 0x100);
	uleb(&b, 0);
	u8(&b, 0x0b);
	end_record(&b, fde);
	sec.data = b.b;
	sec.size = b.n;
	cr_assert_eq(eh_frame__parse(&sec, collect, &rs, &st), 0);
	cr_assert_eq(st.bad_fdes, 1);
}

/* Every prefix and many byte flips of a real section: no crash, no
 * read outside (run under ASan by the fuzzers), rows well formed. */
static int check_row(const struct cfi_row *row, void *ctx)
{
	(void)ctx;
	cr_assert_lt(row->pc, row->end);
	return 0;
}

static uint8_t *read_section(const char *path, const char *name, size_t *size, uint64_t *vaddr)
{
	char cmd[512], line[512];
	uint64_t addr = 0, off = 0, sz = 0;
	uint8_t *data;
	FILE *p;
	int fd;

	/* the section's place from readelf, its bytes straight from the file */
	snprintf(cmd, sizeof(cmd), "readelf -SW '%s'", path);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	while (fgets(line, sizeof(line), p)) {
		char *s = strstr(line, name);

		if (s && s[strlen(name)] == ' ')
			sscanf(s + strlen(name), " %*s %lx %lx %lx", &addr, &off, &sz);
	}
	pclose(p);
	cr_assert_gt(sz, 0, "%s has no %s", path, name);
	data = malloc(sz);
	fd = open(path, O_RDONLY);
	cr_assert_eq(pread(fd, data, sz, off), (ssize_t)sz);
	close(fd);
	*size = sz;
	*vaddr = addr;
	return data;
}

static char *fixture(const char *name)
{
	char *p;

	cr_assert(asprintf(&p, "%s/%s", getenv("MT_FIXTURES"), name) > 0);
	return p;
}

Test(eh_frame, truncated_and_flipped_input_is_handled)
{
	char *path = fixture("unwind_nofp");
	struct cfi_section sec = { 0 };
	uint64_t vaddr;
	size_t size, i;
	uint8_t *data = read_section(path, ".eh_frame", &size, &vaddr);
	uint8_t *copy = malloc(size);

	for (i = 0; i <= size; i++) {
		memcpy(copy, data, i);
		sec = (struct cfi_section){ .data = copy, .size = i, .vaddr = vaddr };
		cr_assert_geq(eh_frame__parse(&sec, check_row, NULL, NULL), -EINVAL);
	}
	srand(7);
	for (i = 0; i < 20000; i++) {
		memcpy(copy, data, size);
		copy[rand() % size] ^= 1 << (rand() % 8);
		copy[rand() % size] = rand();
		sec = (struct cfi_section){ .data = copy, .size = size, .vaddr = vaddr };
		cr_assert_geq(eh_frame__parse(&sec, check_row, NULL, NULL), -EINVAL);
	}
	free(copy);
	free(data);
	free(path);
}

/* ---- tables of programs the build produced ----------------------------- */

static void load(const char *name, struct unwind_table *t, struct elf_file **ef)
{
	char *path = fixture(name);
	int fd = open(path, O_RDONLY);

	cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
	cr_assert_eq(unwind_table__from_fd(fd, t), 0);
	close(fd);
	cr_assert_eq(elf_file__open(path, ef), 0);
	free(path);
}

static const struct mt_unwind_row *row_at(const struct unwind_table *t, struct elf_file *ef,
					  const char *func, uint64_t delta)
{
	const struct elf_sym *s = elf_file__find_func(ef, func);
	uint64_t off;

	cr_assert_not_null(s, "no %s", func);
	cr_assert_eq(elf_file__vaddr_to_offset(ef, s->vaddr + delta, &off), 0);
	return unwind_table__find(t->rows, t->nrows, off);
}

Test(eh_frame, program_without_frame_pointers)
{
	struct unwind_table t;
	struct elf_file *ef;
	const struct mt_unwind_row *r;
	const struct elf_sym *big;

	load("unwind_nofp", &t, &ef);
	cr_assert_str_eq(t.source, ".eh_frame");
	cr_assert_not(t.has_fp);
	cr_assert_geq(t.nfdes, 4);
	cr_assert_eq(t.nbad_fdes, 0);
	/* at every function's first byte: CFA = rsp+8, rbp untouched */
	r = row_at(&t, ef, "unwind_mid", 0);
	cr_assert_eq(r->kind, MT_ROW_CFA_RSP);
	cr_assert_eq(r->cfa_off8, 1);
	cr_assert_eq(r->rbp_off8, 0);
	/* inside unwind_big: a frame of more than 40000 bytes, off rsp */
	big = elf_file__find_func(ef, "unwind_big");
	r = row_at(&t, ef, "unwind_big", big->size / 2);
	cr_assert_eq(r->kind, MT_ROW_CFA_RSP);
	cr_assert_gt(r->cfa_off8 * 8, 40000);
	/* _start: the outermost frame */
	cr_assert_eq(row_at(&t, ef, "_start", 1)->kind, MT_ROW_END);
	/* rows are sorted with unique pcs */
	for (size_t i = 1; i < t.nrows; i++)
		cr_assert_lt(t.rows[i - 1].pc, t.rows[i].pc);
	elf_file__close(ef);
	unwind_table__free(&t);
}

Test(eh_frame, program_with_frame_pointers)
{
	struct unwind_table t;
	struct elf_file *ef;
	const struct elf_sym *mid;
	const struct mt_unwind_row *r;

	load("unwind_fp", &t, &ef);
	cr_assert(t.has_fp);
	mid = elf_file__find_func(ef, "unwind_mid");
	/* past push rbp; mov rsp,rbp: CFA = rbp+16, rbp saved at CFA-16 */
	r = row_at(&t, ef, "unwind_mid", mid->size / 2);
	cr_assert_eq(r->kind, MT_ROW_CFA_RBP);
	cr_assert_eq(r->cfa_off8, 2);
	cr_assert_eq(r->rbp_off8, -2);
	elf_file__close(ef);
	unwind_table__free(&t);
}

Test(eh_frame, debug_frame_alone_describes_the_program)
{
	struct unwind_table t;
	struct elf_file *ef;
	const struct elf_sym *big;
	const struct mt_unwind_row *r;

	load("unwind_debug_frame", &t, &ef);
	cr_assert_str_eq(t.source, ".eh_frame+.debug_frame");
	big = elf_file__find_func(ef, "unwind_big");
	r = row_at(&t, ef, "unwind_big", big->size / 2);
	cr_assert_eq(r->kind, MT_ROW_CFA_RSP);
	cr_assert_gt(r->cfa_off8 * 8, 40000);
	elf_file__close(ef);
	unwind_table__free(&t);
}

Test(eh_frame, host_libc_lacks_frame_pointers)
{
	struct unwind_table t;
	int fd = open("/lib/x86_64-linux-gnu/libc.so.6", O_RDONLY);

	cr_assert_geq(fd, 0);
	cr_assert_eq(unwind_table__from_fd(fd, &t), 0);
	close(fd);
	cr_assert_not(t.has_fp);
	cr_assert_gt(t.nfdes, 1000);
	cr_assert_eq(t.nbad_fdes, 0);
	unwind_table__free(&t);
}

Test(eh_frame, not_an_elf)
{
	struct unwind_table t;
	int fd = open("/proc/self/status", O_RDONLY);

	cr_assert_eq(unwind_table__from_fd(fd, &t), -ENOEXEC);
	close(fd);
}
