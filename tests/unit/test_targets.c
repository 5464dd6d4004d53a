// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* targets: --pid parsing and finding the files that provide malloc. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "targets.h"

struct pid_case {
	char text[32];
	int err;
	size_t n;
	pid_t first, last;
};

/* strings inline: criterion runs each parameter in a fresh process */
static struct pid_case pid_cases[] = {
	{ "1234", 0, 1, 1234, 1234 },
	{ "1,2,3", 0, 3, 1, 3 },
	{ "2147483647", 0, 1, 2147483647, 2147483647 },
	{ "", -EINVAL, 0, 0, 0 },
	{ "0", -EINVAL, 0, 0, 0 },
	{ "-5", -EINVAL, 0, 0, 0 },
	{ "12,", -EINVAL, 0, 0, 0 },
	{ ",12", -EINVAL, 0, 0, 0 },
	{ "1,,2", -EINVAL, 0, 0, 0 },
	{ "12abc", -EINVAL, 0, 0, 0 },
	{ "2147483648", -EINVAL, 0, 0, 0 },
	{ "99999999999999999999", -EINVAL, 0, 0, 0 },
	{ " 12", -EINVAL, 0, 0, 0 },
};

ParameterizedTestParameters(targets, parse_pids)
{
	return cr_make_param_array(struct pid_case, pid_cases,
				   sizeof(pid_cases) / sizeof(pid_cases[0]));
}

ParameterizedTest(struct pid_case *c, targets, parse_pids)
{
	pid_t *pids = NULL;
	size_t n = 99;
	int err = targets__parse_pids(c->text, &pids, &n);

	cr_assert(eq(int, err, c->err), "'%s'", c->text);
	if (err) {
		cr_assert(eq(ptr, pids, NULL));
		return;
	}
	cr_assert(eq(sz, n, c->n));
	cr_assert(eq(int, pids[0], c->first));
	cr_assert(eq(int, pids[n - 1], c->last));
	free(pids);
}

Test(targets, this_process_gets_malloc_from_libc_once)
{
	struct alloc_providers prov;
	size_t i, libc = 0;

	cr_assert(eq(int, targets__find_providers(NULL, getpid(), &prov), 0));
	cr_assert(ge(sz, prov.n, 1));
	for (i = 0; i < prov.n; i++) {
		/* opened as mapped, named as the process names it */
		cr_assert(eq(int, strncmp(prov.v[i].path, "/proc/", 6), 0), "%s", prov.v[i].path);
		cr_assert(strstr(prov.v[i].path, "/map_files/") != NULL, "%s", prov.v[i].path);
		libc += strstr(prov.v[i].map_path, "/libc.so") != NULL;
	}
	cr_assert(eq(sz, libc, 1), "libc listed %zu times", libc);
	targets__free_providers(&prov);
}

Test(targets, missing_process)
{
	struct alloc_providers prov;

	cr_assert(eq(int, targets__find_providers(NULL, 999999999, &prov), -ESRCH));
	cr_assert(eq(sz, prov.n, 0));
}

Test(targets, candidate_paths_keep_only_allocators)
{
	char *paths[] = { "/proc/self/exe", "/nonexistent", "/lib/x86_64-linux-gnu/libc.so.6",
			  "/usr/lib/x86_64-linux-gnu/libc.so.6" };
	struct alloc_providers prov;

	cr_assert(eq(int, targets__providers_from_paths(paths, 4, &prov), 0));
	/* the test binary does not define malloc; both libc paths are one file */
	cr_assert(eq(sz, prov.n, 1));
	cr_assert(strstr(prov.v[0].path, "libc.so.6") != NULL);
	targets__free_providers(&prov);
}
