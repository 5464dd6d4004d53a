// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The unwind-row pool: first fit, coalescing, and released rows held back
 * from reuse while a BPF walk may still read them. */
#include <criterion/criterion.h>
#include <errno.h>
#include "../../user/row_pool.h"

#define S 1000000000ull /* ns */

static struct row_extent take(struct row_pool *p, uint32_t len, uint64_t now)
{
	struct row_extent e;

	cr_assert_eq(row_pool__alloc(p, len, now, &e), 0, "no room for %u rows", len);
	cr_assert_eq(e.len, len);
	return e;
}

Test(row_pool, first_fit_in_order_then_full)
{
	struct row_pool p;
	struct row_extent e;

	cr_assert_eq(row_pool__init(&p, 100), 0);
	cr_expect_eq(take(&p, 30, 0).start, 0);
	cr_expect_eq(take(&p, 50, 0).start, 30);
	cr_expect_eq(row_pool__alloc(&p, 21, 0, &e), -ENOSPC);
	cr_expect_eq(take(&p, 20, 0).start, 80);
	cr_expect_eq(p.used, 100);
	cr_expect_eq(row_pool__alloc(&p, 1, 0, &e), -ENOSPC);
	row_pool__fini(&p);
}

Test(row_pool, released_rows_wait_before_reuse)
{
	struct row_pool p;
	struct row_extent a, e;

	cr_assert_eq(row_pool__init(&p, 100), 0);
	a = take(&p, 100, 0);
	row_pool__release(&p, a, 5 * S);
	cr_expect_eq(p.used, 0);
	cr_expect_eq(row_pool__held_rows(&p), 100);
	/* a walk that read the old entry may still be reading: not yet */
	cr_expect_eq(row_pool__alloc(&p, 10, 5 * S + S / 2, &e), -ENOSPC);
	/* a hold later they are free again, from the start */
	cr_expect_eq(take(&p, 10, 6 * S).start, 0);
	cr_expect_eq(row_pool__held_rows(&p), 0);
	row_pool__fini(&p);
}

Test(row_pool, neighbours_merge_back_into_one_extent)
{
	struct row_pool p;
	struct row_extent a, b, c, d;

	cr_assert_eq(row_pool__init(&p, 40), 0);
	a = take(&p, 10, 0);
	b = take(&p, 10, 0);
	c = take(&p, 10, 0);
	d = take(&p, 10, 0);
	/* free b and d, then a (merges right), then c (merges both sides) */
	row_pool__release(&p, b, 0);
	row_pool__release(&p, d, 0);
	cr_expect_eq(take(&p, 10, 2 * S).start, 10); /* first fit: b's rows */
	row_pool__release(&p, (struct row_extent){ 10, 10 }, 2 * S);
	row_pool__release(&p, a, 2 * S);
	row_pool__release(&p, c, 2 * S);
	cr_expect_eq(p.used, 0);
	/* everything back, as one run: the whole pool fits again */
	cr_expect_eq(take(&p, 40, 4 * S).start, 0);
	cr_expect_eq(p.nfree, 0);
	row_pool__fini(&p);
}

Test(row_pool, an_empty_extent_is_nothing_to_release)
{
	struct row_pool p;

	cr_assert_eq(row_pool__init(&p, 8), 0);
	row_pool__release(&p, (struct row_extent){ 0, 0 }, 0);
	cr_expect_eq(p.nheld, 0);
	cr_expect_eq(take(&p, 8, 0).start, 0);
	row_pool__fini(&p);
}
