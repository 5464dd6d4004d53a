// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The group table: walk the cgroup subtree, read each directory's
 * cgroup.procs, fold directories into groups (pods), and swap the new
 * table in for the old one. Nothing survives a refresh that the tree no
 * longer shows, so days of pod churn cost no memory. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "array.h"
#include "kube.h"
#include "serve_groups.h"

#define WALK_MAX_DEPTH 32
#define WALK_MAX_DIRS 100000
#define PROCS_MAX_BYTES (8u << 20) /* cgroup.procs of one directory */

struct pid_index {
	pid_t pid;
	size_t group;
};

struct groups {
	struct groups_opts opts;
	char *mount, *root;
	struct group *v;	/* sorted by key */
	size_t n;
	struct pid_index *pids;	/* sorted by pid */
	size_t npids;
	struct groups_stats stats;
};

/* One directory with processes, as the walk found it. */
struct dir_entry {
	char *path;		/* relative to the mount */
	pid_t *pids;
	size_t npids;
	struct group_class cls;
	char *key;		/* its group's */
};

struct walk {
	struct groups *g;
	struct dir_entry *v;
	size_t n, cap;
	size_t dirs;
	bool truncated;
	int err;
};

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return x < y ? -1 : x > y;
}

/* cgroup.procs: one pid a line; anything else ends the list */
static int read_procs(int dirfd, pid_t **pids, size_t *n)
{
	size_t cap = 0, len = 0, sz = 4096;
	char *buf = NULL, *p, *end;
	ssize_t r;
	int fd, err = 0;

	*pids = NULL;
	*n = 0;
	fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	for (;;) {
		char *tmp;

		if (len + 1 >= sz && sz >= PROCS_MAX_BYTES)
			break; /* bounded: a directory with a million pids is cut */
		if (!buf || len + 1 >= sz) {
			sz = buf ? sz * 2 : sz;
			tmp = realloc(buf, sz);
			if (!tmp) {
				err = -ENOMEM;
				goto out;
			}
			buf = tmp;
		}
		r = read(fd, buf + len, sz - len - 1);
		if (r < 0) {
			err = errno == ENODEV ? 0 : -errno; /* removed meanwhile */
			goto out;
		}
		if (!r)
			break;
		len += r;
	}
	if (!buf)
		goto out;
	buf[len] = '\0';
	for (p = buf; *p; p = end) {
		long v;

		errno = 0;
		v = strtol(p, &end, 10);
		if (end == p || errno || v <= 0 || (*end && *end != '\n'))
			break;
		if (*end)
			end++;
		if (array_grow((void **)pids, &cap, *n, sizeof(**pids))) {
			err = -ENOMEM;
			goto out;
		}
		(*pids)[(*n)++] = v;
	}
	if (*n)
		qsort(*pids, *n, sizeof(**pids), cmp_pid);
out:
	if (err) {
		free(*pids);
		*pids = NULL;
		*n = 0;
	}
	free(buf);
	close(fd);
	return err;
}

static void walk_dir(struct walk *w, int dirfd, const char *path, int depth)
{
	struct dir_entry *e;
	struct dirent *de;
	pid_t *pids;
	size_t npids;
	DIR *d;
	int fd, err;

	if (w->err)
		return;
	if (++w->dirs > WALK_MAX_DIRS || depth > WALK_MAX_DEPTH) {
		w->truncated = true;
		return;
	}
	err = read_procs(dirfd, &pids, &npids);
	if (err) {
		w->err = err == -ENOMEM ? err : 0; /* an unreadable directory is skipped */
		if (err != -ENOMEM)
			goto children;
		return;
	}
	if (npids) {
		if (array_grow((void **)&w->v, &w->cap, w->n, sizeof(*w->v))) {
			free(pids);
			w->err = -ENOMEM;
			return;
		}
		e = &w->v[w->n];
		memset(e, 0, sizeof(*e));
		e->path = strdup(path);
		if (!e->path) {
			free(pids);
			w->err = -ENOMEM;
			return;
		}
		e->pids = pids;
		e->npids = npids;
		w->n++;
	}
children:
	fd = dup(dirfd);
	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while (!w->err && (de = readdir(d))) {
		char *sub;
		int subfd;

		if (de->d_name[0] == '.' || (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN))
			continue;
		subfd = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (subfd < 0)
			continue; /* not a directory, or gone meanwhile */
		if (asprintf(&sub, "%s%s%s", path, strcmp(path, "/") ? "/" : "", de->d_name) < 0) {
			close(subfd);
			w->err = -ENOMEM;
			break;
		}
		walk_dir(w, subfd, sub, depth + 1);
		free(sub);
		close(subfd);
	}
	closedir(d);
}

static void free_members(struct group *grp)
{
	size_t i;

	for (i = 0; i < grp->nmembers; i++) {
		free(grp->members[i].cgroup);
		free(grp->members[i].pids);
	}
	free(grp->members);
}

static void free_table(struct group *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].key);
		free(v[i].cgroup);
		free_members(&v[i]);
	}
	free(v);
}

static int cmp_entry(const void *a, const void *b)
{
	const struct dir_entry *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : strcmp(x->path, y->path);
}

static int cmp_group(const void *a, const void *b)
{
	return strcmp(((const struct group *)a)->key, ((const struct group *)b)->key);
}

static int cmp_group_key(const void *key, const void *elem)
{
	return strcmp(key, ((const struct group *)elem)->key);
}

static const struct group *find_key(const struct group *v, size_t n, const char *key)
{
	return n ? bsearch(key, v, n, sizeof(*v), cmp_group_key) : NULL;
}

static uint64_t dir_inode(const struct groups *g, const char *path)
{
	struct stat st;
	char *abs;
	uint64_t ino = 0;

	if (asprintf(&abs, "%s%s", g->mount, path) < 0)
		return 0;
	if (!stat(abs, &st))
		ino = st.st_ino;
	free(abs);
	return ino;
}

/* Classifies each entry and gives it its group's key. 0 or -ENOMEM. */
static int key_entries(struct groups *g, struct dir_entry *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		memset(&v[i].cls, 0, sizeof(v[i].cls));
		if (g->opts.classify)
			g->opts.classify(v[i].path, &v[i].cls);
		if (v[i].cls.is_pod && (!v[i].cls.pod_uid[0] || !v[i].cls.pod_len ||
					v[i].cls.pod_len > strlen(v[i].path)))
			v[i].cls.is_pod = false; /* a classifier's slip never crashes us */
		v[i].key = strdup(v[i].cls.is_pod ? v[i].cls.pod_uid : v[i].path);
		if (!v[i].key)
			return -ENOMEM;
	}
	return 0;
}

/* Entries sorted by key -> one group per key. Moves the pid arrays. */
static int build_groups(struct groups *g, struct dir_entry *v, size_t n,
			struct group **out, size_t *nout)
{
	struct group *groups = NULL;
	size_t cap = 0, ng = 0, i = 0;

	while (i < n) {
		struct group *grp;
		size_t j, k;

		if (array_grow((void **)&groups, &cap, ng, sizeof(*groups)))
			goto nomem;
		grp = &groups[ng++];
		memset(grp, 0, sizeof(*grp));
		for (j = i; j < n && !strcmp(v[j].key, v[i].key); j++)
			;
		grp->key = strdup(v[i].key);
		grp->is_pod = v[i].cls.is_pod;
		grp->cgroup = grp->is_pod ? strndup(v[i].path, v[i].cls.pod_len) : strdup(v[i].path);
		grp->members = calloc(j - i, sizeof(*grp->members));
		if (!grp->key || !grp->cgroup || !grp->members)
			goto nomem;
		grp->cgroup_id = dir_inode(g, grp->cgroup);
		if (grp->is_pod) {
			memcpy(grp->pod_uid, v[i].cls.pod_uid, sizeof(grp->pod_uid));
			memcpy(grp->qos, v[i].cls.qos, sizeof(grp->qos));
		}
		for (k = i; k < j; k++) {
			struct group_member *m = &grp->members[grp->nmembers++];

			m->cgroup = v[k].path;
			v[k].path = NULL;
			m->pids = v[k].pids;
			v[k].pids = NULL;
			m->npids = v[k].npids;
			memcpy(m->container_id, v[k].cls.container_id, sizeof(m->container_id));
			grp->npids += m->npids;
		}
		i = j;
	}
	*out = groups;
	*nout = ng;
	return 0;
nomem:
	free_table(groups, ng);
	return -ENOMEM;
}

/* Over the cap: keep the groups already tracked, then the first new ones
 * by key, so that a burst of new pods does not evict the known ones. */
static size_t apply_cap(struct groups *g, struct group *v, size_t n)
{
	size_t max = g->opts.max_groups, kept = 0, i, pass;
	struct group *order;

	if (n <= max)
		return n;
	order = calloc(n, sizeof(*order));
	if (!order) { /* no room to choose: keep the first by key */
		free_table(v + max, n - max);
		return max;
	}
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < n; i++)
			if (!!find_key(g->v, g->n, v[i].key) == (pass == 0))
				order[kept++] = v[i];
	for (i = max; i < n; i++) {
		free(order[i].key);
		free(order[i].cgroup);
		free_members(&order[i]);
	}
	qsort(order, max, sizeof(*order), cmp_group);
	memcpy(v, order, max * sizeof(*v));
	free(order);
	return max;
}

static int cmp_index(const void *a, const void *b)
{
	const struct pid_index *x = a, *y = b;

	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static int build_index(struct group *v, size_t n, struct pid_index **out, size_t *nout)
{
	struct pid_index *idx;
	size_t total = 0, i, j, k = 0;

	for (i = 0; i < n; i++)
		total += v[i].npids;
	idx = calloc(total + 1, sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		for (j = 0; j < v[i].nmembers; j++) {
			const struct group_member *m = &v[i].members[j];
			size_t p;

			for (p = 0; p < m->npids; p++)
				idx[k++] = (struct pid_index){ m->pids[p], i };
		}
	qsort(idx, k, sizeof(*idx), cmp_index);
	*out = idx;
	*nout = k;
	return 0;
}

struct groups *groups__new(const struct groups_opts *opts)
{
	struct groups *g;

	if (!opts || opts->sz < sizeof(*opts) || !opts->mount || !opts->root) {
		errno = EINVAL;
		return NULL;
	}
	g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->opts = *opts;
	if (!g->opts.max_groups)
		g->opts.max_groups = 4096;
	g->mount = strdup(opts->mount);
	g->root = strdup(opts->root[0] ? opts->root : "/");
	if (!g->mount || !g->root) {
		groups__free(g);
		errno = ENOMEM;
		return NULL;
	}
	g->opts.mount = g->mount;
	g->opts.root = g->root;
	return g;
}

void groups__free(struct groups *g)
{
	if (!g)
		return;
	free_table(g->v, g->n);
	free(g->pids);
	free(g->mount);
	free(g->root);
	free(g);
}

int groups__refresh(struct groups *g)
{
	struct walk w = { .g = g };
	struct group *nv = NULL;
	struct pid_index *idx = NULL;
	size_t nn = 0, nidx = 0, i, seen;
	char *abs;
	int fd, err;

	if (asprintf(&abs, "%s%s", g->mount, strcmp(g->root, "/") ? g->root : "") < 0)
		return -ENOMEM;
	fd = open(abs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(abs);
	if (fd < 0)
		return -errno;
	walk_dir(&w, fd, g->root, 0);
	close(fd);
	err = w.err;
	if (!err)
		err = key_entries(g, w.v, w.n);
	if (!err) {
		qsort(w.v, w.n, sizeof(*w.v), cmp_entry);
		err = build_groups(g, w.v, w.n, &nv, &nn);
	}
	for (i = 0; i < w.n; i++) {
		free(w.v[i].path);
		free(w.v[i].pids);
		free(w.v[i].key);
	}
	free(w.v);
	if (err)
		return err;
	seen = nn;
	nn = apply_cap(g, nv, nn);
	err = build_index(nv, nn, &idx, &nidx);
	if (err) {
		free_table(nv, nn);
		return err;
	}
	/* the groups of the old table that the new one lacks: gone */
	for (i = 0; i < g->n; i++)
		if (!find_key(nv, nn, g->v[i].key))
			g->stats.forgotten++;
	free_table(g->v, g->n);
	free(g->pids);
	g->v = nv;
	g->n = nn;
	g->pids = idx;
	g->npids = nidx;
	g->stats.tracked = nn;
	g->stats.untracked = seen - nn;
	g->stats.dirs = w.dirs;
	g->stats.truncated = w.truncated;
	return 0;
}

size_t groups__count(const struct groups *g)
{
	return g->n;
}

const struct group *groups__at(const struct groups *g, size_t i)
{
	return i < g->n ? &g->v[i] : NULL;
}

const struct group *groups__find_pod(const struct groups *g, const char *uid)
{
	const struct group *grp = find_key(g->v, g->n, uid);

	return grp && grp->is_pod ? grp : NULL;
}

const struct group *groups__find_cgroup(const struct groups *g, uint64_t id)
{
	size_t i;

	for (i = 0; i < g->n && id; i++)
		if (g->v[i].cgroup_id == id)
			return &g->v[i];
	return NULL;
}

const struct group *groups__of_pid(const struct groups *g, pid_t pid)
{
	struct pid_index key = { .pid = pid }, *hit;

	if (!g->npids)
		return NULL;
	hit = bsearch(&key, g->pids, g->npids, sizeof(key), cmp_index);
	return hit ? &g->v[hit->group] : NULL;
}

bool group__has_pid(const struct group *grp, pid_t pid)
{
	size_t i;

	for (i = 0; i < grp->nmembers; i++)
		if (grp->members[i].npids &&
		    bsearch(&pid, grp->members[i].pids, grp->members[i].npids, sizeof(pid), cmp_pid))
			return true;
	return false;
}

void groups__get_stats(const struct groups *g, struct groups_stats *st)
{
	*st = g->stats;
}

void groups__classify_kube(const char *path, struct group_class *out)
{
	struct kube_cgroup kc, kp;
	char prefix[4096];
	size_t i, len = strlen(path);

	if (kube__parse_path(path, &kc) || len >= sizeof(prefix))
		return;
	/* the pod's own cgroup: the shortest prefix naming the same pod */
	for (i = 1; i <= len && !out->pod_len; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		memcpy(prefix, path, i);
		prefix[i] = '\0';
		if (!kube__parse_path(prefix, &kp) && !strcmp(kp.pod_uid, kc.pod_uid))
			out->pod_len = i;
	}
	if (!out->pod_len)
		return;
	out->is_pod = true;
	snprintf(out->pod_uid, sizeof(out->pod_uid), "%s", kc.pod_uid);
	snprintf(out->qos, sizeof(out->qos), "%s", kube_qos__str(kc.qos));
	snprintf(out->container_id, sizeof(out->container_id), "%s", kc.container_id);
}
