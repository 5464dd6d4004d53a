/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Scratch directories for unit-test fixtures: made by .init, removed with
 * everything in them by .fini. */
#ifndef MT_TEST_TMPDIR_H
#define MT_TEST_TMPDIR_H

#include <criterion/criterion.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A new directory /tmp/<prefix>.XXXXXX (malloc'd path). */
static inline char *tmpdir_make(const char *prefix)
{
	char *dir = NULL;

	cr_assert(asprintf(&dir, "/tmp/%s.XXXXXX", prefix) > 0);
	cr_assert_not_null(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
	return dir;
}

static inline int tmpdir_rm_entry(const char *path, const struct stat *st, int flag,
				  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Removes dir and its contents, frees the path; NULL is fine. */
static inline void tmpdir_remove(char *dir)
{
	if (dir)
		nftw(dir, tmpdir_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

#endif /* MT_TEST_TMPDIR_H */
