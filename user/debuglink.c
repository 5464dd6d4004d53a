// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* .gnu_debuglink parsing, its CRC, and the debug file search paths. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "debuglink.h"

int debuglink__parse(const void *buf, size_t len, const char **name, uint32_t *crc)
{
	const unsigned char *b = buf;
	const char *nul;
	size_t nlen, crc_off;

	if (!buf || !name || !crc)
		return -EINVAL;
	nul = memchr(buf, '\0', len < DEBUGLINK_NAME_MAX + 1 ? len : DEBUGLINK_NAME_MAX + 1);
	if (!nul)
		return -EINVAL;
	nlen = (size_t)(nul - (const char *)buf);
	crc_off = (nlen + 1 + 3) & ~(size_t)3;
	if (!nlen || crc_off + 4 > len)
		return -EINVAL;
	/* a file name only: no way out of the directories it is looked in */
	if (memchr(buf, '/', nlen) || !strcmp(buf, ".") || !strcmp(buf, ".."))
		return -EINVAL;
	*name = buf;
	*crc = (uint32_t)b[crc_off] | (uint32_t)b[crc_off + 1] << 8 |
	       (uint32_t)b[crc_off + 2] << 16 | (uint32_t)b[crc_off + 3] << 24;
	return 0;
}

int debuglink__crc_fd(int fd, uint32_t *crc)
{
	unsigned char buf[65536];
	uLong c = crc32(0L, Z_NULL, 0);
	struct stat st;
	off_t off = 0;

	if (fd < 0 || !crc)
		return -EINVAL;
	if (fstat(fd, &st))
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((uint64_t)st.st_size > DEBUG_FILE_MAX)
		return -EFBIG;
	for (;;) {
		ssize_t n = pread(fd, buf, sizeof(buf), off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			break;
		c = crc32(c, buf, (uInt)n);
		off += n;
		/* a file growing under us: never more than fstat said */
		if ((uint64_t)off > DEBUG_FILE_MAX)
			return -EFBIG;
	}
	*crc = (uint32_t)c;
	return 0;
}

int debuglink__candidates(const char *bin_path, const char *name, const char *root,
			  char *out[DEBUGLINK_CANDIDATES])
{
	const char *slash;
	int dlen, n = 0;

	if (!bin_path || !name || !out)
		return -EINVAL;
	slash = strrchr(bin_path, '/');
	if (bin_path[0] != '/' || !slash)
		return 0;
	dlen = (int)(slash - bin_path);
	if (asprintf(&out[n], "%.*s/%s", dlen, bin_path, name) < 0)
		goto fail;
	n++;
	if (asprintf(&out[n], "%.*s/.debug/%s", dlen, bin_path, name) < 0)
		goto fail;
	n++;
	if (root) {
		if (asprintf(&out[n], "%s%.*s/%s", root, dlen, bin_path, name) < 0)
			goto fail;
		n++;
	}
	return n;
fail:
	while (n)
		free(out[--n]);
	return -ENOMEM;
}

char *debuglink__build_id_path(const char *root, const char *build_id)
{
	size_t len = build_id ? strlen(build_id) : 0;
	char *path = NULL;

	/* GNU IDs are 20 bytes (sha1); anything from 2 bytes up is looked up */
	if (!root || len < 4 || len > 128 || len % 2 ||
	    strspn(build_id, "0123456789abcdef") != len) {
		errno = EINVAL;
		return NULL;
	}
	if (asprintf(&path, "%s/.build-id/%.2s/%s.debug", root, build_id, build_id + 2) < 0)
		return NULL;
	return path;
}
