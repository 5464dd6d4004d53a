// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer target: one input is the text of a /proc/PID/maps file, read
 * through the real procfs.c reader (from a fake procfs root, as
 * symbolizer tests do), and every mapping it accepts is looked up again. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_file.h"
#include "procfs.h"

#define FAKE_PID 4242

static char root[] = "/tmp/memtrail-fuzz-maps.XXXXXX";
static char maps_path[sizeof(root) + 32];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_fake_proc(root, FAKE_PID, NULL);
	snprintf(maps_path, sizeof(maps_path), "%s/%d/maps", root, FAKE_PID);
	return 0;
}

static void check_maps(const struct proc_maps *m)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		const struct proc_map *map = &m->maps[i], *hit;

		if (map->start >= map->end || (i && map->start < m->maps[i - 1].start))
			abort();
		/* overlapping lines (never from the kernel) may find another
		 * mapping; it must still hold the address */
		hit = procfs__find_map(m, map->start);
		if (!hit || map->start < hit->start || map->start >= hit->end)
			abort();
		hit = procfs__find_map(m, map->end - 1);
		if (hit && (map->end - 1 < hit->start || map->end - 1 >= hit->end))
			abort();
		if (map->path && strlen(map->path) == 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proc_maps maps;
	struct proc_map one;
	uint64_t v;

	fuzz_write(maps_path, data, size);
	if (!procfs__read_maps(root, FAKE_PID, &maps)) {
		check_maps(&maps);
		procfs__free_maps(&maps);
	}
	/* the same bytes as one line, and as a status line */
	if (!procfs__parse_map_line((const char *)data, size, &one))
		free(one.path);
	(void)procfs__parse_field((const char *)data, size, "VmRSS:", "kB", &v);
	(void)procfs__parse_field((const char *)data, size, "Tgid:", "", &v);
	return 0;
}
