// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* String interning: an array of copies and an open-addressing index over
 * it, kept at most half full. */
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "str_table.h"

static size_t hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 0x100000001b3ull;
	return (size_t)(h ^ (h >> 32));
}

static size_t *find(struct str_table *t, const char *s)
{
	size_t i = hash_str(s) & (t->nslots - 1);

	while (t->slots[i] && strcmp(t->strs[t->slots[i] - 1], s))
		i = (i + 1) & (t->nslots - 1);
	return &t->slots[i];
}

static int grow_index(struct str_table *t)
{
	size_t *old = t->slots, old_n = t->nslots, i;

	t->nslots = old_n ? old_n * 2 : 1024;
	t->slots = calloc(t->nslots, sizeof(*t->slots));
	if (!t->slots) {
		t->slots = old;
		t->nslots = old_n;
		return -1;
	}
	for (i = 0; i < t->n; i++)
		*find(t, t->strs[i]) = i + 1;
	free(old);
	return 0;
}

int64_t str_table__index(struct str_table *t, const char *s)
{
	size_t *slot;

	if (!s)
		s = "";
	if ((t->n + 1) * 2 > t->nslots && grow_index(t))
		return -1;
	slot = find(t, s);
	if (*slot)
		return (int64_t)(*slot - 1);
	if (array_grow((void **)&t->strs, &t->cap, t->n, sizeof(*t->strs)))
		return -1;
	t->strs[t->n] = strdup(s);
	if (!t->strs[t->n])
		return -1;
	*slot = ++t->n;
	return (int64_t)(*slot - 1);
}

void str_table__free(struct str_table *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->strs[i]);
	free(t->strs);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}
