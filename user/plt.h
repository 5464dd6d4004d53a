/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Which function a PLT stub jumps to: its jmp *slot(%rip) names a GOT
 * slot, and the dynamic relocation that fills the slot names the symbol
 * the dynamic linker binds there. Tells a tail call of realloc made
 * through the PLT (probe_plan.c). */
#ifndef MT_PLT_H
#define MT_PLT_H

#include <stddef.h>
#include <stdint.h>

/* stub[0..n): the code at link-time address stub_vaddr of the ELF file fd.
 * 0 and the symbol's name in name[0..sz); -ENOENT when stub is not a PLT
 * jump or no relocation fills its slot; -EINVAL for a malformed file. */
int plt__callee(int fd, uint64_t stub_vaddr, const uint8_t *stub, size_t n, char *name,
		size_t sz);

#endif /* MT_PLT_H */
