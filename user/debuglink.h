/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Where a binary's separate debug file is: the .gnu_debuglink section
 * (a file name and the CRC32 of that file) looked up beside the binary,
 * in its .debug/ directory and under the debug root (/usr/lib/debug/<dir>/),
 * or the build ID's <root>/.build-id/xx/rest.debug (Debian's -dbg and
 * -dbgsym packages install both). The section comes from the traced
 * file: a name that leaves its directory is refused. */
#ifndef MT_DEBUGLINK_H
#define MT_DEBUGLINK_H

#include <stddef.h>
#include <stdint.h>

#define DEBUG_ROOT		"/usr/lib/debug"
#define DEBUGLINK_NAME_MAX	255		/* a file name, no more */
#define DEBUGLINK_SECTION_MAX	(DEBUGLINK_NAME_MAX + 1 + 3 + 4)
#define DEBUG_FILE_MAX		(4ull << 30)	/* CRC'd at most: bounds the work */
#define DEBUGLINK_CANDIDATES	3

/* Contract: parses .gnu_debuglink contents buf[0..len): a NUL-terminated
 * file name, padding to 4 bytes, the CRC32 (little-endian here). 0 and
 * *name (pointing into buf) and *crc; -EINVAL when malformed, or when the
 * name is empty, ".", "..", longer than DEBUGLINK_NAME_MAX or has a '/'. */
int debuglink__parse(const void *buf, size_t len, const char **name, uint32_t *crc);
/* Contract: the CRC32 (gnu_debuglink's: zlib's crc32) of the open file
 * fd, read whole; -EFBIG past DEBUG_FILE_MAX, else 0 or -errno. */
int debuglink__crc_fd(int fd, uint32_t *crc);
/* The paths a debuglink name is looked for at, for a binary at bin_path
 * (absolute, as the process maps it), in order: <dir>/<name>,
 * <dir>/.debug/<name>, <root><dir>/<name>. malloc'd into out[]; returns
 * how many (0 when bin_path has no directory), -ENOMEM. */
int debuglink__candidates(const char *bin_path, const char *name, const char *root,
			  char *out[DEBUGLINK_CANDIDATES]);
/* <root>/.build-id/<first 2 hex digits>/<rest>.debug for a lowercase hex
 * build ID; NULL (errno EINVAL) for an ID too short or not hex. */
char *debuglink__build_id_path(const char *root, const char *build_id);

#endif /* MT_DEBUGLINK_H */
