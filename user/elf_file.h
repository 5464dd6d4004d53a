/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* One ELF file as memtrail needs it (libelf): its function symbols
 * (.symtab, else .dynsym) sorted by address, and its PT_LOAD segments to
 * convert between file offsets and link-time virtual addresses. Used by the
 * symbolizer (address -> name) and by the attacher (name -> file offset). */
#ifndef MT_ELF_FILE_H
#define MT_ELF_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct elf_file;

struct elf_sym {
	const char *name;
	uint64_t vaddr; /* link-time address (st_value) */
	uint64_t size;	/* st_size */
};

/* Opens and indexes path. Returns 0 and *out, or -errno (-ENOEXEC for a
 * file that is not a usable ELF). Work is bounded: absurd sizes and counts
 * are rejected, never trusted. */
int elf_file__open(const char *path, struct elf_file **out);
/* Same, from an open file descriptor (for files opened through a process's
 * root). The caller keeps fd and may close it once this returns. */
int elf_file__open_fd(int fd, struct elf_file **out);
void elf_file__close(struct elf_file *ef);

/* True when the file had a .symtab (false: only .dynsym or nothing). */
bool elf_file__has_symtab(const struct elf_file *ef);
size_t elf_file__nsyms(const struct elf_file *ef);
/* The GNU build ID (NT_GNU_BUILD_ID note) in lowercase hex; NULL if none. */
const char *elf_file__build_id(const struct elf_file *ef);

/* The separate debug file this one names (.gnu_debuglink): 0 with *name
 * (valid while ef is open) and *crc; -ENOENT without one, -EINVAL when
 * malformed or escaping (debuglink.h). */
int elf_file__debuglink(const struct elf_file *ef, const char **name, uint32_t *crc);
/* True when the file carries DWARF (.debug_info, compressed or not). */
bool elf_file__has_dwarf(const struct elf_file *ef);

/* The function symbol whose [vaddr, vaddr+size) holds vaddr, or NULL. */
const struct elf_sym *elf_file__sym_at(const struct elf_file *ef, uint64_t vaddr);
/* A defined function symbol named name (GLOBAL/WEAK preferred); NULL if none. */
const struct elf_sym *elf_file__find_func(const struct elf_file *ef, const char *name);

/* File offset <-> link-time address through the PT_LOAD segments.
 * 0 or -ENOENT when no segment covers it. */
int elf_file__offset_to_vaddr(const struct elf_file *ef, uint64_t off, uint64_t *vaddr);
int elf_file__vaddr_to_offset(const struct elf_file *ef, uint64_t vaddr, uint64_t *off);

/* The program interpreter (PT_INTERP) named by the ELF file at path, as a
 * malloc'd absolute path; NULL when it has none (static, a library) or the
 * file is unreadable. Reads only the program headers. */
char *elf_file__interp(const char *path);

#endif /* MT_ELF_FILE_H */
