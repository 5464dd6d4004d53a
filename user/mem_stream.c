// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* fopencookie over a growing buffer with a hard cap. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "mem_stream.h"

static ssize_t ms_write(void *cookie, const char *data, size_t n)
{
	struct mem_stream *ms = cookie;
	size_t need = ms->len + n + 1, ncap;
	char *tmp;

	if (ms->overflow || need > ms->max + 1) {
		ms->overflow = true;
		errno = EFBIG;
		return -1;
	}
	if (need > ms->cap) {
		ncap = ms->cap ? ms->cap : 4096;
		while (ncap < need)
			ncap *= 2;
		if (ncap > ms->max + 1)
			ncap = ms->max + 1;
		tmp = realloc(ms->buf, ncap);
		if (!tmp) {
			errno = ENOMEM;
			return -1;
		}
		ms->buf = tmp;
		ms->cap = ncap;
	}
	memcpy(ms->buf + ms->len, data, n);
	ms->len += n;
	ms->buf[ms->len] = '\0';
	return n;
}

int mem_stream__open(struct mem_stream *ms, size_t max)
{
	static const cookie_io_functions_t io = { .write = ms_write };

	memset(ms, 0, sizeof(*ms));
	ms->max = max;
	ms->f = fopencookie(ms, "w", io);
	return ms->f ? 0 : -errno;
}

int mem_stream__take(struct mem_stream *ms, char **buf, size_t *len)
{
	int err = fclose(ms->f) ? -EIO : 0;

	ms->f = NULL;
	if (ms->overflow)
		err = -EFBIG;
	if (!err && !ms->buf) {
		ms->buf = calloc(1, 1);
		if (!ms->buf)
			err = -ENOMEM;
	}
	if (err) {
		free(ms->buf);
		ms->buf = NULL;
		return err;
	}
	*buf = ms->buf;
	*len = ms->len;
	ms->buf = NULL;
	return 0;
}

void mem_stream__discard(struct mem_stream *ms)
{
	if (ms->f)
		fclose(ms->f);
	free(ms->buf);
	memset(ms, 0, sizeof(*ms));
}
