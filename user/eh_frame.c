// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* CIE/FDE parsing and the CFA-program interpreter (DWARF 5 section 6.4,
 * and the LSB's .eh_frame rules). Only the CFA, the return address and
 * rbp are tracked: the other registers' rules are parsed and dropped, as
 * the unwinder in BPF needs no more. Every read is bounds-checked against
 * the buffer; anything malformed inside an FDE skips that FDE. */
#include <errno.h>
#include <string.h>
#include "eh_frame.h"

/* DW_EH_PE_* pointer encodings */
#define PE_OMIT 0xff
#define PE_FORMAT 0x0f
#define PE_ABSPTR 0x00
#define PE_ULEB128 0x01
#define PE_UDATA2 0x02
#define PE_UDATA4 0x03
#define PE_UDATA8 0x04
#define PE_SLEB128 0x09
#define PE_SDATA2 0x0a
#define PE_SDATA4 0x0b
#define PE_SDATA8 0x0c
#define PE_APPL 0x70
#define PE_PCREL 0x10
#define PE_TEXTREL 0x20
#define PE_DATAREL 0x30
#define PE_FUNCREL 0x40
#define PE_ALIGNED 0x50
#define PE_INDIRECT 0x80

#define MAX_STATE_DEPTH 16	/* nested remember_state: gcc uses one or two */
#define MAX_CIES 64		/* distinct CIEs remembered (a file has a handful) */

struct cursor {
	const uint8_t *p, *end;
	const uint8_t *base;	/* data[0], for pcrel addresses */
	bool bad;
};

static uint64_t read_bytes(struct cursor *c, size_t n)
{
	uint64_t v = 0;
	size_t i;

	if (c->bad || (size_t)(c->end - c->p) < n) {
		c->bad = true;
		return 0;
	}
	for (i = 0; i < n && i < 8; i++)
		v |= (uint64_t)c->p[i] << (8 * i);
	c->p += n;
	return v;
}

/* Skips n bytes (a block), or marks the cursor bad past its end. */
static void skip(struct cursor *c, uint64_t n)
{
	if (c->bad || (uint64_t)(c->end - c->p) < n)
		c->bad = true;
	else
		c->p += n;
}

/* LEB128: 7 bits a byte, low first; *bits gets how many were read and
 * *last the final byte (its bit 6 is the sign of a signed value). */
static uint64_t read_leb(struct cursor *c, unsigned *bits, uint8_t *last)
{
	uint64_t v = 0;
	unsigned shift = 0;
	uint8_t b = 0;

	while (!c->bad) {
		if (c->p >= c->end) {
			c->bad = true;
			return 0;
		}
		b = *c->p++;
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			break;
	}
	*bits = shift;
	*last = b;
	return v;
}

static uint64_t read_uleb(struct cursor *c)
{
	unsigned bits;
	uint8_t last;

	return read_leb(c, &bits, &last);
}

static int64_t read_sleb(struct cursor *c)
{
	unsigned bits = 0;
	uint8_t last = 0;
	uint64_t v = read_leb(c, &bits, &last);

	if (bits < 64 && (last & 0x40))
		v |= ~0ULL << bits;
	return (int64_t)v;
}

struct encoding_ctx {
	const struct cfi_section *sec;
	uint64_t func_start;	/* funcrel base: the FDE's pc_begin, once known */
};

/* Reads a value of encoding enc. *indirect is set when the value is the
 * address of the pointer, not the pointer (the caller decides whether it
 * matters: it does for pc_begin, not for a personality routine). */
static uint64_t read_encoded(struct cursor *c, uint8_t enc, const struct encoding_ctx *ec,
			     bool *indirect)
{
	uint64_t field_vaddr = ec->sec->vaddr + (uint64_t)(c->p - c->base);
	uint64_t v, base = 0;

	if (indirect)
		*indirect = false;
	if (enc == PE_OMIT)
		return 0;
	switch (enc & PE_APPL) {
	case 0:
		break;
	case PE_PCREL:
		base = field_vaddr;
		break;
	case PE_TEXTREL:
		base = ec->sec->text_vaddr;
		break;
	case PE_DATAREL:
		base = ec->sec->data_vaddr;
		break;
	case PE_FUNCREL:
		base = ec->func_start;
		break;
	case PE_ALIGNED: {
		size_t off = (size_t)(c->p - c->base), pad = (8 - off % 8) % 8;

		skip(c, pad);
		break;
	}
	default:
		c->bad = true;
		return 0;
	}
	switch (enc & PE_FORMAT) {
	case PE_ABSPTR: v = read_bytes(c, 8); break;
	case PE_ULEB128: v = read_uleb(c); break;
	case PE_UDATA2: v = read_bytes(c, 2); break;
	case PE_UDATA4: v = read_bytes(c, 4); break;
	case PE_UDATA8: v = read_bytes(c, 8); break;
	case PE_SLEB128: v = (uint64_t)read_sleb(c); break;
	case PE_SDATA2: v = (uint64_t)(int64_t)(int16_t)read_bytes(c, 2); break;
	case PE_SDATA4: v = (uint64_t)(int64_t)(int32_t)read_bytes(c, 4); break;
	case PE_SDATA8: v = read_bytes(c, 8); break;
	default:
		c->bad = true;
		return 0;
	}
	if ((enc & PE_INDIRECT) && indirect)
		*indirect = true;
	return v + base;
}

struct cie {
	size_t offset;		/* of its length field in the section */
	uint64_t code_align;
	int64_t data_align;
	uint32_t ra_reg;
	uint8_t fde_enc;	/* pointer encoding of FDE addresses */
	bool has_z;		/* FDEs carry augmentation data with a length */
	bool signal_frame;
	uint8_t addr_size;	/* .debug_frame v4: address size */
	const uint8_t *insns, *insns_end;
};

/* The rules the interpreter keeps: CFA, and the two registers we use. */
struct cfa_state {
	enum cfi_cfa_kind cfa_kind;
	uint32_t cfa_reg;
	int64_t cfa_off;
	struct cfi_rule ra, rbp;
};

struct interp {
	const struct cie *cie;
	struct cfa_state cur, initial;
	struct cfa_state stack[MAX_STATE_DEPTH];
	unsigned depth;
	uint64_t loc, end, fde_pc;
	cfi_row_fn fn;
	void *ctx;
	int stop;		/* fn's nonzero result */
};

static struct cfi_rule *rule_of(struct cfa_state *s, const struct cie *cie, uint64_t reg)
{
	if (reg == cie->ra_reg)
		return &s->ra;
	if (reg == CFI_REG_RBP)
		return &s->rbp;
	return NULL; /* a register the unwinder does not restore */
}

/* factored * data_align; false when a hostile CIE or FDE makes it
 * overflow (signed overflow is undefined: never computed) */
static bool scaled(const struct interp *in, int64_t factored, int64_t *out)
{
	return !__builtin_mul_overflow(factored, in->cie->data_align, out);
}

/* reg is saved at CFA + factored * data_align (when it is one we track);
 * an offset that does not fit is a rule the unwinder cannot follow */
static void set_saved(struct interp *in, uint64_t reg, int64_t factored)
{
	struct cfi_rule *r = rule_of(&in->cur, in->cie, reg);
	int64_t off;

	if (!r)
		return;
	if (scaled(in, factored, &off))
		*r = (struct cfi_rule){ CFI_RULE_OFFSET, off };
	else
		*r = (struct cfi_rule){ CFI_RULE_OTHER, 0 };
}

/* CFA = cfa_reg + factored * data_align; one that does not fit cannot be
 * followed either */
static void set_cfa_sf(struct interp *in, int64_t factored)
{
	int64_t off;

	if (scaled(in, factored, &off)) {
		in->cur.cfa_off = off;
	} else {
		in->cur.cfa_off = 0;
		in->cur.cfa_kind = CFI_CFA_EXPR;
	}
}

static void set_rule(struct interp *in, uint64_t reg, enum cfi_rule_kind kind)
{
	struct cfi_rule *r = rule_of(&in->cur, in->cie, reg);

	if (r)
		*r = (struct cfi_rule){ kind, 0 };
}

/* DW_CFA_restore: back to the CIE's rule */
static void restore(struct interp *in, uint64_t reg)
{
	struct cfi_rule *r = rule_of(&in->cur, in->cie, reg);

	if (r)
		*r = *rule_of(&in->initial, in->cie, reg);
}

static void emit(struct interp *in, uint64_t upto)
{
	struct cfi_row row;

	if (in->stop || upto <= in->loc)
		return;
	if (upto > in->end)
		upto = in->end;
	if (upto <= in->loc)
		return;
	row = (struct cfi_row){
		.pc = in->loc, .end = upto, .fde_pc = in->fde_pc,
		.cfa_kind = in->cur.cfa_kind, .cfa_reg = in->cur.cfa_reg,
		.cfa_off = in->cur.cfa_off, .ra = in->cur.ra, .rbp = in->cur.rbp,
		.signal_frame = in->cie->signal_frame,
	};
	in->stop = in->fn(&row, in->ctx);
}

static void advance(struct interp *in, uint64_t delta)
{
	uint64_t step, to;

	/* wrapped: past any FDE's end */
	if (__builtin_mul_overflow(delta, in->cie->code_align, &step) ||
	    __builtin_add_overflow(in->loc, step, &to))
		to = in->end;
	emit(in, to);
	in->loc = to;
}

/* Runs one CFA program. emit_rows is false for a CIE's initial
 * instructions. Returns 0, or -EINVAL on an opcode it cannot parse. */
static int run_program(struct interp *in, struct cursor *c, const struct encoding_ctx *ec,
		       bool emit_rows)
{
	const struct cie *cie = in->cie;

	while (!c->bad && c->p < c->end && !in->stop && in->loc < in->end) {
		uint8_t op = *c->p++;
		uint8_t low = op & 0x3f;
		uint64_t reg, v;

		switch (op >> 6) {
		case 1: /* DW_CFA_advance_loc */
			if (!emit_rows)
				return -EINVAL;
			advance(in, low);
			continue;
		case 2: /* DW_CFA_offset */
			set_saved(in, low, (int64_t)read_uleb(c));
			continue;
		case 3: /* DW_CFA_restore */
			restore(in, low);
			continue;
		}
		switch (op) {
		case 0x00: /* DW_CFA_nop */
			break;
		case 0x01: /* DW_CFA_set_loc */
			v = read_encoded(c, cie->fde_enc, ec, NULL);
			if (!emit_rows || c->bad || v < in->loc)
				return -EINVAL;
			emit(in, v);
			in->loc = v;
			break;
		case 0x02: /* DW_CFA_advance_loc1 */
		case 0x03: /* DW_CFA_advance_loc2 */
		case 0x04: /* DW_CFA_advance_loc4 */
			v = read_bytes(c, op == 0x02 ? 1 : op == 0x03 ? 2 : 4);
			if (!emit_rows || c->bad)
				return -EINVAL;
			advance(in, v);
			break;
		case 0x05: /* DW_CFA_offset_extended */
			reg = read_uleb(c);
			set_saved(in, reg, (int64_t)read_uleb(c));
			break;
		case 0x11: /* DW_CFA_offset_extended_sf */
			reg = read_uleb(c);
			set_saved(in, reg, read_sleb(c));
			break;
		case 0x2f: /* DW_CFA_GNU_negative_offset_extended */
			reg = read_uleb(c);
			v = read_uleb(c);
			/* -v, when it fits in 64 bits */
			if (v > (uint64_t)INT64_MAX + 1)
				set_rule(in, reg, CFI_RULE_OTHER);
			else
				set_saved(in, reg, (int64_t)(0 - v));
			break;
		case 0x06: /* DW_CFA_restore_extended */
			restore(in, read_uleb(c));
			break;
		case 0x07: /* DW_CFA_undefined */
			set_rule(in, read_uleb(c), CFI_RULE_UNDEFINED);
			break;
		case 0x08: /* DW_CFA_same_value */
			set_rule(in, read_uleb(c), CFI_RULE_SAME);
			break;
		case 0x09: /* DW_CFA_register */
			reg = read_uleb(c);
			read_uleb(c);
			set_rule(in, reg, CFI_RULE_OTHER);
			break;
		case 0x0a: /* DW_CFA_remember_state */
			if (in->depth >= MAX_STATE_DEPTH)
				return -EINVAL;
			in->stack[in->depth++] = in->cur;
			break;
		case 0x0b: /* DW_CFA_restore_state: the CFA comes back too (gcc relies on it) */
			if (!in->depth)
				return -EINVAL;
			in->cur = in->stack[--in->depth];
			break;
		case 0x0c: /* DW_CFA_def_cfa */
			in->cur.cfa_reg = read_uleb(c);
			in->cur.cfa_off = (int64_t)read_uleb(c);
			in->cur.cfa_kind = CFI_CFA_REG;
			break;
		case 0x12: /* DW_CFA_def_cfa_sf */
			in->cur.cfa_reg = read_uleb(c);
			in->cur.cfa_kind = CFI_CFA_REG;
			set_cfa_sf(in, read_sleb(c));
			break;
		case 0x0d: /* DW_CFA_def_cfa_register */
			in->cur.cfa_reg = read_uleb(c);
			break;
		case 0x0e: /* DW_CFA_def_cfa_offset */
			in->cur.cfa_off = (int64_t)read_uleb(c);
			break;
		case 0x13: /* DW_CFA_def_cfa_offset_sf */
			set_cfa_sf(in, read_sleb(c));
			break;
		case 0x0f: /* DW_CFA_def_cfa_expression (the PLT) */
			skip(c, read_uleb(c));
			in->cur.cfa_kind = CFI_CFA_EXPR;
			break;
		case 0x10: /* DW_CFA_expression */
		case 0x16: /* DW_CFA_val_expression */
			reg = read_uleb(c);
			skip(c, read_uleb(c));
			set_rule(in, reg, CFI_RULE_OTHER);
			break;
		case 0x14: /* DW_CFA_val_offset */
		case 0x15: /* DW_CFA_val_offset_sf */
			reg = read_uleb(c);
			if (op == 0x14)
				read_uleb(c);
			else
				read_sleb(c);
			set_rule(in, reg, CFI_RULE_OTHER);
			break;
		case 0x2e: /* DW_CFA_GNU_args_size */
			read_uleb(c);
			break;
		default:
			return -EINVAL;
		}
	}
	return c->bad ? -EINVAL : 0;
}

/* Parses the CIE whose length field is at off. 0 or -EINVAL. */
static int parse_cie(const struct cfi_section *sec, size_t off, struct cie *cie)
{
	struct cursor c = { sec->data + off, sec->data + sec->size, sec->data, false };
	struct encoding_ctx ec = { sec, 0 };
	const char *aug;
	uint64_t len, id;
	size_t aug_len;
	uint8_t version;
	bool dwarf64 = false;
	const char *a;

	memset(cie, 0, sizeof(*cie));
	cie->offset = off;
	cie->fde_enc = PE_ABSPTR;
	cie->addr_size = 8;
	len = read_bytes(&c, 4);
	if (len == 0xffffffff) {
		len = read_bytes(&c, 8);
		dwarf64 = true;
	}
	if (c.bad || len > (uint64_t)(c.end - c.p) || len == 0)
		return -EINVAL;
	c.end = c.p + len;
	id = read_bytes(&c, dwarf64 ? 8 : 4);
	if (sec->debug_frame ? id != (dwarf64 ? ~0ULL : 0xffffffffULL) : id != 0)
		return -EINVAL;
	version = read_bytes(&c, 1);
	if (version != 1 && version != 3 && version != 4)
		return -EINVAL;
	aug = (const char *)c.p;
	aug_len = strnlen(aug, c.end - c.p);
	if (c.bad || aug_len == (size_t)(c.end - c.p))
		return -EINVAL;
	c.p += aug_len + 1;
	if (version == 4) {
		cie->addr_size = read_bytes(&c, 1);
		read_bytes(&c, 1); /* segment selector size */
		if (cie->addr_size != 8 && cie->addr_size != 4)
			return -EINVAL;
		if (cie->addr_size == 4)
			cie->fde_enc = PE_UDATA4;
	}
	cie->code_align = read_uleb(&c);
	cie->data_align = read_sleb(&c);
	cie->ra_reg = version == 1 ? read_bytes(&c, 1) : read_uleb(&c);
	if (c.bad || cie->code_align == 0)
		return -EINVAL;
	if (aug[0] == 'z') {
		uint64_t zlen = read_uleb(&c);
		const uint8_t *zend;

		if (c.bad || zlen > (uint64_t)(c.end - c.p))
			return -EINVAL;
		zend = c.p + zlen;
		cie->has_z = true;
		for (a = aug + 1; *a && c.p < zend; a++) {
			if (*a == 'R') {
				cie->fde_enc = read_bytes(&c, 1);
			} else if (*a == 'L') {
				read_bytes(&c, 1); /* LSDA encoding: only FDEs carry an LSDA */
			} else if (*a == 'P') {
				uint8_t penc = read_bytes(&c, 1);
				bool ind;

				read_encoded(&c, penc, &ec, &ind); /* never dereferenced */
			} else if (*a == 'S') {
				cie->signal_frame = true;
			} else if (*a != 'B') { /* 'B': AArch64 BTI, no data */
				break; /* unknown: the length says where the data ends */
			}
			if (c.bad || c.p > zend)
				return -EINVAL;
		}
		/* 'S' carries no data, so it may come after the data ran out */
		for (; *a; a++)
			cie->signal_frame |= *a == 'S';
		c.p = zend;
	} else if (aug[0] != '\0') {
		return -EINVAL; /* "eh" and the like: data of unknown size */
	}
	cie->insns = c.p;
	cie->insns_end = c.end;
	return 0;
}

static const struct cie *find_cie(const struct cfi_section *sec, size_t off,
				  struct cie *cache, size_t *ncache, struct cfi_stats *st)
{
	size_t i;

	for (i = 0; i < *ncache; i++)
		if (cache[i].offset == off)
			return &cache[i];
	if (*ncache == MAX_CIES) {
		/* more CIEs than expected: reuse the last slot */
		*ncache = MAX_CIES - 1;
	}
	if (parse_cie(sec, off, &cache[*ncache]))
		return NULL;
	st->cies++;
	return &cache[(*ncache)++];
}

/* Runs one FDE (body between cursor c's p and end, after the CIE
 * pointer). 0, or -EINVAL for an FDE to skip; *stop gets fn's nonzero
 * result. */
static int run_fde(const struct cfi_section *sec, const struct cie *cie, struct cursor *c,
		   cfi_row_fn fn, void *ctx, int *stop)
{
	struct encoding_ctx ec = { sec, 0 };
	struct interp in = { .cie = cie, .fn = fn, .ctx = ctx };
	struct cursor ci = { cie->insns, cie->insns_end, sec->data, false };
	uint64_t pc, range;
	bool indirect;
	int err;

	pc = read_encoded(c, cie->fde_enc, &ec, &indirect);
	range = read_encoded(c, cie->fde_enc & PE_FORMAT, &ec, NULL);
	if (c->bad || indirect || range == 0 || pc + range < pc)
		return -EINVAL;
	ec.func_start = pc;
	if (cie->has_z) {
		uint64_t zlen = read_uleb(c);

		if (c->bad || zlen > (uint64_t)(c->end - c->p))
			return -EINVAL;
		c->p += zlen; /* the LSDA pointer: not needed to unwind */
	}
	in.loc = pc;
	in.fde_pc = pc;
	in.end = pc + range;
	/* x86-64's default before any instruction: nothing known */
	in.cur.cfa_kind = CFI_CFA_REG;
	in.cur.cfa_reg = CFI_REG_RSP;
	in.cur.cfa_off = 8;
	in.cur.ra = (struct cfi_rule){ CFI_RULE_SAME, 0 };
	in.cur.rbp = (struct cfi_rule){ CFI_RULE_SAME, 0 };
	err = run_program(&in, &ci, &ec, false);
	if (err)
		return err;
	in.initial = in.cur;
	in.depth = 0;
	err = run_program(&in, c, &ec, true);
	if (!err)
		emit(&in, in.end);
	*stop = in.stop;
	return in.stop ? 0 : err;
}

int eh_frame__parse(const struct cfi_section *sec, cfi_row_fn fn, void *ctx,
		    struct cfi_stats *stats)
{
	struct cie cies[MAX_CIES];
	struct cfi_stats local = { 0 };
	struct cfi_stats *st = stats ? stats : &local;
	size_t off = 0, ncies = 0;
	int nrun = 0;

	memset(st, 0, sizeof(*st));
	if (!sec->data && sec->size)
		return -EINVAL;
	while (off + 4 <= sec->size) {
		struct cursor c = { sec->data + off, sec->data + sec->size, sec->data, false };
		uint64_t len, cie_ptr;
		size_t id_off, next;
		bool dwarf64 = false;
		const struct cie *cie;
		int err, stop = 0;

		len = read_bytes(&c, 4);
		if (len == 0) /* .eh_frame's terminator */
			break;
		if (len == 0xffffffff) {
			len = read_bytes(&c, 8);
			dwarf64 = true;
		}
		if (c.bad || len > (uint64_t)(c.end - c.p))
			return nrun ? nrun : -EINVAL;
		next = (size_t)(c.p - sec->data) + len;
		c.end = c.p + len;
		id_off = (size_t)(c.p - sec->data);
		cie_ptr = read_bytes(&c, dwarf64 ? 8 : 4);
		if (c.bad)
			return nrun ? nrun : -EINVAL;
		if (sec->debug_frame ? cie_ptr == (dwarf64 ? ~0ULL : 0xffffffffULL) : cie_ptr == 0) {
			off = next; /* a CIE: parsed when an FDE names it */
			continue;
		}
		st->fdes++;
		/* .eh_frame: back from this field; .debug_frame: from the start */
		if (sec->debug_frame) {
			if (cie_ptr >= sec->size)
				goto bad;
		} else {
			if (cie_ptr > id_off)
				goto bad;
			cie_ptr = id_off - cie_ptr;
		}
		cie = find_cie(sec, (size_t)cie_ptr, cies, &ncies, st);
		if (!cie)
			goto bad;
		err = run_fde(sec, cie, &c, fn, ctx, &stop);
		if (stop)
			return stop;
		if (err == 0) {
			nrun++;
			off = next;
			continue;
		}
bad:
		st->bad_fdes++;
		off = next;
	}
	return nrun;
}
