/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Growable arrays: the one helper every module uses to append. */
#ifndef MT_ARRAY_H
#define MT_ARRAY_H

#include <errno.h>
#include <stdlib.h>

/* Makes room for element n of *arr (capacity *cap, elements of sz bytes),
 * doubling the capacity when full. 0 or -ENOMEM (*arr unchanged). */
static inline int array_grow(void **arr, size_t *cap, size_t n, size_t sz)
{
	size_t ncap;
	void *tmp;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	tmp = reallocarray(*arr, ncap, sz);
	if (!tmp)
		return -ENOMEM;
	*arr = tmp;
	*cap = ncap;
	return 0;
}

#endif /* MT_ARRAY_H */
