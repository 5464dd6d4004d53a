// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer target: one input is an ELF file with (or without) DWARF,
 * possibly compressed, read by the real dwarf_info.c (libdw behind it) as
 * the symbolizer reads a debug file; lookups at addresses taken from the
 * input must give bounded, terminated answers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dwarf_info.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dwarf_info *di = NULL;
	size_t i, k;
	int fd;

	fd = fuzz_file(data, size);
	if (fd < 0)
		return 0;
	if (!dwarf_info__open_fd(fd, &di)) {
		for (i = 0; i + 8 <= size && i < 512; i += 8) {
			struct dwarf_loc loc;
			uint64_t addr;

			memcpy(&addr, data + i, sizeof(addr));
			if (dwarf_info__lookup(di, addr % 0x100000, &loc))
				continue;
			if (loc.ninl > DWARF_MAX_INLINES)
				abort();
			if (loc.file)
				(void)strlen(loc.file);
			for (k = 0; k < loc.ninl; k++) {
				if (loc.inl[k].name)
					(void)strlen(loc.inl[k].name);
				if (loc.inl[k].file)
					(void)strlen(loc.inl[k].file);
			}
		}
		dwarf_info__close(di);
	}
	close(fd);
	return 0;
}
