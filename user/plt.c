// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* PLT stubs to symbol names, through the GOT slot's relocation. */
#include <errno.h>
#include <gelf.h>
#include <stdio.h>
#include <string.h>
#include "plt.h"
#include "x86_insn.h"

#define MAX_RELAS (1u << 20) /* relocations of one section: more is not a real file */

/* The GOT slot a stub jumps through: [endbr64] [bnd] jmp *slot(%rip). */
static int stub_slot(uint64_t stub_vaddr, const uint8_t *stub, size_t n, uint64_t *slot)
{
	struct x86_insn in;
	size_t pos = 0;

	if (x86_insn__decode(stub, n, &in))
		return -ENOENT;
	if (in.map == X86_MAP_0F && in.opcode == 0x1e && x86_insn__has_prefix(&in, 0xf3)) {
		pos = in.len; /* endbr64: the IBT stubs of .plt.sec */
		if (x86_insn__decode(stub + pos, n - pos, &in))
			return -ENOENT;
	}
	if (in.vex || in.map != X86_MAP_1 || in.opcode != 0xff || (in.reg & 7) != 4 ||
	    !in.rip_relative || in.rex || (in.nprefixes && (in.nprefixes > 1 || in.prefixes[0] != 0xf2)))
		return -ENOENT;
	*slot = stub_vaddr + pos + in.len + (int64_t)in.disp;
	return 0;
}

/* The name of the symbol a relocation section of elf binds at slot. */
static int slot_symbol(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, uint64_t slot, char *name,
		       size_t sz)
{
	Elf_Scn *symscn = elf_getscn(elf, sh->sh_link);
	Elf_Data *relas = elf_getdata(scn, NULL), *syms;
	GElf_Shdr symsh;
	GElf_Rela r;
	GElf_Sym sym;
	const char *s;
	size_t i, count;

	if (!relas || !symscn || !gelf_getshdr(symscn, &symsh) || symsh.sh_type != SHT_DYNSYM)
		return -ENOENT;
	syms = elf_getdata(symscn, NULL);
	count = relas->d_size / sizeof(Elf64_Rela);
	if (!syms || count > MAX_RELAS)
		return -EINVAL;
	for (i = 0; i < count; i++) {
		if (!gelf_getrela(relas, (int)i, &r))
			return -EINVAL;
		if (r.r_offset != slot)
			continue;
		if (GELF_R_TYPE(r.r_info) != R_X86_64_JUMP_SLOT &&
		    GELF_R_TYPE(r.r_info) != R_X86_64_GLOB_DAT)
			return -ENOENT;
		if (!gelf_getsym(syms, (int)GELF_R_SYM(r.r_info), &sym) ||
		    !(s = elf_strptr(elf, symsh.sh_link, sym.st_name)))
			return -EINVAL;
		if ((size_t)snprintf(name, sz, "%s", s) >= sz)
			return -ENOENT; /* not a name we would match */
		return 0;
	}
	return -ENOENT;
}

int plt__callee(int fd, uint64_t stub_vaddr, const uint8_t *stub, size_t n, char *name,
		size_t sz)
{
	Elf_Scn *scn = NULL;
	uint64_t slot;
	GElf_Shdr sh;
	Elf *elf;
	int err = stub_slot(stub_vaddr, stub, n, &slot);

	if (err)
		return err;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOTSUP;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		elf_end(elf);
		return -EINVAL;
	}
	err = -ENOENT;
	while (err == -ENOENT && (scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh)) {
			err = -EINVAL;
			break;
		}
		if (sh.sh_type == SHT_RELA && sh.sh_entsize == sizeof(Elf64_Rela))
			err = slot_symbol(elf, scn, &sh, slot, name, sz);
	}
	elf_end(elf);
	return err;
}
