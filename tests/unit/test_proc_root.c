// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* proc_root: opening paths inside a process's root on a fake root built in
 * a temporary directory: symlinks inside it work, none leads out of it. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tmpdir.h"
#include "proc_root.h"

static char *tmp;	/* <tmp>/root is the fake root, <tmp>/outside a host file */
static int root_fd = -1;

static void put(const char *rel, const char *text)
{
	char *path;
	FILE *f;

	cr_assert(ge(int, asprintf(&path, "%s/%s", tmp, rel), 0));
	f = fopen(path, "w");
	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
	free(path);
}

static void link_in_root(const char *target, const char *rel)
{
	char *path;

	cr_assert(ge(int, asprintf(&path, "%s/root/%s", tmp, rel), 0));
	cr_assert(eq(int, symlink(target, path), 0), "%s: %s", path, strerror(errno));
	free(path);
}

static void setup(void)
{
	char *path;

	tmp = tmpdir_make("mt_proc_root");
	cr_assert(ge(int, asprintf(&path, "%s/root", tmp), 0));
	cr_assert(eq(int, mkdir(path, 0755), 0));
	root_fd = open(path, O_PATH | O_DIRECTORY);
	cr_assert(ge(int, root_fd, 0));
	free(path);
	cr_assert(ge(int, asprintf(&path, "%s/root/lib", tmp), 0));
	cr_assert(eq(int, mkdir(path, 0755), 0));
	free(path);
	put("outside", "host\n");
	put("root/lib/libc-2.36.so", "container libc\n");
	put("root/outside", "container file\n");
}

static void teardown(void)
{
	if (root_fd >= 0)
		close(root_fd);
	root_fd = -1;
	tmpdir_remove(tmp);
	tmp = NULL;
}

TestSuite(proc_root, .init = setup, .fini = teardown, .timeout = 10);

/* What path opens to inside the root ("" when it fails: *err = -errno). */
static void read_in_root(const char *path, char *buf, size_t sz, int *err)
{
	int fd = proc_root__open_at(root_fd, path, O_RDONLY);
	ssize_t n;

	buf[0] = '\0';
	*err = fd < 0 ? fd : 0;
	if (fd < 0)
		return;
	n = read(fd, buf, sz - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
}

Test(proc_root, plain_and_relative_links_inside)
{
	char buf[64];
	int err;

	link_in_root("libc-2.36.so", "lib/libc.so.6");
	read_in_root("/lib/libc-2.36.so", buf, sizeof(buf), &err);
	cr_assert(eq(str, buf, "container libc\n"));
	read_in_root("/lib/libc.so.6", buf, sizeof(buf), &err);
	cr_assert(eq(str, buf, "container libc\n"));
}

/* An absolute symlink means the container's "/", not the host's. */
Test(proc_root, absolute_link_stays_inside)
{
	char buf[64], *host_target;
	int err;

	cr_assert(ge(int, asprintf(&host_target, "%s/outside", tmp), 0));
	link_in_root("/outside", "lib/abs");
	link_in_root(host_target, "lib/to_host");
	read_in_root("/lib/abs", buf, sizeof(buf), &err);
	cr_assert(eq(str, buf, "container file\n"));
	/* the host path of a host file, taken inside the root: not there */
	read_in_root("/lib/to_host", buf, sizeof(buf), &err);
	cr_assert(eq(int, err, -ENOENT));
	cr_assert(eq(str, buf, ""));
	free(host_target);
}

/* ".." never climbs above the root, in a link or in the path itself. */
Test(proc_root, dotdot_stays_inside)
{
	char buf[64];
	int err;

	link_in_root("../../../../outside", "lib/up");
	read_in_root("/lib/up", buf, sizeof(buf), &err);
	cr_assert(eq(str, buf, "container file\n"));
	read_in_root("/../../outside", buf, sizeof(buf), &err);
	cr_assert(eq(str, buf, "container file\n"));
	read_in_root("../outside", buf, sizeof(buf), &err);
	cr_assert(eq(str, buf, "container file\n"));
}

/* /proc magic links jump anywhere: refused. */
Test(proc_root, magic_links_refused)
{
	char buf[64], *path;
	int fd, err;

	cr_assert(ge(int, asprintf(&path, "%s/root/proc", tmp), 0));
	cr_assert(eq(int, symlink("/proc", path), 0));
	free(path);
	/* /proc inside this root is a link to "/proc" in the root: missing */
	read_in_root("/proc/self/root/outside", buf, sizeof(buf), &err);
	cr_assert(eq(str, buf, ""));
	/* the real /proc as the root: its magic links are refused */
	fd = open("/proc", O_PATH | O_DIRECTORY);
	cr_assert(ge(int, fd, 0));
	cr_assert(eq(int, proc_root__open_at(fd, "self/root/etc/hostname", O_RDONLY), -ELOOP));
	close(fd);
}

Test(proc_root, missing_process)
{
	cr_assert(eq(int, proc_root__open("/nonexistent-procfs", 1, "/etc/hostname", O_RDONLY),
		     -ENOENT));
}
