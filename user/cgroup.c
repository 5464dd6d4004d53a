// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* cgroup resolution: mountinfo, --cgroup PATH|ID, cgroup.procs walks,
 * /proc/PID/cgroup. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include "array.h"
#include "cgroup.h"
#include "procfs.h"

/* statfs f_type (linux/magic.h) */
#define CGROUP_SUPER_MAGIC 0x27e0eb
#define CGROUP2_SUPER_MAGIC 0x63677270

/* deeper than this is refused rather than walked (a loop, or absurd) */
#define MAX_DEPTH 64

/* mountinfo escapes blanks, tabs, newlines and backslashes as \ooo */
static int unescape(const char *s, size_t len, char *buf, size_t sz)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == '\\' && i + 3 < len && s[i + 1] >= '0' && s[i + 1] <= '3' &&
		    s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
			c = (s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0');
			i += 3;
		}
		if (o + 1 >= sz)
			return -ENAMETOOLONG;
		buf[o++] = c;
	}
	buf[o] = '\0';
	return 0;
}

int cgroup__parse_v2_mount(const char *mountinfo, char *buf, size_t sz)
{
	const char *line = mountinfo;

	while (line && *line) {
		const char *eol = strchrnul(line, '\n'), *sep, *p, *mnt, *mnt_end;
		int field;

		/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPER" */
		sep = memmem(line, eol - line, " - ", 3);
		if (sep && eol - (sep + 3) >= 8 && !strncmp(sep + 3, "cgroup2 ", 8)) {
			for (p = line, field = 0; field < 4 && p < sep; p++)
				if (*p == ' ')
					field++;
			mnt = p;
			mnt_end = memchr(mnt, ' ', sep - mnt);
			if (field == 4 && mnt_end && mnt_end > mnt)
				return unescape(mnt, mnt_end - mnt, buf, sz);
		}
		line = *eol ? eol + 1 : NULL;
	}
	return -ENOENT;
}

int cgroup__find_v2_mount(const char *mountinfo_path, char *buf, size_t sz)
{
	char *text;
	size_t len;
	int err;

	err = procfs__read_file(mountinfo_path ? mountinfo_path : "/proc/self/mountinfo",
				4 << 20, &text, &len);
	if (err)
		return err;
	err = cgroup__parse_v2_mount(text, buf, sz);
	free(text);
	return err;
}

/* Depth of dir below the root of its mount: the parent of a mount's root
 * is on another device. */
static int depth_in_mount(const char *dir, int *level)
{
	char *p = strdup(dir), *slash;
	struct stat st, up;
	int n = 0, err = 0;

	if (!p)
		return -ENOMEM;
	if (stat(p, &st)) {
		err = -errno;
		goto out;
	}
	for (;;) {
		slash = strrchr(p, '/');
		if (!slash || slash == p) /* the parent would be "/" */
			up.st_dev = 0;
		else {
			*slash = '\0';
			if (stat(p, &up)) {
				err = -errno;
				goto out;
			}
		}
		if (up.st_dev != st.st_dev)
			break;
		if (++n > MAX_DEPTH) {
			err = -ELOOP;
			goto out;
		}
	}
	*level = n;
out:
	free(p);
	return err;
}

/* Calls visit(sub, depth + 1) for each child group of dir until it
 * returns non-zero (which is returned). 0 when dir cannot be read (a
 * group removed meanwhile), or -errno. */
static int for_each_child(const char *dir, int depth,
			  int (*visit)(const char *sub, int depth, void *ctx), void *ctx)
{
	struct dirent *de;
	int err = 0;
	DIR *d;

	if (depth >= MAX_DEPTH)
		return 0;
	d = opendir(dir);
	if (!d)
		return 0;
	while (!err && (de = readdir(d))) {
		char *sub;

		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (asprintf(&sub, "%s/%s", dir, de->d_name) < 0) {
			err = -ENOMEM;
			break;
		}
		err = visit(sub, depth + 1, ctx);
		free(sub);
	}
	closedir(d);
	return err;
}

struct id_search {
	uint64_t id;
	char *found;
	int level;
};

/* 1 when sub (or a group below it) is the one searched for */
static int visit_id(const char *sub, int depth, void *ctx)
{
	struct id_search *q = ctx;
	struct stat st;

	if (!stat(sub, &st) && (uint64_t)st.st_ino == q->id) {
		q->found = strdup(sub);
		q->level = depth;
		return q->found ? 1 : -ENOMEM;
	}
	return for_each_child(sub, depth, visit_id, q);
}

static int resolve_id(const char *mount, const char *arg, struct cgroup_ref *out)
{
	struct id_search q = {};
	struct stat st;
	int err;
	char *end;
	unsigned long long id;

	errno = 0;
	id = strtoull(arg, &end, 10);
	if (errno || *end || !id)
		return -EINVAL;
	if (!mount)
		return -ENOENT; /* ids name cgroup2 groups only */
	if (stat(mount, &st))
		return -errno;
	out->v2 = true;
	out->id = id;
	if ((uint64_t)st.st_ino == id) {
		out->level = 0;
		out->path = strdup(mount);
		return out->path ? 0 : -ENOMEM;
	}
	q.id = id;
	err = for_each_child(mount, 0, visit_id, &q);
	if (err < 0)
		return err;
	if (!err)
		return -ENOENT;
	out->path = q.found;
	out->level = q.level;
	return 0;
}

int cgroup__resolve(const char *mount, const char *arg, struct cgroup_ref *out)
{
	char *joined = NULL, *real = NULL;
	struct statfs sfs;
	struct stat st;
	int err;

	memset(out, 0, sizeof(*out));
	out->level = -1;
	if (!arg || !*arg)
		return -EINVAL;
	if (strspn(arg, "0123456789") == strlen(arg)) {
		err = resolve_id(mount, arg, out);
		goto out;
	}
	if (arg[0] != '/') {
		if (!mount) {
			err = -ENOENT;
			goto out;
		}
		if (asprintf(&joined, "%s/%s", mount, arg) < 0) {
			joined = NULL;
			err = -ENOMEM;
			goto out;
		}
	}
	real = realpath(joined ? joined : arg, NULL);
	if (!real) {
		err = -errno;
		goto out;
	}
	if (stat(real, &st) || statfs(real, &sfs)) {
		err = -errno;
		goto out;
	}
	if (!S_ISDIR(st.st_mode) ||
	    (sfs.f_type != CGROUP2_SUPER_MAGIC && sfs.f_type != CGROUP_SUPER_MAGIC)) {
		err = -ENOTDIR;
		goto out;
	}
	out->id = st.st_ino;
	out->v2 = sfs.f_type == CGROUP2_SUPER_MAGIC;
	err = out->v2 ? depth_in_mount(real, &out->level) : 0;
	if (!err) {
		out->path = real;
		real = NULL;
	}
out:
	free(joined);
	free(real);
	if (err)
		cgroup__ref_free(out);
	return err;
}

void cgroup__ref_free(struct cgroup_ref *r)
{
	free(r->path);
	r->path = NULL;
}

struct pid_list {
	pid_t *v;
	size_t n, cap;
};

static int read_procs(const char *dir, struct pid_list *l)
{
	char *path, *text, *p, *end;
	size_t len;
	int err;

	if (asprintf(&path, "%s/cgroup.procs", dir) < 0)
		return -ENOMEM;
	err = procfs__read_file(path, 16 << 20, &text, &len);
	free(path);
	if (err)
		return err;
	for (p = text; *p; p = end) {
		long pid;

		errno = 0;
		pid = strtol(p, &end, 10);
		if (end == p)
			break;
		if (!errno && pid > 0 && pid <= INT_MAX) {
			if (array_grow((void **)&l->v, &l->cap, l->n, sizeof(*l->v))) {
				err = -ENOMEM;
				break;
			}
			l->v[l->n++] = pid;
		}
	}
	free(text);
	return err;
}

static int walk_procs(const char *dir, int depth, void *ctx)
{
	int err = read_procs(dir, ctx);

	if (err)
		return depth ? 0 : err; /* a sub-group removed meanwhile: skipped */
	return for_each_child(dir, depth, walk_procs, ctx);
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

int cgroup__list_procs(const char *path, pid_t **pids, size_t *n)
{
	struct pid_list l = {};
	size_t i, k;
	int err;

	*pids = NULL;
	*n = 0;
	err = walk_procs(path, 0, &l);
	if (err) {
		free(l.v);
		return err;
	}
	qsort(l.v, l.n, sizeof(*l.v), cmp_pid);
	/* a process moved between two groups during the walk is read twice */
	for (i = k = 0; i < l.n; i++)
		if (!k || l.v[k - 1] != l.v[i])
			l.v[k++] = l.v[i];
	*pids = l.v;
	*n = k;
	return 0;
}

int cgroup__parse_pid_cgroup(const char *text, char **path)
{
	const char *line = text;

	*path = NULL;
	while (line && *line) {
		const char *eol = strchrnul(line, '\n');

		/* v1 lines are "N:controllers:/path"; the cgroup2 one is "0::/path" */
		if (!strncmp(line, "0::", 3)) {
			*path = strndup(line + 3, eol - (line + 3));
			return *path ? 0 : -ENOMEM;
		}
		line = *eol ? eol + 1 : NULL;
	}
	return -ENOENT;
}

int cgroup__pid_path(const char *root, pid_t pid, char **path)
{
	char *text;
	size_t len;
	int err;

	*path = NULL;
	err = procfs__read_pid_file(root, pid, "cgroup", 1 << 16, &text, &len);
	if (err)
		return err;
	err = cgroup__parse_pid_cgroup(text, path);
	free(text);
	return err;
}
