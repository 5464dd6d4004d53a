// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* A container with its own root (a mount namespace pivoted into a
 * directory tree with its own program, loader and libc, the libc behind an
 * absolute symlink, as images have them): traced through --cgroup and
 * symbolized through /proc/PID/root. Its /tmp is a symlink to a host
 * directory holding a perf map for its pid: memtrail, running as root on
 * the host, must never open that host file (resolved inside the root, the
 * symlink leads nowhere). */
#include <sys/inotify.h>
#include "cgroup_fixture.h"

TestSuite(container_root, .timeout = TEST_TIMEOUT, .fini = cleanup);

static bool write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	return f && fputs(text, f) >= 0 && !fclose(f);
}

static void run(const char *cmd)
{
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

Test(container_root, symbolized_inside_its_root_never_outside)
{
	char root[256], decoy[256], dir[512], out[256], libc[512], cmd[8192], path[600];
	char *leaky = workload("leaky"), buf[4096];
	char *argv[] = { "/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c",
			 cmd, NULL };
	struct child in, mt;
	json_t *root_json;
	int ifd, wd;
	pid_t pid;

	require_root();
	host_libc(libc, sizeof(libc));
	tmp_path(root, "root");
	tmp_path(decoy, "decoy");
	track_path(root, true);
	track_path(decoy, true);
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p %1$s/bin %1$s/lib64 %1$s/lib/x86_64-linux-gnu %1$s/opt/libc %1$s/old %2$s && "
		 "cp %3$s %1$s/bin/leaky && cp /lib64/ld-linux-x86-64.so.2 %1$s/lib64/ && "
		 "cp %4$s %1$s/opt/libc/libc-custom.so && "
		 "ln -s /opt/libc/libc-custom.so %1$s/lib/x86_64-linux-gnu/libc.so.6 && "
		 "ln -s %2$s %1$s/tmp",
		 root, decoy, leaky, libc);
	run(cmd);

	/* its own mount namespace whose root is the tree (pivot_root, as
	 * container runtimes do): its maps name files by their paths inside */
	snprintf(cmd, sizeof(cmd), "mount --bind %1$s %1$s && cd %1$s && pivot_root . old && "
		 "exec /bin/leaky --wait", root);
	make_group("pivot", dir, sizeof(dir));
	spawn_in_group(dir, argv, &in);
	pid = wait_ready(&in);
	cr_assert_neq(mapped_inode(pid, "/opt/libc/libc-custom.so"), 0,
		      "the container does not map its own libc");

	/* where the container's /tmp/perf-PID.map leads when its absolute
	 * /tmp symlink is followed from the host's root */
	snprintf(path, sizeof(path), "%s/perf-%d.map", decoy, pid);
	cr_assert(write_text(path, "0 1 host_decoy\n"));
	ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	cr_assert_geq(ifd, 0);
	wd = inotify_add_watch(ifd, path, IN_OPEN);
	cr_assert_geq(wd, 0, "inotify on %s: %s", path, strerror(errno));

	tmp_path(out, "container.json");
	start_memtrail_on(&mt, out, dir, false);
	leaky_go(&in, NULL, 0);
	root_json = stop_memtrail(&mt, out);
	assert_leaks_of(root_json, pid);
	/* the program, at a path only the container has */
	cr_expect(has_frame(root_json, pid, "symbol", "leak_malloc", "/bin/leaky"),
		  "leak_malloc not symbolized in the container's /bin/leaky");
	/* its libc was read (its build ID), from inside the container */
	cr_expect(has_frame(root_json, pid, "build_id", "", "/opt/libc/libc-custom.so"),
		  "the container's libc was not read");
	cr_expect_lt(read(ifd, buf, sizeof(buf)), 0, "memtrail followed the container's /tmp symlink to the host's %s", path);
	close(ifd);
	json_decref(root_json);
	free(leaky);
}
