// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer target: the whole symbolizer (symbolize.c over procfs.c and
 * elf_file.c) on a fake process: a procfs root whose PID/maps maps a file
 * under PID/root. The input is split in three: a header of addresses, the
 * ELF file, and extra maps lines (hostile ones included). Every result
 * must carry a symbol or a reason, and never point outside a mapping. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_file.h"
#include "symbolize.h"

#define FAKE_PID	4243
#define NADDRS		8
/* header: mapping start (u32 pages), length (u16 pages), file offset
 * (u16 pages), length of the ELF part (u16), then NADDRS u32 offsets */
#define HDR_LEN		(4 + 2 + 2 + 2 + 4 * NADDRS)

static char root[] = "/tmp/memtrail-fuzz-sym.XXXXXX";
static char maps_path[sizeof(root) + 32], lib_path[sizeof(root) + 32];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_fake_proc(root, FAKE_PID, "root");
	snprintf(maps_path, sizeof(maps_path), "%s/%d/maps", root, FAKE_PID);
	snprintf(lib_path, sizeof(lib_path), "%s/%d/root/lib.so", root, FAKE_PID);
	return 0;
}

static uint64_t get(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t start, len, off, ino, addrs[NADDRS];
	struct sym_result res[NADDRS];
	struct symbolizer_opts opts = { .sz = sizeof(opts), .procfs_root = root };
	struct symbolizer *s;
	size_t elf_len, i;
	char *maps = NULL;
	size_t maps_len = 0;
	FILE *f;

	if (size < HDR_LEN)
		return 0;
	start = get(data, 4) << 12;
	len = (get(data + 4, 2) + 1) << 12;
	off = get(data + 6, 2) << 12;
	elf_len = get(data + 8, 2);
	if (elf_len > size - HDR_LEN)
		elf_len = size - HDR_LEN;
	for (i = 0; i < NADDRS; i++)
		addrs[i] = start + get(data + 10 + 4 * i, 4) % (len + 4096) - 2048;
	ino = fuzz_write(lib_path, data + HDR_LEN, elf_len);

	/* the mapping of the file first, then the input's own lines */
	f = open_memstream(&maps, &maps_len);
	if (!f)
		abort();
	fprintf(f, "%" PRIx64 "-%" PRIx64 " r-xp %08" PRIx64 " fe:00 %" PRIu64 "   /lib.so\n",
		start, start + len, off, ino);
	fwrite(data + HDR_LEN + elf_len, 1, size - HDR_LEN - elf_len, f);
	fclose(f);
	fuzz_write(maps_path, maps, maps_len);
	free(maps);

	s = symbolizer__new(&opts);
	if (!s)
		abort();
	if (!symbolizer__resolve(s, FAKE_PID, addrs, NADDRS, res)) {
		for (i = 0; i < NADDRS; i++) {
			if (!res[i].symbol == !res[i].reason)
				abort();
			if (res[i].symbol && !res[i].module)
				abort();
		}
	}
	/* a second pass goes through the caches */
	if (!symbolizer__cache_process(s, FAKE_PID))
		(void)symbolizer__resolve(s, FAKE_PID, addrs, NADDRS, res);
	symbolizer__free(s);
	return 0;
}
