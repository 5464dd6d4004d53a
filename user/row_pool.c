// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The unwind-row pool's allocator (row_pool.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "array.h"
#include "row_pool.h"

int row_pool__init(struct row_pool *p, uint32_t rows)
{
	memset(p, 0, sizeof(*p));
	if (array_grow((void **)&p->free, &p->free_cap, 0, sizeof(*p->free)))
		return -ENOMEM;
	p->free[p->nfree++] = (struct row_extent){ 0, rows };
	return 0;
}

void row_pool__fini(struct row_pool *p)
{
	free(p->free);
	free(p->held);
	free(p->held_at);
	memset(p, 0, sizeof(*p));
}

/* Back on the free list, merged with the neighbours it touches. */
static void put_free(struct row_pool *p, struct row_extent e)
{
	size_t i = 0;

	while (i < p->nfree && p->free[i].start < e.start)
		i++;
	if (i > 0 && p->free[i - 1].start + p->free[i - 1].len == e.start) {
		p->free[i - 1].len += e.len;
		if (i < p->nfree && e.start + e.len == p->free[i].start) {
			p->free[i - 1].len += p->free[i].len;
			memmove(&p->free[i], &p->free[i + 1], (p->nfree - i - 1) * sizeof(*p->free));
			p->nfree--;
		}
		return;
	}
	if (i < p->nfree && e.start + e.len == p->free[i].start) {
		p->free[i].start = e.start;
		p->free[i].len += e.len;
		return;
	}
	if (array_grow((void **)&p->free, &p->free_cap, p->nfree, sizeof(*p->free)))
		return; /* these rows stay unused: nothing breaks */
	memmove(&p->free[i + 1], &p->free[i], (p->nfree - i) * sizeof(*p->free));
	p->free[i] = e;
	p->nfree++;
}

static void reclaim(struct row_pool *p, uint64_t now_ns)
{
	size_t i = 0;

	while (i < p->nheld) {
		if (now_ns - p->held_at[i] < ROW_POOL_HOLD_NS) {
			i++;
			continue;
		}
		put_free(p, p->held[i]);
		p->nheld--;
		p->held[i] = p->held[p->nheld];
		p->held_at[i] = p->held_at[p->nheld];
	}
}

int row_pool__alloc(struct row_pool *p, uint32_t len, uint64_t now_ns, struct row_extent *out)
{
	size_t i;

	reclaim(p, now_ns);
	for (i = 0; i < p->nfree; i++) {
		if (p->free[i].len < len)
			continue;
		*out = (struct row_extent){ p->free[i].start, len };
		p->free[i].start += len;
		p->free[i].len -= len;
		if (!p->free[i].len) {
			memmove(&p->free[i], &p->free[i + 1], (p->nfree - i - 1) * sizeof(*p->free));
			p->nfree--;
		}
		p->used += len;
		return 0;
	}
	return -ENOSPC;
}

void row_pool__release(struct row_pool *p, struct row_extent e, uint64_t now_ns)
{
	if (!e.len)
		return;
	p->used -= e.len;
	if (array_grow((void **)&p->held, &p->held_cap, p->nheld, sizeof(*p->held)) ||
	    array_grow((void **)&p->held_at, &p->held_at_cap, p->nheld, sizeof(*p->held_at)))
		return; /* these rows stay unused: nothing breaks */
	p->held[p->nheld] = e;
	p->held_at[p->nheld++] = now_ns;
}

size_t row_pool__held_rows(const struct row_pool *p)
{
	size_t i, n = 0;

	for (i = 0; i < p->nheld; i++)
		n += p->held[i].len;
	return n;
}
