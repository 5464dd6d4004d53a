/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Fuzz inputs as files: the parsers under test read regular files by fd
 * or path, as they do from a process's root. */
#ifndef MT_FUZZ_FILE_H
#define MT_FUZZ_FILE_H

#include <fcntl.h>
#include <ftw.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
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

static const char *fuzz_root;

static inline int fuzz_remove_one(const char *path, const struct stat *st, int flag,
				  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static inline void fuzz_remove_root(void)
{
	nftw(fuzz_root, fuzz_remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* A fake procfs root for one process: makes the directory root (a
 * mkdtemp template, removed at exit) and root/PID, and root/PID/sub when
 * sub is set. */
static inline void fuzz_fake_proc(char *root, int pid, const char *sub)
{
	char dir[256];

	if (!mkdtemp(root))
		abort();
	fuzz_root = root;
	atexit(fuzz_remove_root);
	snprintf(dir, sizeof(dir), "%s/%d", root, pid);
	if (mkdir(dir, 0700))
		abort();
	snprintf(dir, sizeof(dir), "%s/%d/%s", root, pid, sub ? sub : "");
	if (sub && mkdir(dir, 0700))
		abort();
}

/* Replaces the file at path with data; its inode number. */
static inline uint64_t fuzz_write(const char *path, const void *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	struct stat st;

	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size) || fstat(fd, &st))
		abort();
	close(fd);
	return (uint64_t)st.st_ino;
}

#endif /* MT_FUZZ_FILE_H */
