// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Function symbols and load segments of one ELF file, through libelf.
 * memtrail runs as root on files that come from containers, so every
 * header, size, offset and count is checked against the file before
 * libelf or this code acts on it; a bad file is -ENOEXEC, never a crash. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "debuglink.h"
#include "elf_file.h"

/* bounds on what a file can make us allocate or walk */
#define MAX_SYMS	(4u << 20)	/* per symbol table */
#define MAX_SECTIONS	(1u << 20)
#define MAX_SEGMENTS	(1u << 16)
/* a name longer than this names nothing (the longest mangled C++ and Rust
 * names in Debian's libraries are under 2 KB); the names of one file may
 * add up to MAX_NAME_BYTES (a symbol table can point every entry at one
 * long string, and each sort compare reads the names it compares) */
#define MAX_NAME_LEN	4096
#define MAX_NAME_BYTES	(256u << 20)
/* a string table is read into memory and copied: refused past this
 * before either (the largest .strtab in Debian's -dbgsym packages is
 * tens of MB) */
#define MAX_STRTAB	(512u << 20)
/* enclosing symbols sym_at looks back over (nested asm symbols); a file
 * with one huge symbol must not turn each lookup into a linear scan */
#define MAX_WALKBACK	64
/* a note segment or section read whole to find the build ID; real ones
 * are a few hundred bytes */
#define MAX_NOTES	(64u << 10)
/* note segments, and then note sections, looked at (each is read whole):
 * real files have two to four; a million headers pointing at one 64 KB
 * note must not read 64 GB */
#define MAX_NOTE_AREAS	16
/* the longest build ID kept (GNU ld writes 8 to 20 bytes; 64 is ample) */
#define MAX_BUILD_ID	64

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NATIVE_ELFDATA	ELFDATA2LSB
#else
#define NATIVE_ELFDATA	ELFDATA2MSB
#endif

struct sym_ent {
	struct elf_sym sym;	/* handed out as const struct elf_sym * */
	uint8_t rank;		/* binding preference, lower is better */
	bool primary;		/* from the table sym_at searches */
};

struct addr_ent {
	uint64_t max_end;	/* highest end of this and all earlier entries */
	uint32_t idx;		/* into elf_file.syms */
};

struct load_seg {
	uint64_t offset, vaddr, filesz;
};

struct elf_file {
	struct sym_ent *syms;	/* by name, best binding first */
	size_t nsyms;
	struct addr_ent *by_addr; /* primary symbols by address, aliases merged */
	size_t naddr;
	struct load_seg *segs;
	size_t nsegs;
	char *strtabs[2];	/* private copies the names point into */
	uint64_t name_bytes;	/* summed lengths of the names kept */
	bool has_symtab;
	char *build_id;		/* GNU build ID in lowercase hex, NULL if none */
	unsigned char *debuglink; /* .gnu_debuglink contents, NULL if none */
	size_t debuglink_len;
	bool has_dwarf;		/* a .debug_info (or .zdebug_info) with contents */
};

enum { TAB_SYMTAB, TAB_DYNSYM };

/* [off, off + len) lies inside a file of fsize bytes */
static bool in_file(uint64_t off, uint64_t len, uint64_t fsize)
{
	return off <= fsize && len <= fsize - off;
}

static uint8_t bind_rank(unsigned char bind)
{
	switch (bind) {
	case STB_GLOBAL:
	case STB_GNU_UNIQUE:
		return 0;
	case STB_WEAK:
		return 1;
	case STB_LOCAL:
		return 2;
	default:
		return 3;
	}
}

/* Validates the ELF header and the extent of the section and program
 * header tables ourselves, so that libelf only ever sees counts that fit
 * in the file (with ELF_C_READ it does not bound them by the file size). */
static int check_headers(int fd, uint64_t fsize, Elf64_Ehdr *ehp, uint64_t *phnump)
{
	Elf64_Ehdr eh;
	Elf64_Shdr sh0;
	uint64_t shnum = 0, phnum = 0;

	if (fsize < sizeof(eh) || pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh))
		return -ENOEXEC;
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != NATIVE_ELFDATA ||
	    eh.e_ident[EI_VERSION] != EV_CURRENT)
		return -ENOEXEC;
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
		return -ENOEXEC;

	memset(&sh0, 0, sizeof(sh0));
	if (eh.e_shoff) {
		if (eh.e_shentsize != sizeof(Elf64_Shdr) ||
		    !in_file(eh.e_shoff, sizeof(sh0), fsize) ||
		    pread(fd, &sh0, sizeof(sh0), (off_t)eh.e_shoff) != (ssize_t)sizeof(sh0))
			return -ENOEXEC;
		/* more than 0xff00 sections: the count is in section 0 */
		shnum = eh.e_shnum ? eh.e_shnum : sh0.sh_size;
		if (shnum > MAX_SECTIONS ||
		    !in_file(eh.e_shoff, shnum * sizeof(Elf64_Shdr), fsize))
			return -ENOEXEC;
	}
	if (eh.e_phoff && eh.e_phnum) {
		phnum = eh.e_phnum == PN_XNUM ? sh0.sh_info : eh.e_phnum;
		if (eh.e_phentsize != sizeof(Elf64_Phdr) || phnum > MAX_SEGMENTS ||
		    !in_file(eh.e_phoff, phnum * sizeof(Elf64_Phdr), fsize))
			return -ENOEXEC;
	}
	*ehp = eh;
	*phnump = phnum;
	return 0;
}

static int load_segments(struct elf_file *ef, Elf *elf)
{
	GElf_Phdr ph;
	size_t phnum, i;

	if (elf_getphdrnum(elf, &phnum))
		return -ENOEXEC;
	if (!phnum)
		return 0;
	if (phnum > MAX_SEGMENTS)
		return -ENOEXEC;
	ef->segs = calloc(phnum, sizeof(*ef->segs));
	if (!ef->segs)
		return -ENOMEM;
	for (i = 0; i < phnum; i++) {
		if (!gelf_getphdr(elf, (int)i, &ph))
			return -ENOEXEC;
		/* segments that wrap around are skipped, not trusted */
		if (ph.p_type != PT_LOAD || !ph.p_filesz ||
		    ph.p_offset + ph.p_filesz < ph.p_offset ||
		    ph.p_vaddr + ph.p_filesz < ph.p_vaddr)
			continue;
		ef->segs[ef->nsegs].offset = ph.p_offset;
		ef->segs[ef->nsegs].vaddr = ph.p_vaddr;
		ef->segs[ef->nsegs].filesz = ph.p_filesz;
		ef->nsegs++;
	}
	return 0;
}

/* Appends the defined, named function symbols of one symbol table. */
static int load_table(struct elf_file *ef, Elf *elf, Elf_Scn *scn,
		      uint64_t fsize, int tab, bool primary)
{
	GElf_Shdr sh, strsh;
	Elf_Scn *strscn;
	Elf_Data *symdata, *strdata;
	struct sym_ent *syms;
	GElf_Sym sym;
	size_t count, strsize, i;
	char *strs;

	if (!gelf_getshdr(scn, &sh) || sh.sh_entsize != sizeof(Elf64_Sym) ||
	    sh.sh_size % sizeof(Elf64_Sym) || !in_file(sh.sh_offset, sh.sh_size, fsize))
		return -ENOEXEC;
	count = sh.sh_size / sizeof(Elf64_Sym);
	if (count > MAX_SYMS)
		return -ENOEXEC;
	strscn = elf_getscn(elf, sh.sh_link);
	if (!sh.sh_link || !strscn || !gelf_getshdr(strscn, &strsh) ||
	    strsh.sh_type != SHT_STRTAB || strsh.sh_size > MAX_STRTAB ||
	    !in_file(strsh.sh_offset, strsh.sh_size, fsize))
		return -ENOEXEC;
	symdata = elf_getdata(scn, NULL);
	strdata = elf_getdata(strscn, NULL);
	if (!symdata || !strdata || (strdata->d_size && !strdata->d_buf))
		return -ENOEXEC;
	if (symdata->d_size / sizeof(Elf64_Sym) < count)
		count = symdata->d_size / sizeof(Elf64_Sym);

	/* a terminating NUL of our own: names at the end cannot run off */
	strsize = strdata->d_size;
	strs = malloc(strsize + 1);
	if (!strs)
		return -ENOMEM;
	if (strsize)
		memcpy(strs, strdata->d_buf, strsize);
	strs[strsize] = '\0';
	ef->strtabs[tab] = strs;

	syms = realloc(ef->syms, (ef->nsyms + count + 1) * sizeof(*syms));
	if (!syms)
		return -ENOMEM;
	ef->syms = syms;

	/* entry 0 is the reserved null symbol */
	for (i = 1; i < count; i++) {
		struct sym_ent *e;
		unsigned char type;
		size_t name_len;

		if (!gelf_getsym(symdata, (int)i, &sym))
			return -ENOEXEC;
		type = GELF_ST_TYPE(sym.st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) ||
		    sym.st_shndx == SHN_UNDEF || !sym.st_name ||
		    sym.st_name >= strsize || !strs[sym.st_name] ||
		    sym.st_value + sym.st_size < sym.st_value)
			continue;
		/* strs ends in our NUL: strnlen stops there at the latest */
		name_len = strnlen(strs + sym.st_name, MAX_NAME_LEN + 1);
		if (name_len > MAX_NAME_LEN)
			continue;
		ef->name_bytes += name_len;
		if (ef->name_bytes > MAX_NAME_BYTES)
			return -ENOEXEC;
		e = &ef->syms[ef->nsyms++];
		e->sym.name = strs + sym.st_name;
		e->sym.vaddr = sym.st_value;
		e->sym.size = sym.st_size;
		e->rank = bind_rank(GELF_ST_BIND(sym.st_info));
		e->primary = primary;
	}
	return 0;
}

/* name, then best binding, then lowest address: find_func takes the first */
static int cmp_by_name(const void *a, const void *b)
{
	const struct sym_ent *x = a, *y = b;
	int c = strcmp(x->sym.name, y->sym.name);

	if (c)
		return c;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if (x->sym.vaddr != y->sym.vaddr)
		return x->sym.vaddr < y->sym.vaddr ? -1 : 1;
	if (x->primary != y->primary)
		return x->primary ? -1 : 1;
	return 0;
}

static size_t leading_underscores(const char *name)
{
	return strspn(name, "_");
}

/* address, then the alias to keep first: a sized symbol (a size-0 one at
 * the same address would hide the body), exported over local, the public
 * spelling (calloc, not __libc_calloc), GLOBAL over WEAK, shorter, name */
static int cmp_by_addr(const void *a, const void *b, void *arg)
{
	const struct sym_ent *syms = arg;
	const struct sym_ent *x = &syms[((const struct addr_ent *)a)->idx];
	const struct sym_ent *y = &syms[((const struct addr_ent *)b)->idx];
	size_t ux, uy;

	if (x->sym.vaddr != y->sym.vaddr)
		return x->sym.vaddr < y->sym.vaddr ? -1 : 1;
	if (!x->sym.size != !y->sym.size)
		return x->sym.size ? -1 : 1;
	/* exported before local; among exported names the public spelling
	 * first: glibc's calloc is a WEAK alias of a GLOBAL __libc_calloc */
	if ((x->rank < 2) != (y->rank < 2))
		return x->rank < 2 ? -1 : 1;
	ux = leading_underscores(x->sym.name);
	uy = leading_underscores(y->sym.name);
	if (ux != uy)
		return ux < uy ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	ux = strlen(x->sym.name);
	uy = strlen(y->sym.name);
	if (ux != uy)
		return ux < uy ? -1 : 1;
	return strcmp(x->sym.name, y->sym.name);
}

static int build_indexes(struct elf_file *ef)
{
	size_t i, n = 0;
	uint64_t max_end = 0;

	if (!ef->nsyms)
		return 0;
	qsort(ef->syms, ef->nsyms, sizeof(*ef->syms), cmp_by_name);
	/* the same symbol from .symtab and .dynsym is kept once */
	for (i = 0; i < ef->nsyms; i++) {
		if (n && !strcmp(ef->syms[n - 1].sym.name, ef->syms[i].sym.name) &&
		    ef->syms[n - 1].sym.vaddr == ef->syms[i].sym.vaddr) {
			ef->syms[n - 1].primary |= ef->syms[i].primary;
			continue;
		}
		ef->syms[n++] = ef->syms[i];
	}
	ef->nsyms = n;

	ef->by_addr = calloc(n, sizeof(*ef->by_addr));
	if (!ef->by_addr)
		return -ENOMEM;
	for (i = 0; i < ef->nsyms; i++)
		if (ef->syms[i].primary)
			ef->by_addr[ef->naddr++].idx = (uint32_t)i;
	qsort_r(ef->by_addr, ef->naddr, sizeof(*ef->by_addr), cmp_by_addr, ef->syms);

	/* aliases: the first entry at an address wins */
	n = 0;
	for (i = 0; i < ef->naddr; i++) {
		const struct elf_sym *s = &ef->syms[ef->by_addr[i].idx].sym;
		uint64_t end;

		if (n && ef->syms[ef->by_addr[n - 1].idx].sym.vaddr == s->vaddr)
			continue;
		/* a size-0 symbol covers its own address only */
		end = s->size ? s->vaddr + s->size : s->vaddr + 1;
		if (end < s->vaddr)
			end = UINT64_MAX;
		if (end > max_end)
			max_end = end;
		ef->by_addr[n] = ef->by_addr[i];
		ef->by_addr[n].max_end = max_end;
		n++;
	}
	ef->naddr = n;
	return 0;
}

/* [pos, pos + n) rounded up to align still inside len: its end, or 0 */
static size_t note_part_end(size_t pos, uint64_t n, size_t align, size_t len)
{
	uint64_t end;

	if (n > len - pos)
		return 0;
	end = (pos + n + align - 1) & ~(uint64_t)(align - 1);
	return end <= len ? (size_t)end : 0;
}

/* The GNU build ID note in buf[0..len) as lowercase hex, or NULL. Notes
 * are (namesz, descsz, type, name, desc), name and desc padded to align
 * (4, or 8 for segments aligned so). */
static char *build_id_in_notes(const unsigned char *buf, size_t len, size_t align)
{
	static const char hex[] = "0123456789abcdef";
	size_t pos = 0;

	while (len - pos >= 12) {
		size_t desc, next, i;
		uint32_t nhdr[3];
		char *out;

		memcpy(nhdr, buf + pos, sizeof(nhdr));
		pos += 12;
		desc = note_part_end(pos, nhdr[0], align, len);
		next = desc ? note_part_end(desc, nhdr[1], align, len) : 0;
		if (!next)
			return NULL;
		if (nhdr[2] == NT_GNU_BUILD_ID && nhdr[0] == 4 &&
		    !memcmp(buf + pos, "GNU", 4) && nhdr[1] &&
		    nhdr[1] <= MAX_BUILD_ID) {
			out = malloc(2 * (size_t)nhdr[1] + 1);
			if (!out)
				return NULL;
			for (i = 0; i < nhdr[1]; i++) {
				out[2 * i] = hex[buf[desc + i] >> 4];
				out[2 * i + 1] = hex[buf[desc + i] & 15];
			}
			out[2 * i] = '\0';
			return out;
		}
		pos = next;
	}
	return NULL;
}

/* Reads [off, off + size) of the file and looks for the build ID there. */
static char *build_id_at(int fd, uint64_t off, uint64_t size, uint64_t align,
			 uint64_t fsize)
{
	unsigned char *buf;
	char *id = NULL;

	if (!size || size > MAX_NOTES || !in_file(off, size, fsize))
		return NULL;
	buf = malloc(size);
	if (!buf)
		return NULL;
	if (pread(fd, buf, size, (off_t)off) == (ssize_t)size)
		id = build_id_in_notes(buf, size, align == 8 ? 8 : 4);
	free(buf);
	return id;
}

/* The build ID from a PT_NOTE segment, else (a file without program
 * headers, such as some debug files) from an SHT_NOTE section. Missing or
 * malformed notes leave it NULL: the ID is a label, not a requirement. */
static void load_build_id(struct elf_file *ef, Elf *elf, int fd, uint64_t fsize)
{
	Elf_Scn *scn = NULL;
	GElf_Phdr ph;
	GElf_Shdr sh;
	size_t phnum, i, areas = 0;

	if (!elf_getphdrnum(elf, &phnum))
		for (i = 0; i < phnum && i < MAX_SEGMENTS && !ef->build_id &&
			    areas < MAX_NOTE_AREAS; i++)
			if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_NOTE) {
				ef->build_id = build_id_at(fd, ph.p_offset, ph.p_filesz,
							   ph.p_align, fsize);
				areas++;
			}
	areas = 0;
	while (!ef->build_id && areas < MAX_NOTE_AREAS && (scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_NOTE) {
			ef->build_id = build_id_at(fd, sh.sh_offset, sh.sh_size,
						   sh.sh_addralign, fsize);
			areas++;
		}
}

/* What the symbolizer needs to find debug info: the .gnu_debuglink
 * contents (small: read whole, bounded) and whether DWARF is here. A
 * malformed section table only leaves them unset. */
static void load_debug_sections(struct elf_file *ef, Elf *elf, int fd, uint64_t fsize)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	GElf_Shdr sh;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *name;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS || !sh.sh_size ||
		    !(name = elf_strptr(elf, shstrndx, sh.sh_name)))
			continue;
		if (!strcmp(name, ".debug_info") || !strcmp(name, ".zdebug_info")) {
			ef->has_dwarf = true;
		} else if (!strcmp(name, ".gnu_debuglink") && !ef->debuglink &&
			   sh.sh_size <= DEBUGLINK_SECTION_MAX &&
			   in_file(sh.sh_offset, sh.sh_size, fsize)) {
			ef->debuglink = malloc(sh.sh_size);
			if (ef->debuglink &&
			    pread(fd, ef->debuglink, sh.sh_size, (off_t)sh.sh_offset) ==
				    (ssize_t)sh.sh_size) {
				ef->debuglink_len = sh.sh_size;
			} else {
				free(ef->debuglink);
				ef->debuglink = NULL;
			}
		}
	}
}

int elf_file__open_fd(int fd, struct elf_file **out)
{
	struct elf_file *ef = NULL;
	Elf_Scn *scn = NULL, *symtab = NULL, *dynsym = NULL;
	Elf *elf = NULL;
	GElf_Shdr sh;
	Elf64_Ehdr eh;
	struct stat st;
	uint64_t fsize, phnum;
	int err;

	if (fd < 0 || !out)
		return -EINVAL;
	*out = NULL;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOTSUP;
	if (fstat(fd, &st))
		return -errno;
	/* FIFOs and devices: no ELF, and reading them may block or not end */
	if (!S_ISREG(st.st_mode))
		return -ENOEXEC;
	fsize = (uint64_t)st.st_size;
	err = check_headers(fd, fsize, &eh, &phnum);
	if (err)
		return err;

	ef = calloc(1, sizeof(*ef));
	if (!ef)
		return -ENOMEM;
	/* ELF_C_READ, not _MMAP: a file truncated under us would SIGBUS */
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		err = -ENOEXEC;
		goto cleanup;
	}
	err = load_segments(ef, elf);
	if (err)
		goto cleanup;

	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh)) {
			err = -ENOEXEC;
			goto cleanup;
		}
		if (sh.sh_type == SHT_SYMTAB && !symtab)
			symtab = scn;
		else if (sh.sh_type == SHT_DYNSYM && !dynsym)
			dynsym = scn;
	}
	ef->has_symtab = symtab != NULL;
	if (symtab) {
		err = load_table(ef, elf, symtab, fsize, TAB_SYMTAB, true);
		if (err)
			goto cleanup;
	}
	/* .dynsym is searched by address only when .symtab had no function
	 * (none at all, or a table of section symbols); by name always,
	 * since a .symtab may lack names that only .dynsym exports */
	if (dynsym) {
		err = load_table(ef, elf, dynsym, fsize, TAB_DYNSYM, !ef->nsyms);
		if (err)
			goto cleanup;
	}
	err = build_indexes(ef);
	if (err)
		goto cleanup;
	load_build_id(ef, elf, fd, fsize);
	load_debug_sections(ef, elf, fd, fsize);
	*out = ef;
	ef = NULL;
cleanup:
	if (elf)
		elf_end(elf);
	elf_file__close(ef);
	return err;
}

int elf_file__open(const char *path, struct elf_file **out)
{
	int fd, err;

	if (!path || !out)
		return -EINVAL;
	*out = NULL;
	/* O_NONBLOCK: opening a FIFO planted at a library's path must not hang */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	err = elf_file__open_fd(fd, out);
	close(fd);
	return err;
}

void elf_file__close(struct elf_file *ef)
{
	if (!ef)
		return;
	free(ef->syms);
	free(ef->by_addr);
	free(ef->segs);
	free(ef->strtabs[TAB_SYMTAB]);
	free(ef->strtabs[TAB_DYNSYM]);
	free(ef->build_id);
	free(ef->debuglink);
	free(ef);
}

int elf_file__debuglink(const struct elf_file *ef, const char **name, uint32_t *crc)
{
	if (!ef || !ef->debuglink)
		return -ENOENT;
	return debuglink__parse(ef->debuglink, ef->debuglink_len, name, crc);
}

bool elf_file__has_dwarf(const struct elf_file *ef)
{
	return ef && ef->has_dwarf;
}

bool elf_file__has_symtab(const struct elf_file *ef)
{
	return ef && ef->has_symtab;
}

const char *elf_file__build_id(const struct elf_file *ef)
{
	return ef ? ef->build_id : NULL;
}

size_t elf_file__nsyms(const struct elf_file *ef)
{
	return ef ? ef->naddr : 0;
}

const struct elf_sym *elf_file__sym_at(const struct elf_file *ef, uint64_t vaddr)
{
	size_t lo = 0, hi, steps;

	if (!ef)
		return NULL;
	/* count of symbols starting at or below vaddr */
	hi = ef->naddr;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ef->syms[ef->by_addr[mid].idx].sym.vaddr <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* the nearest start may end before vaddr while an earlier, enclosing
	 * symbol still covers it; max_end says when none can */
	for (steps = 0; lo > 0 && steps < MAX_WALKBACK; steps++) {
		const struct addr_ent *a = &ef->by_addr[--lo];
		const struct elf_sym *s = &ef->syms[a->idx].sym;

		if (a->max_end <= vaddr)
			break;
		if (s->size ? vaddr - s->vaddr < s->size : vaddr == s->vaddr)
			return s;
	}
	return NULL;
}

const struct elf_sym *elf_file__find_func(const struct elf_file *ef, const char *name)
{
	size_t lo = 0, hi;

	if (!ef || !name)
		return NULL;
	/* first entry not below name; the sort put the best binding first */
	hi = ef->nsyms;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(ef->syms[mid].sym.name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < ef->nsyms && !strcmp(ef->syms[lo].sym.name, name))
		return &ef->syms[lo].sym;
	return NULL;
}

int elf_file__offset_to_vaddr(const struct elf_file *ef, uint64_t off, uint64_t *vaddr)
{
	size_t i;

	if (!ef || !vaddr)
		return -EINVAL;
	for (i = 0; i < ef->nsegs; i++) {
		const struct load_seg *s = &ef->segs[i];

		if (off >= s->offset && off - s->offset < s->filesz) {
			*vaddr = s->vaddr + (off - s->offset);
			return 0;
		}
	}
	return -ENOENT;
}

int elf_file__vaddr_to_offset(const struct elf_file *ef, uint64_t vaddr, uint64_t *off)
{
	size_t i;

	if (!ef || !off)
		return -EINVAL;
	for (i = 0; i < ef->nsegs; i++) {
		const struct load_seg *s = &ef->segs[i];

		if (vaddr >= s->vaddr && vaddr - s->vaddr < s->filesz) {
			*off = s->offset + (vaddr - s->vaddr);
			return 0;
		}
	}
	return -ENOENT;
}

char *elf_file__interp(const char *path)
{
	uint64_t phnum, i;
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	struct stat st;
	char *interp = NULL;
	char buf[256];
	int fd;

	/* the same care as elf_file__open_fd: a FIFO must not block us, and
	 * only headers that fit in the file are read (pread, no mapping a
	 * truncation could turn into SIGBUS) */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    check_headers(fd, (uint64_t)st.st_size, &eh, &phnum))
		goto out;
	for (i = 0; i < phnum; i++) {
		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * sizeof(ph))) !=
		    (ssize_t)sizeof(ph))
			break;
		if (ph.p_type != PT_INTERP)
			continue;
		if (ph.p_filesz < 2 || ph.p_filesz > sizeof(buf) ||
		    !in_file(ph.p_offset, ph.p_filesz, (uint64_t)st.st_size))
			break;
		if (pread(fd, buf, ph.p_filesz, (off_t)ph.p_offset) != (ssize_t)ph.p_filesz)
			break;
		buf[ph.p_filesz - 1] = '\0';
		if (buf[0] == '/')
			interp = strdup(buf);
		break;
	}
out:
	close(fd);
	return interp;
}
