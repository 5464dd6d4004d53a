/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Fuzz inputs as files: the parsers under test read regular files by fd
 * or path, as they do from a process's root. */
#ifndef MT_FUZZ_FILE_H
#define MT_FUZZ_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

/* A regular (memfd) file holding data, or -1. The caller closes it. */
static inline int fuzz_file(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz-input", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A path that opens the same file (static buffer). */
static inline const char *fuzz_file_path(int fd)
{
	static char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return path;
}

#endif /* MT_FUZZ_FILE_H */
