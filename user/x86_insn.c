// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* x86-64 instruction decoding (64-bit mode), from the opcode maps of the
 * Intel SDM volume 2 appendix A: which opcodes take a ModRM byte and how
 * big their immediate is. */
#include <errno.h>
#include <string.h>
#include "x86_insn.h"

/* operand table entries: a ModRM flag and an immediate kind */
#define M 0x10		/* has a ModRM byte */
#define B 0x01		/* imm8 / rel8 */
#define W 0x02		/* imm16 */
#define Z 0x03		/* imm32 (imm16 with 66) / rel32 */
#define V 0x04		/* imm64 with REX.W, else like Z (mov r, imm) */
#define O 0x05		/* moffs: 8 bytes (4 with 67) */
#define E 0x06		/* enter: imm16 + imm8 */
#define G 0x07		/* f6/f7: an immediate only for /0 and /1 (test) */
#define X 0xff		/* invalid in 64-bit mode, or not decoded here */
#define IMM(e) ((e) & 0x0f)

static const uint8_t map1[256] = {
	[0x00 ... 0x03] = M, [0x04] = B, [0x05] = Z, [0x06 ... 0x07] = X,
	[0x08 ... 0x0b] = M, [0x0c] = B, [0x0d] = Z, [0x0e] = X,
	[0x10 ... 0x13] = M, [0x14] = B, [0x15] = Z, [0x16 ... 0x17] = X,
	[0x18 ... 0x1b] = M, [0x1c] = B, [0x1d] = Z, [0x1e ... 0x1f] = X,
	[0x20 ... 0x23] = M, [0x24] = B, [0x25] = Z, [0x27] = X,
	[0x28 ... 0x2b] = M, [0x2c] = B, [0x2d] = Z, [0x2f] = X,
	[0x30 ... 0x33] = M, [0x34] = B, [0x35] = Z, [0x37] = X,
	[0x38 ... 0x3b] = M, [0x3c] = B, [0x3d] = Z, [0x3f] = X,
	[0x60 ... 0x62] = X, [0x63] = M,
	[0x68] = Z, [0x69] = M | Z, [0x6a] = B, [0x6b] = M | B,
	[0x70 ... 0x7f] = B,
	[0x80] = M | B, [0x81] = M | Z, [0x82] = X, [0x83] = M | B, [0x84 ... 0x8f] = M,
	[0x9a] = X,
	[0xa0 ... 0xa3] = O, [0xa8] = B, [0xa9] = Z,
	[0xb0 ... 0xb7] = B, [0xb8 ... 0xbf] = V,
	[0xc0 ... 0xc1] = M | B, [0xc2] = W, [0xc4 ... 0xc5] = X, [0xc6] = M | B, [0xc7] = M | Z,
	[0xc8] = E, [0xca] = W, [0xcd] = B, [0xce] = X,
	[0xd0 ... 0xd3] = M, [0xd4 ... 0xd6] = X, [0xd8 ... 0xdf] = M,
	[0xe0 ... 0xe7] = B, [0xe8 ... 0xe9] = Z, [0xea] = X, [0xeb] = B,
	[0xf6] = M | G, [0xf7] = M | G, [0xfe ... 0xff] = M,
};

static const uint8_t map0f[256] = {
	[0x00 ... 0x03] = M, [0x04] = X, [0x0a] = X, [0x0c] = X, [0x0d] = M, [0x0f] = X,
	[0x10 ... 0x23] = M, [0x24 ... 0x27] = X, [0x28 ... 0x2f] = M,
	[0x36] = X, [0x38 ... 0x3f] = X, /* 38, 3a: three-byte maps, handled before */
	[0x40 ... 0x6f] = M, [0x70 ... 0x73] = M | B, [0x74 ... 0x76] = M,
	[0x78 ... 0x79] = M, [0x7a ... 0x7b] = X, [0x7c ... 0x7f] = M,
	[0x80 ... 0x8f] = Z, [0x90 ... 0x9f] = M,
	[0xa3] = M, [0xa4] = M | B, [0xa5] = M, [0xa6 ... 0xa7] = X, [0xab] = M,
	[0xac] = M | B, [0xad ... 0xb9] = M, [0xba] = M | B, [0xbb ... 0xc1] = M,
	[0xc2] = M | B, [0xc3] = M, [0xc4 ... 0xc6] = M | B, [0xc7] = M,
	[0xd0 ... 0xff] = M,
};

static bool is_legacy_prefix(uint8_t b)
{
	switch (b) {
	case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
	case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
		return true;
	}
	return false;
}

bool x86_insn__has_prefix(const struct x86_insn *in, uint8_t p)
{
	return memchr(in->prefixes, p, in->nprefixes) != NULL;
}

/* ModRM, SIB and displacement at code[*i]; advances *i. */
static int decode_modrm(const uint8_t *code, size_t n, size_t *i, struct x86_insn *in)
{
	uint8_t b, rex_r = in->rex & 4 ? 8 : 0, rex_x = in->rex & 2 ? 8 : 0, rex_b = in->rex & 1 ? 8 : 0;
	size_t disp = 0;

	if (*i >= n)
		return -EINVAL;
	b = code[(*i)++];
	in->has_modrm = true;
	in->mod = b >> 6;
	in->reg = ((b >> 3) & 7) | rex_r;
	in->rm = (b & 7) | rex_b;
	in->base = in->index = X86_NOREG;
	if (in->mod == 3)
		return 0;
	if ((b & 7) == 4) {
		uint8_t sib;

		if (*i >= n)
			return -EINVAL;
		sib = code[(*i)++];
		in->has_sib = true;
		if ((((sib >> 3) & 7) | rex_x) != X86_RSP)
			in->index = ((sib >> 3) & 7) | rex_x;
		if ((sib & 7) == 5 && in->mod == 0)
			disp = 4;
		else
			in->base = (sib & 7) | rex_b;
	} else if ((b & 7) == 5 && in->mod == 0) {
		in->rip_relative = true;
		disp = 4;
	} else {
		in->base = in->rm;
	}
	if (in->mod == 1)
		disp = 1;
	else if (in->mod == 2)
		disp = 4;
	if (*i + disp > n)
		return -EINVAL;
	if (disp == 1)
		in->disp = (int8_t)code[*i];
	else if (disp == 4)
		in->disp = (int32_t)(code[*i] | code[*i + 1] << 8 | code[*i + 2] << 16 |
				     (uint32_t)code[*i + 3] << 24);
	*i += disp;
	return 0;
}

static int decode_imm(const uint8_t *code, size_t n, size_t *i, size_t size, struct x86_insn *in)
{
	uint64_t v = 0;
	size_t k;

	if (*i + size > n)
		return -EINVAL;
	for (k = 0; k < size; k++)
		v |= (uint64_t)code[*i + k] << (8 * k);
	if (size && size < 8 && (v >> (8 * size - 1)) & 1)
		v |= ~0ull << (8 * size); /* sign-extend */
	in->imm = (int64_t)v;
	in->imm_size = size;
	*i += size;
	return 0;
}

/* VEX (c4/c5): map and REX-like bits from the prefix, then opcode and
 * ModRM (every VEX instruction has one but vzeroupper/vzeroall). */
static int decode_vex(const uint8_t *code, size_t n, size_t *i, struct x86_insn *in)
{
	uint8_t first = code[(*i)++], b1, imm = 0;
	int err;

	if (in->rex || x86_insn__has_prefix(in, 0x66) || x86_insn__has_prefix(in, 0xf2) ||
	    x86_insn__has_prefix(in, 0xf3) || x86_insn__has_prefix(in, 0xf0))
		return -EINVAL; /* #UD */
	if (*i >= n)
		return -EINVAL;
	b1 = code[(*i)++];
	in->vex = true;
	if (first == 0xc5) {
		in->map = X86_MAP_0F;
		in->rex = 0x40 | (b1 & 0x80 ? 0 : 4);
	} else {
		if (*i >= n)
			return -EINVAL;
		switch (b1 & 0x1f) {
		case 1: in->map = X86_MAP_0F; break;
		case 2: in->map = X86_MAP_0F38; break;
		case 3: in->map = X86_MAP_0F3A; break;
		default: return -EINVAL;
		}
		in->rex = 0x40 | (b1 & 0x80 ? 0 : 4) | (b1 & 0x40 ? 0 : 2) | (b1 & 0x20 ? 0 : 1) |
			  (code[*i] & 0x80 ? 8 : 0);
		(*i)++;
	}
	if (*i >= n)
		return -EINVAL;
	in->opcode = code[(*i)++];
	if (in->map == X86_MAP_0F && in->opcode == 0x77)
		return 0;
	err = decode_modrm(code, n, i, in);
	if (err)
		return err;
	if (in->map == X86_MAP_0F3A)
		imm = 1;
	else if (in->map == X86_MAP_0F && ((in->opcode >= 0x70 && in->opcode <= 0x73) ||
					   in->opcode == 0xc2 || (in->opcode >= 0xc4 && in->opcode <= 0xc6)))
		imm = 1;
	return decode_imm(code, n, i, imm, in);
}

int x86_insn__decode(const uint8_t *code, size_t n, struct x86_insn *in)
{
	size_t i = 0, imm = 0;
	uint8_t entry;
	int err;

	memset(in, 0, sizeof(*in));
	in->base = in->index = X86_NOREG;
	if (n > X86_MAX_INSN)
		n = X86_MAX_INSN;
	while (i < n && is_legacy_prefix(code[i]))
		in->prefixes[in->nprefixes++] = code[i++];
	in->opsize16 = x86_insn__has_prefix(in, 0x66);
	in->addr32 = x86_insn__has_prefix(in, 0x67);
	if (i < n && (code[i] & 0xf0) == 0x40)
		in->rex = code[i++];
	if (i >= n)
		return -EINVAL;
	if (code[i] == 0xc4 || code[i] == 0xc5) {
		err = decode_vex(code, n, &i, in);
		goto done;
	}
	if (code[i] == 0x0f) {
		if (++i >= n)
			return -EINVAL;
		if (code[i] == 0x38 || code[i] == 0x3a) {
			in->map = code[i] == 0x38 ? X86_MAP_0F38 : X86_MAP_0F3A;
			if (++i >= n)
				return -EINVAL;
			in->opcode = code[i++];
			err = decode_modrm(code, n, &i, in);
			if (!err)
				err = decode_imm(code, n, &i, in->map == X86_MAP_0F3A, in);
			goto done;
		}
		in->map = X86_MAP_0F;
		in->opcode = code[i++];
		entry = map0f[in->opcode];
	} else {
		in->map = X86_MAP_1;
		in->opcode = code[i++];
		entry = map1[in->opcode];
	}
	if (entry == X)
		return -EINVAL;
	if (entry & M) {
		err = decode_modrm(code, n, &i, in);
		if (err)
			return err;
	}
	switch (IMM(entry)) {
	case B: imm = 1; break;
	case W: imm = 2; break;
	case Z: imm = in->opsize16 ? 2 : 4; break;
	case V: imm = in->rex & 8 ? 8 : in->opsize16 ? 2 : 4; break;
	case O: imm = in->addr32 ? 4 : 8; break;
	case E: imm = 3; break; /* imm16 + imm8: the value is never read */
	case G:
		if ((in->reg & 7) <= 1)
			imm = in->opcode == 0xf6 ? 1 : in->opsize16 ? 2 : 4;
		break;
	}
	/* a 16-bit relative branch: Intel and AMD disagree on its length */
	if (in->opsize16 && ((in->map == X86_MAP_1 && (in->opcode == 0xe8 || in->opcode == 0xe9)) ||
			     (in->map == X86_MAP_0F && in->opcode >= 0x80 && in->opcode <= 0x8f)))
		return -EINVAL;
	err = decode_imm(code, n, &i, imm, in);
done:
	if (err)
		return err;
	in->len = i;
	return 0;
}

bool x86_insn__branch_target(const struct x86_insn *in, int64_t *target)
{
	bool rel = false;

	if (in->vex)
		return false;
	if (in->map == X86_MAP_1)
		rel = (in->opcode >= 0x70 && in->opcode <= 0x7f) || (in->opcode >= 0xe0 && in->opcode <= 0xe3) ||
		      in->opcode == 0xe8 || in->opcode == 0xe9 || in->opcode == 0xeb;
	else if (in->map == X86_MAP_0F)
		rel = in->opcode >= 0x80 && in->opcode <= 0x8f;
	if (rel)
		*target = in->len + in->imm;
	return rel;
}
