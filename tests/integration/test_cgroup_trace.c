// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* --cgroup against real cgroups: groups made here under the cgroup2 mount
 * (and one cgroup v1 group), workloads inside and outside, processes that
 * join later, fork, exec another binary, live in their own mount namespace
 * with another libc file, or come and go by the hundred. Every group,
 * process and file the tests make is removed in the fixture, also when a
 * test fails. */
#include <dirent.h>
#include "cgroup_fixture.h"

TestSuite(cgroup_trace, .timeout = TEST_TIMEOUT, .fini = cleanup);

static void assert_target(json_t *root, const char *dir)
{
	json_t *t = json_object_get(root, "target");

	cr_expect_str_eq(json_string_value(json_object_get(t, "kind")), "cgroup");
	cr_expect_str_eq(json_string_value(json_object_get(t, "value")), dir);
}

/* ---- tests ---------------------------------------------------------------- */

Test(cgroup_trace, only_the_members_are_reported_exactly)
{
	char dir[512], out[256], *leaky = workload("leaky");
	char *argv[] = { leaky, "--wait", NULL };
	struct child in, outside, mt;
	pid_t in_pid;
	json_t *root;

	require_root();
	make_group("only", dir, sizeof(dir));
	spawn_in_group(dir, argv, &in);
	in_pid = wait_ready(&in);
	cr_assert_eq(in_pid, in.pid);
	start_leaky(&outside); /* same libc file, outside the group */
	track_pid(outside.pid);
	tmp_path(out, "cg-only.json");
	/* the group by its path relative to the cgroup2 mount */
	start_memtrail_on(&mt, out, strrchr(dir, '/') + 1, false);
	leaky_go(&in, NULL, 0);
	leaky_go(&outside, NULL, 0);
	root = stop_memtrail(&mt, out);
	assert_target(root, dir);
	assert_leaks_of(root, in_pid);
	assert_absent(root, outside.pid);
	json_decref(root);
	free(leaky);
}

Test(cgroup_trace, by_id_the_inode_of_its_directory)
{
	char dir[512], out[256], id[32], *leaky = workload("leaky");
	char *argv[] = { leaky, "--wait", NULL };
	struct child in, mt;
	struct stat st;
	json_t *root;

	require_root();
	make_group("byid", dir, sizeof(dir));
	cr_assert(!stat(dir, &st));
	snprintf(id, sizeof(id), "%llu", (unsigned long long)st.st_ino);
	spawn_in_group(dir, argv, &in);
	wait_ready(&in);
	tmp_path(out, "cg-id.json");
	start_memtrail_on(&mt, out, id, false);
	leaky_go(&in, NULL, 0);
	root = stop_memtrail(&mt, out);
	assert_target(root, dir);
	assert_leaks_of(root, in.pid);
	json_decref(root);
	free(leaky);
}

/* A running process moved in by a write to cgroup.procs after memtrail
 * started (announced by cgroup_attach_task, or found by the rescan). */
Test(cgroup_trace, a_process_that_joins_later_is_traced)
{
	char dir[512], out[256], path[600], pidtext[32];
	struct child in, mt;
	json_t *root;

	require_root();
	make_group("later", dir, sizeof(dir));
	tmp_path(out, "cg-later.json");
	start_memtrail_on(&mt, out, dir, true);
	start_leaky(&in); /* outside, loaded and waiting */
	track_pid(in.pid);
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	snprintf(pidtext, sizeof(pidtext), "%d", in.pid);
	cr_assert(write_file(path, pidtext), "cannot move %d into %s", in.pid, dir);
	wait_traced(&mt, in.pid, "leaky");
	leaky_go(&in, NULL, 0);
	root = stop_memtrail(&mt, out);
	assert_leaks_of(root, in.pid);
	json_decref(root);
}

/* A shell in group dir, traced from before it runs script's second part
 * (after a line on stdin), which starts a leaky --wait named comm; returns
 * the report and that process's pid. */
static json_t *trace_member_script(const char *dir, const char *script, const char *comm,
				   struct child *sh, pid_t *pid)
{
	char *argv[] = { "/bin/sh", "-c", (char *)script, NULL }, out[256];
	struct child mt;

	spawn_in_group(dir, argv, sh);
	wait_ready(sh);
	tmp_path(out, "cg-script.json");
	start_memtrail_on(&mt, out, dir, true); /* "tracing": the members found are in */
	say(sh, "x\n");
	*pid = wait_ready(sh);
	wait_traced(&mt, *pid, comm);
	leaky_go(sh, NULL, 0);
	return stop_memtrail(&mt, out);
}

/* a member's child: announced by the fork event */
Test(cgroup_trace, a_child_forked_inside_is_traced)
{
	char dir[512], script[1024], *leaky = workload("leaky");
	struct child sh;
	json_t *root;
	pid_t pid;

	require_root();
	make_group("fork", dir, sizeof(dir));
	/* "echo end" after it: the shell must fork leaky, not become it */
	snprintf(script, sizeof(script), "echo ready $$; read x; %s --wait; echo end", leaky);
	root = trace_member_script(dir, script, "leaky", &sh, &pid);
	cr_assert_neq(pid, sh.pid);
	assert_leaks_of(root, pid);
	json_decref(root);
	free(leaky);
}

/* the member becomes a static executable: a new allocator file for its pid */
Test(cgroup_trace, a_member_that_execs_another_binary_is_followed)
{
	char dir[512], script[1024], *leaky = workload("leaky_static");
	struct child sh;
	json_t *root;
	pid_t pid;

	require_root();
	make_group("exec", dir, sizeof(dir));
	snprintf(script, sizeof(script), "echo ready $$; read x; exec %s --wait", leaky);
	root = trace_member_script(dir, script, "leaky_static", &sh, &pid);
	cr_assert_eq(pid, sh.pid, "exec keeps the pid");
	assert_leaks_of(root, pid);
	json_decref(root);
	free(leaky);
}

/* A container's libc is another file: its own probes, symbolized through
 * the process's root (here: its own mount namespace). */
Test(cgroup_trace, own_mount_namespace_with_another_libc_file)
{
	char dir[512], out[256], libc[512], copy[512], cmd[2048], *leaky = workload("leaky");
	char *argv[] = { "/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c",
			 cmd, NULL };
	struct child in, outside, mt;
	struct stat st;
	json_t *root;
	pid_t pid;

	require_root();
	host_libc(libc, sizeof(libc));
	tmp_path(copy, "libc.so.6");
	snprintf(cmd, sizeof(cmd), "cp %s %s", libc, copy);
	cr_assert_eq(system(cmd), 0);
	track_path(copy, false);
	cr_assert(!stat(copy, &st));
	/* the program too, at a path only the namespace has */
	snprintf(cmd, sizeof(cmd), "mount -t tmpfs memtrail-test /mnt && cp %s /mnt/leaky-ns && "
		 "mount --bind %s %s && exec /mnt/leaky-ns --wait", leaky, copy, libc);
	make_group("mntns", dir, sizeof(dir));
	spawn_in_group(dir, argv, &in);
	pid = wait_ready(&in);
	cr_assert_eq(mapped_inode(pid, "/libc.so.6"), (unsigned long long)st.st_ino,
		     "the workload does not map the copy of libc");
	start_leaky(&outside); /* the host's libc: its own file, not probed */
	track_pid(outside.pid);
	tmp_path(out, "cg-mntns.json");
	start_memtrail_on(&mt, out, dir, false);
	leaky_go(&in, NULL, 0);
	leaky_go(&outside, NULL, 0);
	root = stop_memtrail(&mt, out);
	assert_leaks_of(root, pid);
	assert_absent(root, outside.pid);
	/* the program's frames, read through the process's root */
	cr_expect(has_frame(root, pid, "symbol", "leak_malloc", "/mnt/leaky-ns"),
		  "leak_malloc not symbolized in /mnt/leaky-ns, inside the namespace");
	/* libc frames: the copy was opened and read (its build ID; whether a
	 * name is found depends on the host's debug files) */
	cr_expect(has_frame(root, pid, "build_id", "", "/libc.so.6"),
		  "the namespace's libc was not read");
	json_decref(root);
	free(leaky);
}

static long status_kb(pid_t pid, const char *key)
{
	char path[64], line[256];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	cr_assert(f);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			v = atol(line + strlen(key));
	fclose(f);
	return v;
}

static int count_fds(pid_t pid)
{
	char path[64];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	cr_assert(d);
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/* Waits until memtrail holds at most want descriptors (its exit purges
 * and detaches run in its poll loop). */
static int wait_fds(pid_t pid, int want)
{
	int n = count_fds(pid), tries;

	for (tries = 0; n > want && tries < 1000; tries++) {
		usleep(10000);
		n = count_fds(pid);
	}
	return n;
}

Test(cgroup_trace, two_hundred_short_lived_members_leave_nothing, .timeout = 120)
{
	char dir[512], out[256], script[1024], line[256], *leaky = workload("leaky");
	char *argv[] = { "/bin/sh", "-c", script, NULL };
	long rss_half, rss_end;
	struct child sh, mt;
	int fds_idle;
	json_t *root, *s;
	size_t i;

	require_root();
	make_group("churn", dir, sizeof(dir));
	/* two rounds of 100 processes that leak and exit */
	snprintf(script, sizeof(script),
		 "echo ready $$; for r in 1 2; do read x; i=0; while [ $i -lt 100 ]; do "
		 "%s >/dev/null; i=$((i+1)); done; echo round $r; done; read x", leaky);
	spawn_in_group(dir, argv, &sh);
	wait_ready(&sh);
	tmp_path(out, "cg-churn.json");
	start_memtrail_on(&mt, out, dir, false);
	fds_idle = count_fds(mt.pid);

	say(&sh, "x\n");
	cr_assert(read_line(&sh.out, 60000, line, sizeof(line)) && !strcmp(line, "round 1"),
		  "round 1: '%s'", line);
	cr_expect_eq(wait_fds(mt.pid, fds_idle), fds_idle, "probes of exited members still open");
	rss_half = status_kb(mt.pid, "VmRSS:");
	say(&sh, "x\n");
	cr_assert(read_line(&sh.out, 60000, line, sizeof(line)) && !strcmp(line, "round 2"),
		  "round 2: '%s'", line);
	cr_expect_eq(wait_fds(mt.pid, fds_idle), fds_idle, "probes of exited members still open");
	rss_end = status_kb(mt.pid, "VmRSS:");
	/* 100 more processes traced and gone: memtrail's own memory stays */
	cr_expect_leq(rss_end - rss_half, 1024, "memtrail grew from %ld to %ld kB over 100 members",
		      rss_half, rss_end);

	root = stop_memtrail(&mt, out);
	/* only the shell is left: nothing of the 200 exited processes */
	json_array_foreach(json_object_get(root, "stacks"), i, s)
		cr_expect_eq(json_integer_value(json_object_get(s, "pid")), sh.pid,
			     "a stack of exited pid %lld stayed",
			     json_integer_value(json_object_get(s, "pid")));
	cr_expect_eq(json_array_size(json_object_get(root, "processes")), 1);
	json_decref(root);
	free(leaky);
}

/* On cgroup v1 the kernel's cgroup id helpers see nothing: pids are
 * followed through fork and exit instead, and the report says so. */
Test(cgroup_trace, v1_group_by_pid_tracking)
{
	char dir[512], script[1024], *leaky = workload("leaky");
	struct child sh;
	json_t *root, *note;
	bool noted = false;
	struct stat st;
	size_t i;
	pid_t pid;

	require_root();
	if (stat("/sys/fs/cgroup/pids/cgroup.procs", &st)) {
		/* a cgroup2-only host: no v1 hierarchy to make a group in */
		if (getenv("CI") && !stat("/sys/fs/cgroup/unified", &st))
			cr_assert_fail("hybrid host without a v1 pids hierarchy");
		cr_skip_test("no cgroup v1 pids hierarchy on this host");
	}
	make_group_under("/sys/fs/cgroup/pids", "v1", dir, sizeof(dir));
	snprintf(script, sizeof(script), "echo ready $$; read x; %s --wait; echo end", leaky);
	root = trace_member_script(dir, script, "leaky", &sh, &pid);
	assert_target(root, dir);
	assert_leaks_of(root, pid);
	json_array_foreach(json_object_get(root, "notes"), i, note)
		noted |= strstr(json_string_value(note), "cgroup v1") != NULL;
	cr_expect(noted, "no note about cgroup v1 pid tracking");
	json_decref(root);
	free(leaky);
}

static int run_quiet(char **args, char *err, size_t sz)
{
	char *argv[16] = { (char *)mt_bin() };
	struct child c;
	size_t i;
	int rc;

	for (i = 0; args[i] && i < 14; i++)
		argv[i + 1] = args[i];
	spawn(argv, &c, "/dev/null");
	err[0] = '\0';
	rc = reap(&c, 20000);
	read_line(&c.err, 1000, err, sz);
	child_close(&c);
	return rc;
}

Test(cgroup_trace, bad_groups_are_usage_errors)
{
	char err[512], missing[64];
	char *none[] = { "--cgroup", missing, NULL };
	char *notcg[] = { "--cgroup", "/tmp", NULL };
	char *noid[] = { "--cgroup", "18446744073709551615", NULL };
	char *both[] = { "--cgroup", "/", "--pid", "1", NULL };

	require_root();
	snprintf(missing, sizeof(missing), "memtrail-test-%d-missing", getpid());
	cr_expect_eq(run_quiet(none, err, sizeof(err)), 2);
	cr_expect(strstr(err, "not found"), "%s", err);
	cr_expect_eq(run_quiet(notcg, err, sizeof(err)), 2);
	cr_expect(strstr(err, "not a cgroup directory"), "%s", err);
	cr_expect_eq(run_quiet(noid, err, sizeof(err)), 2);
	cr_expect(strstr(err, "not found"), "%s", err);
	cr_expect_eq(run_quiet(both, err, sizeof(err)), 2);
	cr_expect(strstr(err, "exclude each other"), "%s", err);
}
