// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Pods and containers <-> cgroup directories under a kubepods root. One
 * name parser (step) serves both directions, so what --pod finds is what
 * the reverse parse would call that pod. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "kube.h"

/* The search for kubepods roots: deep enough for kind nodes inside a
 * container's cgroup inside a test's group, bounded so that a host with
 * thousands of cgroups costs a few milliseconds, never a scan of all. */
#define ROOT_MAX_DEPTH 8
#define SEARCH_MAX_DIRS 100000

/* Where a walk down from a kubepods root stands. */
enum level { AT_ROOT, AT_QOS, AT_POD, BELOW_POD };

struct cursor {
	enum kube_driver driver;
	enum level level;
	char stem[256];		/* systemd: the current slice's name without
				   ".slice"; children repeat it as their prefix */
	struct kube_cgroup cg;
};

enum step { STEP_BAD, STEP_QOS, STEP_POD, STEP_CONTAINER, STEP_INSIDE };

static bool has_suffix(const char *s, const char *suffix, size_t *stem_len)
{
	size_t n = strlen(s), m = strlen(suffix);

	if (n < m || strcmp(s + n - m, suffix))
		return false;
	*stem_len = n - m;
	return true;
}

static bool all_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* A pod UID, with '-' or '_' (systemd) between the groups: 8-4-4-4-12 hex
 * digits, or 32 without separators (static pods' config hash). */
static bool parse_uid(const char *s, size_t n, char out[KUBE_UID_LEN + 1])
{
	size_t i;

	if (n == 32) {
		if (!all_hex(s, n))
			return false;
	} else if (n == KUBE_UID_LEN) {
		for (i = 0; i < n; i++) {
			bool sep = i == 8 || i == 13 || i == 18 || i == 23;

			if (sep ? s[i] != '-' && s[i] != '_' : !isxdigit((unsigned char)s[i]))
				return false;
		}
	} else {
		return false;
	}
	for (i = 0; i < n; i++)
		out[i] = s[i] == '_' ? '-' : tolower((unsigned char)s[i]);
	out[n] = '\0';
	return true;
}

static bool parse_cid(const char *s, size_t n, char out[KUBE_ID_LEN + 1])
{
	size_t i;

	if (n != KUBE_ID_LEN || !all_hex(s, n))
		return false;
	for (i = 0; i < n; i++)
		out[i] = tolower((unsigned char)s[i]);
	out[n] = '\0';
	return true;
}

/* A kubepods root: "kubepods" (cgroupfs), "kubepods.slice" or
 * "<cgroup-root>-kubepods.slice" (systemd). */
static bool cursor_at_root(struct cursor *c, const char *name)
{
	size_t n;

	memset(c, 0, sizeof(*c));
	c->level = AT_ROOT;
	if (!strcmp(name, "kubepods")) {
		c->driver = KUBE_DRIVER_CGROUPFS;
		return true;
	}
	if (!has_suffix(name, ".slice", &n) || n >= sizeof(c->stem))
		return false;
	if (!(n == 8 || (n > 9 && name[n - 9] == '-')) || strncmp(name + n - 8, "kubepods", 8))
		return false;
	c->driver = KUBE_DRIVER_SYSTEMD;
	memcpy(c->stem, name, n);
	c->stem[n] = '\0';
	return true;
}

/* The QoS class a child of the root names, or 0. */
static enum kube_qos qos_name(const struct cursor *c, const char *name)
{
	static const struct { const char *name; enum kube_qos qos; } classes[] = {
		{ "burstable", KUBE_QOS_BURSTABLE }, { "besteffort", KUBE_QOS_BESTEFFORT },
	};
	size_t i, sl = strlen(c->stem), n;

	for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		const char *q = classes[i].name;

		if (c->driver == KUBE_DRIVER_CGROUPFS) {
			if (!strcmp(name, q))
				return classes[i].qos;
			continue;
		}
		/* <stem>-<class>.slice */
		if (has_suffix(name, ".slice", &n) && n == sl + 1 + strlen(q) &&
		    !strncmp(name, c->stem, sl) && name[sl] == '-' && !strncmp(name + sl + 1, q, n - sl - 1))
			return classes[i].qos;
	}
	return 0;
}

/* "pod<uid>" (cgroupfs) or "<stem>-pod<uid_>.slice" (systemd). */
static bool pod_name(const struct cursor *c, const char *name, char uid[KUBE_UID_LEN + 1])
{
	size_t sl = strlen(c->stem), n;

	if (c->driver == KUBE_DRIVER_CGROUPFS)
		return !strncmp(name, "pod", 3) && parse_uid(name + 3, strlen(name) - 3, uid);
	if (!has_suffix(name, ".slice", &n) || n < sl + 4 || strncmp(name, c->stem, sl) ||
	    strncmp(name + sl, "-pod", 4))
		return false;
	return parse_uid(name + sl + 4, n - sl - 4, uid);
}

/* A container's cgroup in a pod's. Returns STEP_CONTAINER (id set),
 * STEP_INSIDE for another child of the pod (a runtime helper such as
 * crio-conmon-<id>, or a name no runtime uses). */
static enum step container_name(struct cursor *c, const char *name)
{
	static const struct { const char *prefix; enum kube_runtime rt; } systemd[] = {
		{ "cri-containerd-", KUBE_RUNTIME_CONTAINERD },
		{ "crio-", KUBE_RUNTIME_CRIO },
		{ "docker-", KUBE_RUNTIME_DOCKER },
	};
	const char *suffix = c->driver == KUBE_DRIVER_SYSTEMD ? ".scope" : "";
	size_t i, n, pl;

	if (!has_suffix(name, suffix, &n))
		return STEP_INSIDE;
	if (c->driver == KUBE_DRIVER_CGROUPFS && parse_cid(name, n, c->cg.container_id))
		return STEP_CONTAINER; /* containerd and docker: the bare id */
	if (!strncmp(name, "crio-conmon-", 12)) {
		c->cg.runtime = KUBE_RUNTIME_CRIO; /* CRI-O's monitor, not the container */
		return STEP_INSIDE;
	}
	for (i = 0; i < sizeof(systemd) / sizeof(systemd[0]); i++) {
		/* cgroupfs: only CRI-O names its directories */
		if (c->driver == KUBE_DRIVER_CGROUPFS && systemd[i].rt != KUBE_RUNTIME_CRIO)
			continue;
		pl = strlen(systemd[i].prefix);
		if (n > pl && !strncmp(name, systemd[i].prefix, pl) &&
		    parse_cid(name + pl, n - pl, c->cg.container_id)) {
			c->cg.runtime = systemd[i].rt;
			return STEP_CONTAINER;
		}
	}
	return STEP_INSIDE;
}

/* Moves the cursor one directory down, to name. */
static enum step step(struct cursor *c, const char *name)
{
	enum kube_qos q;
	size_t n = 0;

	switch (c->level) {
	case AT_ROOT:
		q = qos_name(c, name);
		if (q) {
			c->cg.qos = q;
			c->level = AT_QOS;
			if (c->driver == KUBE_DRIVER_SYSTEMD) {
				has_suffix(name, ".slice", &n);
				memcpy(c->stem, name, n); /* n < 256: the stem grew by a class name */
				c->stem[n] = '\0';
			}
			return STEP_QOS;
		}
		/* no class: a guaranteed pod sits right here */
		c->cg.qos = KUBE_QOS_GUARANTEED;
		/* fall through */
	case AT_QOS:
		if (!pod_name(c, name, c->cg.pod_uid))
			return STEP_BAD;
		c->cg.driver = c->driver;
		c->level = AT_POD;
		return STEP_POD;
	case AT_POD:
		c->level = BELOW_POD;
		return container_name(c, name);
	case BELOW_POD:
	default:
		return STEP_INSIDE;
	}
}

int kube__parse_path(const char *path, struct kube_cgroup *out)
{
	char name[256];
	const char *p = path, *q;
	struct cursor c;
	bool in_root = false;
	size_t n;

	for (;;) {
		while (*p == '/')
			p++;
		if (!*p || *p == '\n')
			break;
		for (q = p; *q && *q != '/' && *q != '\n'; q++)
			;
		n = q - p;
		if (n >= sizeof(name))
			return -ENOENT; /* no cgroup name this long is ours */
		memcpy(name, p, n);
		name[n] = '\0';
		p = q;
		if (in_root) {
			if (step(&c, name) != STEP_BAD)
				continue;
			in_root = false; /* not a pod after all: maybe a later root */
		}
		if (cursor_at_root(&c, name))
			in_root = true;
	}
	if (!in_root || c.level < AT_POD)
		return -ENOENT;
	*out = c.cg;
	return 0;
}

/* ---- the search -------------------------------------------------------- */

struct search {
	int budget;		/* directories left to open */
	/* what is sought */
	const char *uid;	/* a pod: its canonical uid */
	const char *id;		/* a container: a prefix of its id */
	/* what was found */
	char *path;		/* the first match */
	int nmatches;
	int err;
};

static char *join(const char *dir, const char *name)
{
	char *p;

	return asprintf(&p, "%s/%s", dir, name) < 0 ? NULL : p;
}

static bool is_dir(DIR *d, const struct dirent *e)
{
	struct stat st;

	if (e->d_type == DT_DIR)
		return true;
	if (e->d_type != DT_UNKNOWN)
		return false;
	return !fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) && S_ISDIR(st.st_mode);
}

/* Calls fn for each subdirectory of dir; counts dir against the budget. */
static void each_subdir(struct search *s, const char *dir,
			void (*fn)(struct search *s, const char *dir, const char *name, void *ctx),
			void *ctx)
{
	struct dirent *e;
	DIR *d;

	if (s->err || s->budget <= 0)
		return;
	s->budget--;
	d = opendir(dir);
	if (!d)
		return; /* removed meanwhile, or not ours to read */
	while (!s->err && (e = readdir(d))) {
		if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
			continue;
		if (is_dir(d, e))
			fn(s, dir, e->d_name, ctx);
	}
	closedir(d);
}

static void found(struct search *s, const char *dir, const char *name)
{
	if (++s->nmatches > 1)
		return;
	s->path = join(dir, name);
	if (!s->path)
		s->err = -ENOMEM;
}

static void visit_container(struct search *s, const char *dir, const char *name, void *ctx)
{
	struct cursor c = *(struct cursor *)ctx;
	size_t n = strlen(s->id);

	if (step(&c, name) == STEP_CONTAINER && !strncmp(c.cg.container_id, s->id, n))
		found(s, dir, name);
}

static void visit_pod_level(struct search *s, const char *dir, const char *name, void *ctx)
{
	struct cursor c = *(struct cursor *)ctx;
	char *path;

	switch (step(&c, name)) {
	case STEP_QOS:
		path = join(dir, name);
		if (!path) {
			s->err = -ENOMEM;
			return;
		}
		each_subdir(s, path, visit_pod_level, &c);
		free(path);
		break;
	case STEP_POD:
		if (s->uid) {
			if (!strcmp(c.cg.pod_uid, s->uid))
				found(s, dir, name);
			break;
		}
		path = join(dir, name);
		if (!path) {
			s->err = -ENOMEM;
			return;
		}
		each_subdir(s, path, visit_container, &c);
		free(path);
		break;
	default:
		break;
	}
}

/* Breadth-first down to ROOT_MAX_DEPTH: every kubepods root is searched
 * for the pod, never entered in the hunt for further roots. */
static void find_roots(struct search *s, const char *cgroot)
{
	char **queue = NULL, **tmp;
	size_t head = 0, tail = 0, cap = 0, level_end;
	int depth = 0;
	struct dirent *e;
	DIR *d;

	queue = malloc(sizeof(*queue));
	if (!queue || !(queue[0] = strdup(cgroot))) {
		free(queue);
		s->err = -ENOMEM;
		return;
	}
	tail = cap = 1;
	level_end = tail;
	while (head < tail && !s->err && s->budget > 0) {
		char *dir = queue[head++];

		s->budget--;
		d = opendir(dir);
		while (d && !s->err && (e = readdir(d))) {
			struct cursor c;
			char *sub;

			if (e->d_name[0] == '.' || !is_dir(d, e))
				continue;
			if (cursor_at_root(&c, e->d_name)) {
				sub = join(dir, e->d_name);
				if (!sub) {
					s->err = -ENOMEM;
					break;
				}
				each_subdir(s, sub, visit_pod_level, &c);
				free(sub);
				continue;
			}
			if (depth + 1 >= ROOT_MAX_DEPTH)
				continue;
			if (tail == cap) {
				tmp = reallocarray(queue, cap * 2, sizeof(*queue));
				if (!tmp) {
					s->err = -ENOMEM;
					break;
				}
				queue = tmp;
				cap *= 2;
			}
			queue[tail] = join(dir, e->d_name);
			if (!queue[tail]) {
				s->err = -ENOMEM;
				break;
			}
			tail++;
		}
		if (d)
			closedir(d);
		free(dir);
		if (head == level_end) {
			depth++;
			level_end = tail;
		}
	}
	while (head < tail)
		free(queue[head++]);
	free(queue);
}

static int finish(struct search *s, char **path)
{
	if (!s->err && !s->nmatches)
		s->err = -ENOENT;
	if (!s->err && s->nmatches > 1)
		s->err = -ENOTUNIQ;
	if (s->err) {
		free(s->path);
		return s->err;
	}
	*path = s->path;
	return 0;
}

int kube__find_pod(const char *cgroot, const char *uid, char **path)
{
	char canon[KUBE_UID_LEN + 1];
	struct search s = { .budget = SEARCH_MAX_DIRS, .uid = canon };

	if (!uid || !parse_uid(uid, strlen(uid), canon))
		return -EINVAL;
	find_roots(&s, cgroot);
	return finish(&s, path);
}

int kube__find_container(const char *cgroot, const char *id, char **path)
{
	static const char *const schemes[] = { "containerd://", "cri-o://", "docker://" };
	char canon[KUBE_ID_LEN + 1];
	struct search s = { .budget = SEARCH_MAX_DIRS, .id = canon };
	size_t i, n;

	if (!id)
		return -EINVAL;
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		n = strlen(schemes[i]);
		if (!strncmp(id, schemes[i], n)) {
			id += n;
			break;
		}
	}
	n = strlen(id);
	if (n < KUBE_ID_MIN_PREFIX || n > KUBE_ID_LEN || !all_hex(id, n))
		return -EINVAL;
	for (i = 0; i <= n; i++)
		canon[i] = tolower((unsigned char)id[i]);
	find_roots(&s, cgroot);
	return finish(&s, path);
}

const char *kube_qos__str(enum kube_qos qos)
{
	switch (qos) {
	case KUBE_QOS_GUARANTEED:
		return "guaranteed";
	case KUBE_QOS_BURSTABLE:
		return "burstable";
	case KUBE_QOS_BESTEFFORT:
		return "besteffort";
	}
	return "unknown";
}

const char *kube_runtime__str(enum kube_runtime rt)
{
	switch (rt) {
	case KUBE_RUNTIME_CONTAINERD:
		return "containerd";
	case KUBE_RUNTIME_CRIO:
		return "crio";
	case KUBE_RUNTIME_DOCKER:
		return "docker";
	case KUBE_RUNTIME_UNKNOWN:
		break;
	}
	return "unknown";
}

const char *kube_driver__str(enum kube_driver d)
{
	return d == KUBE_DRIVER_SYSTEMD ? "systemd" : d == KUBE_DRIVER_CGROUPFS ? "cgroupfs" : "unknown";
}
