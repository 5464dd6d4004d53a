/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A FILE that writes into memory up to a size cap: past it, writes fail
 * (the writer sees -EIO) and the stream says it overflowed. Bounds what
 * one HTTP response can cost. */
#ifndef MT_MEM_STREAM_H
#define MT_MEM_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct mem_stream {
	FILE *f;
	char *buf;
	size_t len, cap, max;
	bool overflow;
};

/* Opens ms->f; 0 or -errno. */
int mem_stream__open(struct mem_stream *ms, size_t max);
/* Closes the FILE; hands the bytes (NUL-terminated, malloc'd) to *buf
 * unless it overflowed or failed (then -EFBIG / -EIO and nothing). */
int mem_stream__take(struct mem_stream *ms, char **buf, size_t *len);
/* Closes and frees without handing anything over. */
void mem_stream__discard(struct mem_stream *ms);

#endif /* MT_MEM_STREAM_H */
