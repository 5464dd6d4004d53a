// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Target processes and the ELF files that provide their allocator. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "elf_file.h"
#include "procfs.h"
#include "targets.h"

static bool defines_allocator(const char *path)
{
	struct elf_file *ef;
	bool yes;

	if (elf_file__open(path, &ef))
		return false;
	yes = elf_file__find_func(ef, "malloc") && elf_file__find_func(ef, "free");
	elf_file__close(ef);
	return yes;
}

static bool seen(const struct alloc_providers *p, uint64_t dev, uint64_t ino)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->v[i].dev == dev && p->v[i].ino == ino)
			return true;
	return false;
}

static int add(struct alloc_providers *p, const char *path, const char *map_path,
	       uint64_t dev, uint64_t ino)
{
	struct alloc_provider *v;

	v = reallocarray(p->v, p->n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	p->v = v;
	v = &p->v[p->n];
	v->path = strdup(path);
	v->map_path = strdup(map_path);
	if (!v->path || !v->map_path) {
		free(v->path);
		free(v->map_path);
		return -ENOMEM;
	}
	v->dev = dev;
	v->ino = ino;
	p->n++;
	return 0;
}

int targets__find_providers(const char *root, pid_t pid, struct alloc_providers *out)
{
	struct proc_maps maps = {};
	char *path = NULL;
	size_t i;
	int err;

	memset(out, 0, sizeof(*out));
	err = procfs__read_maps(root, pid, &maps);
	if (err)
		return err;
	for (i = 0; i < maps.n; i++) {
		const struct proc_map *m = &maps.maps[i];
		uint64_t dev = makedev(m->dev_major, m->dev_minor);

		if (!m->path || m->path[0] != '/' || m->perms[2] != 'x' || !m->ino)
			continue;
		if (seen(out, dev, m->ino))
			continue;
		free(path);
		/* the mapped file itself: a container's libc is its own file, and
		 * no symlink inside the container can redirect us elsewhere */
		if (asprintf(&path, "%s/%d/map_files/%llx-%llx", root ? root : "/proc", pid,
			     (unsigned long long)m->start, (unsigned long long)m->end) < 0) {
			path = NULL;
			err = -ENOMEM;
			break;
		}
		if (m->deleted || !defines_allocator(path))
			continue;
		err = add(out, path, m->path, dev, m->ino);
		if (err)
			break;
	}
	free(path);
	procfs__free_maps(&maps);
	if (err)
		targets__free_providers(out);
	return err;
}

int targets__providers_from_paths(char *const *paths, size_t n, struct alloc_providers *out)
{
	struct stat st;
	size_t i;
	int err = 0;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < n && !err; i++) {
		if (stat(paths[i], &st) || seen(out, st.st_dev, st.st_ino))
			continue;
		if (defines_allocator(paths[i]))
			err = add(out, paths[i], paths[i], st.st_dev, st.st_ino);
	}
	if (err)
		targets__free_providers(out);
	return err;
}

void targets__free_providers(struct alloc_providers *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->v[i].path);
		free(p->v[i].map_path);
	}
	free(p->v);
	memset(p, 0, sizeof(*p));
}

int targets__parse_pids(const char *s, pid_t **pids, size_t *n)
{
	pid_t *v = NULL, *tmp;
	size_t cnt = 0;
	const char *p = s;
	char *end;
	long val;

	*pids = NULL;
	*n = 0;
	while (*p) {
		if (*p < '0' || *p > '9')
			goto bad; /* strtol would take spaces and signs */
		errno = 0;
		val = strtol(p, &end, 10);
		if (errno || end == p || val <= 0 || val > INT_MAX ||
		    (*end && *end != ','))
			goto bad;
		tmp = reallocarray(v, cnt + 1, sizeof(*v));
		if (!tmp) {
			free(v);
			return -ENOMEM;
		}
		v = tmp;
		v[cnt++] = val;
		p = *end ? end + 1 : end;
		if (*end && !*p)
			goto bad; /* trailing comma */
	}
	if (!cnt)
		goto bad;
	*pids = v;
	*n = cnt;
	return 0;
bad:
	free(v);
	return -EINVAL;
}
