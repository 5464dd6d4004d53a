/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Real cgroups for integration tests: groups made under the cgroup2 mount,
 * workloads started inside them, memtrail started on them, and a cleanup
 * for the suite's .fini that kills and removes everything made, also when
 * a test fails. */
#ifndef MT_CGROUP_FIXTURE_H
#define MT_CGROUP_FIXTURE_H

#include <ftw.h>
#include "harness.h"
#include "leaks.h"

/* ---- what the fixture cleans up ------------------------------------------ */

static char made_groups[16][512];
static size_t nmade_groups;
static pid_t started[16];
static size_t nstarted;
static char made_files[8][512];
static size_t nmade_files;
static char made_trees[4][512];
static size_t nmade_trees;

/* path is removed by the fixture (a file; with tree, a directory and
 * everything in it) */
static inline void track_path(const char *path, bool tree)
{
	if (tree && nmade_trees < sizeof(made_trees) / sizeof(made_trees[0]))
		snprintf(made_trees[nmade_trees++], sizeof(made_trees[0]), "%s", path);
	else if (!tree && nmade_files < sizeof(made_files) / sizeof(made_files[0]))
		snprintf(made_files[nmade_files++], sizeof(made_files[0]), "%s", path);
}

static inline int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}


static inline void track_pid(pid_t pid)
{
	if (nstarted < sizeof(started) / sizeof(started[0]))
		started[nstarted++] = pid;
}

static inline bool write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok;
}

/* pids listed in dir/cgroup.procs (at most max) */
static inline size_t group_procs(const char *dir, pid_t *pids, size_t max)
{
	char path[600];
	size_t n = 0;
	FILE *f;
	int pid;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (n < max && fscanf(f, "%d", &pid) == 1)
		pids[n++] = pid;
	fclose(f);
	return n;
}

/* Kills whatever is left in the group and removes it. */
static inline void remove_group(const char *dir)
{
	char path[600];
	pid_t pids[256];
	size_t n, i;
	int tries;

	snprintf(path, sizeof(path), "%s/cgroup.kill", dir);
	if (!write_file(path, "1")) { /* cgroup v1, or before 5.14 */
		n = group_procs(dir, pids, 256);
		for (i = 0; i < n; i++)
			kill(pids[i], SIGKILL);
	}
	for (tries = 0; tries < 500 && group_procs(dir, pids, 1); tries++)
		usleep(10000);
	rmdir(dir);
}

static inline void cleanup(void)
{
	size_t i;

	for (i = 0; i < nstarted; i++) {
		kill(started[i], SIGKILL);
		waitpid(started[i], NULL, 0);
	}
	nstarted = 0;
	while (nmade_groups)
		remove_group(made_groups[--nmade_groups]);
	for (i = 0; i < nmade_files; i++)
		unlink(made_files[i]);
	nmade_files = 0;
	for (i = 0; i < nmade_trees; i++)
		nftw(made_trees[i], remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	nmade_trees = 0;
}

/* ---- helpers ------------------------------------------------------------- */

/* The cgroup2 mount point, from /proc/self/mountinfo. */
static inline void v2_mount(char *buf, size_t sz)
{
	char line[4096], fstype[64], mnt[1024];
	FILE *f = fopen("/proc/self/mountinfo", "r");

	cr_assert(f);
	buf[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - ");

		if (!sep || sscanf(sep + 3, "%63s", fstype) != 1 || strcmp(fstype, "cgroup2"))
			continue;
		cr_assert(sscanf(line, "%*s %*s %*s %*s %1023s", mnt) == 1);
		snprintf(buf, sz, "%s", mnt);
		break;
	}
	fclose(f);
	cr_assert(buf[0], "no cgroup2 mount on this host");
}

/* Makes <parent>/memtrail-test-<pid>-<name>; its path into dir. */
static inline void make_group_under(const char *parent, const char *name, char *dir, size_t sz)
{
	snprintf(dir, sz, "%s/memtrail-test-%d-%s", parent, getpid(), name);
	cr_assert(!mkdir(dir, 0755) || errno == EEXIST, "mkdir %s: %s", dir, strerror(errno));
	cr_assert(nmade_groups < sizeof(made_groups) / sizeof(made_groups[0]));
	snprintf(made_groups[nmade_groups++], sizeof(made_groups[0]), "%s", dir);
}

static inline void make_group(const char *name, char *dir, size_t sz)
{
	char mnt[1024];

	v2_mount(mnt, sizeof(mnt));
	make_group_under(mnt, name, dir, sz);
}

/* Starts argv inside the group dir: a shell puts itself there, then
 * becomes argv. */
static inline void spawn_in_group(const char *dir, char *const argv[], struct child *c)
{
	char *sh[16] = { "/bin/sh", "-c", "echo $$ > \"$1/cgroup.procs\" && shift && exec \"$@\"",
			 "sh", (char *)dir };
	size_t i;

	for (i = 0; argv[i] && i < 10; i++)
		sh[5 + i] = argv[i];
	sh[5 + i] = NULL;
	spawn(sh, c, NULL);
	track_pid(c->pid);
}

/* "ready PID" from a leaky --wait; returns PID. */
static inline pid_t wait_ready(struct child *c)
{
	char line[256];
	int pid = 0;

	cr_assert(read_line(&c->out, 20000, line, sizeof(line)), "workload did not start");
	cr_assert(sscanf(line, "ready %d", &pid) == 1, "workload said '%s'", line);
	return pid;
}

static inline void start_memtrail_on(struct child *mt, const char *out, const char *group, bool verbose)
{
	char *args[] = { "--cgroup", (char *)group, "--format", "json", verbose ? "-v" : NULL,
			 NULL };

	track_path(out, false);
	start_memtrail(mt, out, args);
	track_pid(mt->pid);
}

/* Waits until memtrail says pid (comm) is traced through a file. */
static inline void wait_traced(struct child *mt, pid_t pid, const char *comm)
{
	char needle[128];

	snprintf(needle, sizeof(needle), "cgroup member %d (%s): traced through", pid, comm);
	cr_assert(wait_for(&mt->err, needle, 20000, NULL, 0), "memtrail never said '%s'", needle);
}

static inline json_t *stop_memtrail(struct child *mt, const char *out)
{
	json_t *root;

	kill(mt->pid, SIGINT);
	cr_assert_eq(reap(mt, 20000), 0, "memtrail did not exit cleanly");
	root = load_report(out);
	unlink(out);
	return root;
}

static inline void assert_leaks_of(json_t *root, pid_t pid)
{
	long long bytes, allocs;
	bool logged = false;
	size_t i;

	for (i = 0; i < NLEAKS; i++) {
		sum_by_symbol(root, pid, leaks[i].symbol, &bytes, &allocs);
		if (!logged && bytes != leaks[i].bytes) {
			/* what the report says instead: untraced, or traced
			 * with its stacks lost */
			char *stats = json_dumps(json_object_get(root, "stats"), JSON_COMPACT);
			char *procs = json_dumps(json_object_get(root, "processes"), JSON_COMPACT);

			cr_log_error("pid %d: stats %s; processes %s", pid, stats, procs);
			free(stats);
			free(procs);
			logged = true;
		}
		cr_expect_eq(bytes, leaks[i].bytes, "pid %d %s: %lld bytes, expected %lld", pid,
			     leaks[i].symbol, bytes, leaks[i].bytes);
		cr_expect_eq(allocs, leaks[i].allocs, "pid %d %s: %lld allocations, expected %lld",
			     pid, leaks[i].symbol, allocs, leaks[i].allocs);
	}
	cr_expect_eq(sum_by_symbol(root, pid, "control_alloc_free", &bytes, &allocs), 0,
		     "control_alloc_free freed everything but shows %lld bytes", bytes);
}

/* No stack and no process of pid in the report. */
static inline void assert_absent(json_t *root, pid_t pid)
{
	json_t *e;
	size_t i;

	json_array_foreach(json_object_get(root, "stacks"), i, e)
		cr_expect_neq(json_integer_value(json_object_get(e, "pid")), pid,
			      "a stack of pid %d, which is outside the group", pid);
	json_array_foreach(json_object_get(root, "processes"), i, e)
		cr_expect_neq(json_integer_value(json_object_get(e, "pid")), pid,
			      "pid %d, outside the group, is listed", pid);
}

/* Makes exactly <parent>/<name> (a kubelet's names); its path into dir. */
static inline void make_named_group(const char *parent, const char *name, char *dir, size_t sz)
{
	snprintf(dir, sz, "%s/%s", parent, name);
	cr_assert(!mkdir(dir, 0755) || errno == EEXIST, "mkdir %s: %s", dir, strerror(errno));
	cr_assert(nmade_groups < sizeof(made_groups) / sizeof(made_groups[0]));
	snprintf(made_groups[nmade_groups++], sizeof(made_groups[0]), "%s", dir);
}

/* inode of the first mapping of pid whose path ends in suffix */
static inline unsigned long long mapped_inode(pid_t pid, const char *suffix)
{
	char path[64], line[1024], file[512];
	unsigned long long ino = 0, i;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	cr_assert(f);
	while (!ino && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %*s %*s %*s %llu %511s", &i, file) == 2 &&
		    strlen(file) >= strlen(suffix) &&
		    !strcmp(file + strlen(file) - strlen(suffix), suffix))
			ino = i;
	}
	fclose(f);
	return ino;
}

/* The host libc's path as this process maps it. */
static inline void host_libc(char *buf, size_t sz)
{
	char line[1024], file[512];
	FILE *f = fopen("/proc/self/maps", "r");

	buf[0] = '\0';
	cr_assert(f);
	while (!buf[0] && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %*s %*s %*s %*s %511s", file) == 1 && strstr(file, "/libc.so"))
			snprintf(buf, sz, "%s", file);
	fclose(f);
	cr_assert(buf[0], "no libc in /proc/self/maps");
}

/* True when a frame of pid in a module ending in module_suffix has
 * field (symbol, reason) starting with value. */
static inline bool has_frame(json_t *root, pid_t pid, const char *field, const char *value,
		      const char *module_suffix)
{
	json_t *s, *fr;
	size_t i, k;

	json_array_foreach(json_object_get(root, "stacks"), i, s) {
		if (json_integer_value(json_object_get(s, "pid")) != pid)
			continue;
		json_array_foreach(json_object_get(s, "frames"), k, fr) {
			const char *v = json_string_value(json_object_get(fr, field));
			const char *mod = json_string_value(json_object_get(fr, "module"));

			if (v && mod && !strncmp(v, value, strlen(value)) &&
			    strlen(mod) >= strlen(module_suffix) &&
			    !strcmp(mod + strlen(mod) - strlen(module_suffix), module_suffix))
				return true;
		}
	}
	return false;
}

#endif /* MT_CGROUP_FIXTURE_H */
