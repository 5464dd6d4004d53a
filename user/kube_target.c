// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* --pod and --container: which hierarchies to search, and the one line a
 * user sees when the pod is not there. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "cgroup.h"
#include "kube_target.h"
#include "log.h"
#include "procfs.h"

#define MAX_MOUNTS 16

/* The cgroup v1 memory hierarchy's mount point in one mountinfo line
 * (kubelet makes a pod's group in every controller; memory is the one
 * every such host has). Mount points with escapes are not looked at. */
static bool v1_memory_mount(const char *line, size_t len, char *buf, size_t sz)
{
	const char *sep = memmem(line, len, " - cgroup ", 10), *p, *end;
	const char *super;
	int field;

	if (!sep)
		return false;
	super = memchr(sep + 10, ' ', line + len - (sep + 10)); /* after the source */
	if (!super || !memmem(super, line + len - super, "memory", 6))
		return false;
	for (p = line, field = 0; field < 4 && p < sep; p++)
		if (*p == ' ')
			field++;
	end = memchr(p, ' ', sep - p);
	if (field != 4 || !end || end == p || memchr(p, '\\', end - p) || (size_t)(end - p) >= sz)
		return false;
	memcpy(buf, p, end - p);
	buf[end - p] = '\0';
	return true;
}

/* cgroup2 mounts first (the BPF filter needs one), then v1 memory. */
static int list_mounts(const char *mountinfo, char mounts[][PATH_MAX], size_t *n)
{
	char *text, *line, *eol, v1[PATH_MAX] = "";
	size_t len, i;
	int err;

	err = procfs__read_file(mountinfo ? mountinfo : "/proc/self/mountinfo", 4 << 20,
				&text, &len);
	if (err)
		return err;
	*n = 0;
	for (line = text; *line && *n < MAX_MOUNTS; line = *eol ? eol + 1 : eol) {
		char one[PATH_MAX], save;

		eol = strchrnul(line, '\n');
		save = *eol;
		*eol = '\0';
		if (!cgroup__parse_v2_mount(line, one, sizeof(one))) {
			for (i = 0; i < *n && strcmp(mounts[i], one); i++)
				;
			if (i == *n) /* the runtime's and a hostPath's, both at /sys/fs/cgroup */
				strcpy(mounts[(*n)++], one);
		} else if (!v1[0]) {
			v1_memory_mount(line, eol - line, v1, sizeof(v1));
		}
		*eol = save;
	}
	if (v1[0] && *n < MAX_MOUNTS)
		strcpy(mounts[(*n)++], v1);
	free(text);
	return 0;
}

int kube_target__resolve(const char *mountinfo, const char *pod, const char *container,
			 char **path, struct kube_cgroup *found)
{
	char (*mounts)[PATH_MAX] = calloc(MAX_MOUNTS, PATH_MAX);
	const char *what = pod ? "pod" : "container", *name = pod ? pod : container;
	size_t n, i;
	int err;

	if (!mounts)
		return 1;
	err = list_mounts(mountinfo, mounts, &n);
	if (err) {
		error("cannot read the cgroup mounts: %s", strerror(-err));
		free(mounts);
		return 1;
	}
	err = -ENOENT;
	for (i = 0; i < n && err == -ENOENT; i++)
		err = pod ? kube__find_pod(mounts[i], pod, path)
			  : kube__find_container(mounts[i], container, path);
	if (!err && !kube__parse_path(*path, found)) {
		free(mounts);
		return 0;
	}
	if (!err) {
		free(*path); /* cannot happen: the search and the parse share a parser */
		err = -ENOENT;
	}
	if (err == -EINVAL && pod)
		error("invalid --pod '%s': expected a pod UID (8-4-4-4-12 hex digits, as "
		      "'kubectl get pod NAME -o jsonpath={.metadata.uid}' prints it)", pod);
	else if (err == -EINVAL)
		error("invalid --container '%s': expected a container ID of %d to %d hex "
		      "digits, or runtime://ID as a pod's status shows it", container,
		      KUBE_ID_MIN_PREFIX, KUBE_ID_LEN);
	else if (err == -ENOTUNIQ)
		error("%s '%s' is ambiguous: it names several cgroups; give more of the ID",
		      what, name);
	else if (err == -ENOENT)
		error("%s '%s' not found: no cgroup for it under a kubepods root of %s%s "
		      "(is it running on this node?)", what, name, n ? mounts[0] : "any cgroup mount",
		      n > 1 ? " or the other cgroup mounts" : "");
	else
		error("cannot search the cgroups for %s '%s': %s", what, name, strerror(-err));
	free(mounts);
	return err == -ENOMEM ? 1 : 2;
}
