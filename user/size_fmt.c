// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Sizes and counts as the text reports print them, into buffers (shared by
 * out_text.c and out_account.c). */
#include <inttypes.h>
#include <stdio.h>
#include "size_fmt.h"

/* "512 B", "40.0 KiB", "1.2 MiB": one decimal, binary units */
void size_fmt__human(char *buf, size_t sz, uint64_t bytes)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = (double)bytes;
	size_t u = 0;

	if (bytes < 1024) {
		snprintf(buf, sz, "%" PRIu64 " B", bytes);
		return;
	}
	/* move up before "%.1f" would round to "1024.0" */
	do {
		v /= 1024;
		u++;
	} while (v >= 1023.95 && u + 1 < sizeof(units) / sizeof(units[0]));
	snprintf(buf, sz, "%.1f %s", v, units[u]);
}

/* 1234567 -> "1,234,567", locale-independent */
void size_fmt__count(char *buf, size_t sz, uint64_t v)
{
	char digits[24];
	size_t n, i, o = 0;

	n = (size_t)snprintf(digits, sizeof(digits), "%" PRIu64, v);
	for (i = 0; i < n && o + 2 < sz; i++) {
		if (i && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
}

