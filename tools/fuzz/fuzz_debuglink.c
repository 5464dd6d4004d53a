// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer target: one input is the contents of a .gnu_debuglink section
 * (from a container's binary), parsed by the real debuglink.c; a name it
 * accepts must stay inside the binary's directories when turned into the
 * paths memtrail opens. The same bytes are CRC'd as a file and read as a
 * build ID. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "debuglink.h"
#include "fuzz_file.h"

static void check_name(const char *name)
{
	size_t len = strlen(name);

	if (!len || len > DEBUGLINK_NAME_MAX || strchr(name, '/') ||
	    !strcmp(name, ".") || !strcmp(name, ".."))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *cand[DEBUGLINK_CANDIDATES], id[128], *path;
	const char *name;
	uint32_t crc;
	int i, n, fd;

	if (!debuglink__parse(data, size, &name, &crc)) {
		check_name(name);
		n = debuglink__candidates("/usr/lib/x86_64-linux-gnu/libfoo.so.1", name,
					  DEBUG_ROOT, cand);
		if (n < 0 || n > DEBUGLINK_CANDIDATES)
			abort();
		for (i = 0; i < n; i++) {
			/* the name is the last component of every candidate */
			if (strncmp(cand[i], "/usr/lib/", 9) || strstr(cand[i], "/../") ||
			    strcmp(strrchr(cand[i], '/') + 1, name))
				abort();
			free(cand[i]);
		}
	}
	/* the input as a build ID string */
	n = size < sizeof(id) - 1 ? (int)size : (int)sizeof(id) - 1;
	memcpy(id, data, (size_t)n);
	id[n] = '\0';
	path = debuglink__build_id_path(DEBUG_ROOT, id);
	if (path && (strncmp(path, DEBUG_ROOT "/.build-id/", strlen(DEBUG_ROOT) + 11) ||
		     strstr(path, "..")))
		abort();
	free(path);
	fd = fuzz_file(data, size);
	if (fd >= 0) {
		(void)debuglink__crc_fd(fd, &crc);
		close(fd);
	}
	return 0;
}
