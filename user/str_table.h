/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Interned strings with dense indexes in order of first use: the pprof
 * string table, and the name list of the HTML flame graph. */
#ifndef MT_STR_TABLE_H
#define MT_STR_TABLE_H

#include <stddef.h>
#include <stdint.h>

struct str_table {
	char **strs;		/* strs[i]: the string of index i (copies) */
	size_t n;
	/* private */
	size_t cap;
	size_t *slots;		/* open addressing: index + 1, 0 empty */
	size_t nslots;		/* a power of two */
};

/* The index of s (NULL counts as ""), added when new; -1 when out of memory. */
int64_t str_table__index(struct str_table *t, const char *s);
void str_table__free(struct str_table *t);

#endif /* MT_STR_TABLE_H */
