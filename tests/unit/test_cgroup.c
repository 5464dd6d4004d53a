// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* cgroup: mountinfo parsing, /proc/PID/cgroup parsing, and --cgroup
 * PATH|ID resolution against this host's real cgroup2 tree (read only:
 * no privileges needed). */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"

TestSuite(cgroup, .timeout = 10);

static const char hybrid[] =
	"23 1 0:21 / /sys rw,nosuid shared:7 - sysfs sysfs rw\n"
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
	"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:9 - cgroup2 cgroup2 rw\n";

Test(cgroup, v2_mount_of_a_hybrid_host)
{
	char buf[256];

	cr_assert(eq(int, cgroup__parse_v2_mount(hybrid, buf, sizeof(buf)), 0));
	cr_assert(eq(str, buf, "/sys/fs/cgroup/unified"));
}

Test(cgroup, v2_mount_with_escaped_blank)
{
	char buf[256];

	cr_assert(eq(int, cgroup__parse_v2_mount(
		"40 1 0:38 / /my\\040cgroups rw - cgroup2 none rw\n", buf, sizeof(buf)), 0));
	cr_assert(eq(str, buf, "/my cgroups"));
}

Test(cgroup, v2_mount_missing_or_too_long)
{
	char buf[8];

	cr_assert(eq(int, cgroup__parse_v2_mount(
		"35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n", buf, 8),
		-ENOENT));
	cr_assert(eq(int, cgroup__parse_v2_mount("", buf, 8), -ENOENT));
	cr_assert(eq(int, cgroup__parse_v2_mount(hybrid, buf, sizeof(buf)), -ENAMETOOLONG));
}

Test(cgroup, pid_cgroup_file)
{
	char *path;

	cr_assert(eq(int, cgroup__parse_pid_cgroup("12:memory:/a\n0::/kubepods.slice/x\n", &path), 0));
	cr_assert(eq(str, path, "/kubepods.slice/x"));
	free(path);
	cr_assert(eq(int, cgroup__parse_pid_cgroup("12:memory:/a\n1:name=systemd:/\n", &path),
		     -ENOENT));
	cr_assert_null(path);
}

static void mount_or_fail(char *buf, size_t sz)
{
	cr_assert(eq(int, cgroup__find_v2_mount(NULL, buf, sz), 0), "no cgroup2 mount here");
}

Test(cgroup, root_by_path_and_by_id)
{
	char mnt[PATH_MAX];
	struct cgroup_ref r;
	struct stat st;

	mount_or_fail(mnt, sizeof(mnt));
	cr_assert(eq(int, stat(mnt, &st), 0));
	cr_assert(eq(int, cgroup__resolve(mnt, mnt, &r), 0));
	cr_assert(eq(int, r.v2, 1));
	cr_assert(eq(int, r.level, 0));
	cr_assert(eq(u64, r.id, (uint64_t)st.st_ino));
	cgroup__ref_free(&r);
	/* the root's id is 1 (bpf_get_current_cgroup_id of a root task) */
	cr_assert(eq(int, cgroup__resolve(mnt, "1", &r), 0));
	cr_assert(eq(str, r.path, mnt));
	cr_assert(eq(int, r.level, 0));
	cgroup__ref_free(&r);
}

/* The group this test runs in, wherever that is, found three ways. */
Test(cgroup, own_group_by_relative_path_absolute_path_and_id)
{
	char mnt[PATH_MAX], *rel, *abs = NULL, id[32];
	struct cgroup_ref a, b, c;
	struct stat st;
	int depth = 0;
	const char *p;

	mount_or_fail(mnt, sizeof(mnt));
	cr_assert(eq(int, cgroup__pid_path(NULL, getpid(), &rel), 0));
	for (p = rel; *p; p++)
		depth += *p == '/' && p[1];
	cr_assert(ge(int, asprintf(&abs, "%s%s", mnt, strcmp(rel, "/") ? rel : ""), 0));
	cr_assert(eq(int, stat(abs, &st), 0), "%s: %s", abs, strerror(errno));
	snprintf(id, sizeof(id), "%llu", (unsigned long long)st.st_ino);

	cr_assert(eq(int, cgroup__resolve(mnt, abs, &a), 0));
	cr_assert(eq(int, cgroup__resolve(mnt, rel[1] ? rel + 1 : ".", &b), 0));
	cr_assert(eq(int, cgroup__resolve(mnt, id, &c), 0));
	cr_assert(eq(str, a.path, abs));
	cr_assert(eq(str, b.path, abs));
	cr_assert(eq(str, c.path, abs));
	cr_assert(eq(int, a.level, depth));
	cr_assert(eq(int, c.level, depth));
	cr_assert(eq(u64, a.id, (uint64_t)st.st_ino));
	cgroup__ref_free(&a);
	cgroup__ref_free(&b);
	cgroup__ref_free(&c);
	free(abs);
	free(rel);
}

Test(cgroup, bad_arguments)
{
	char mnt[PATH_MAX];
	struct cgroup_ref r;

	mount_or_fail(mnt, sizeof(mnt));
	cr_assert(eq(int, cgroup__resolve(mnt, "", &r), -EINVAL));
	cr_assert(eq(int, cgroup__resolve(mnt, "0", &r), -EINVAL));
	cr_assert(eq(int, cgroup__resolve(mnt, "99999999999999999999999", &r), -EINVAL));
	/* an id no group has */
	cr_assert(eq(int, cgroup__resolve(mnt, "18446744073709551615", &r), -ENOENT));
	cr_assert(eq(int, cgroup__resolve(mnt, "no-such-group-here", &r), -ENOENT));
	cr_assert(eq(int, cgroup__resolve(mnt, "/tmp", &r), -ENOTDIR));
	cr_assert(eq(int, cgroup__resolve(mnt, "/proc/self/status", &r), -ENOTDIR));
	/* a relative path escaping the mount through ".." is no cgroup */
	cr_assert(eq(int, cgroup__resolve(mnt, "../../../../../../../../tmp", &r), -ENOTDIR));
	cr_assert(eq(int, cgroup__resolve(NULL, "relative", &r), -ENOENT));
	cr_assert_null(r.path);
}

Test(cgroup, list_procs_of_own_group_contains_self)
{
	char mnt[PATH_MAX], *rel, *abs = NULL;
	pid_t *pids;
	size_t n, i;
	bool self = false;

	mount_or_fail(mnt, sizeof(mnt));
	cr_assert(eq(int, cgroup__pid_path(NULL, getpid(), &rel), 0));
	cr_assert(ge(int, asprintf(&abs, "%s%s", mnt, rel), 0));
	cr_assert(eq(int, cgroup__list_procs(abs, &pids, &n), 0));
	for (i = 0; i < n; i++) {
		self |= pids[i] == getpid();
		if (i)
			cr_assert(lt(int, pids[i - 1], pids[i]), "not sorted and unique");
	}
	cr_assert(self, "own pid not listed in %s", abs);
	free(pids);
	cr_assert(eq(int, cgroup__list_procs("/nonexistent-cgroup-dir", &pids, &n), -ENOENT));
	free(abs);
	free(rel);
}
