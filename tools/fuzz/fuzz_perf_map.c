// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer target: one input is a perf map file (/tmp/perf-PID.map, as a
 * JIT in a container writes it), read by the real perf_map.c from a file
 * and from the buffer; every entry it keeps must be found again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_file.h"
#include "perf_map.h"

static void check(const struct perf_map *pm, const uint8_t *data, size_t size)
{
	size_t i;

	/* addresses taken from the input hit its own entries */
	for (i = 0; i + 8 <= size && i < 2048; i += 8) {
		uint64_t addr;
		const struct perf_map_entry *e;

		memcpy(&addr, data + i, sizeof(addr));
		e = perf_map__find(pm, addr);
		if (e && (addr < e->start || addr - e->start >= e->size || !e->name))
			abort();
	}
	if (perf_map__count(pm) > PERF_MAP_MAX_ENTRIES)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct perf_map *pm = NULL;
	int fd;

	if (!perf_map__parse((const char *)data, size, &pm)) {
		check(pm, data, size);
		perf_map__free(pm);
	}
	fd = fuzz_file(data, size);
	if (fd < 0)
		return 0;
	pm = NULL;
	if (!perf_map__read_fd(fd, &pm)) {
		check(pm, data, size);
		perf_map__free(pm);
	}
	close(fd);
	return 0;
}
