/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* --pod UID and --container ID: the cgroup directory they name, found in
 * every cgroup hierarchy this process can see, for --cgroup to trace. */
#ifndef MT_KUBE_TARGET_H
#define MT_KUBE_TARGET_H

#include "kube.h"

/* Looks for the pod (container NULL) or the container (pod NULL) under
 * the kubepods roots of each cgroup2 mount of mountinfo (NULL:
 * /proc/self/mountinfo; several: a debug pod sees its own and the
 * node's), then of the cgroup v1 memory hierarchy. Prints the one-line
 * error. 0 (*path malloc'd, *found describes it) or an exit code: 2 for
 * a malformed, unknown or ambiguous name, 1 when mountinfo is unreadable. */
int kube_target__resolve(const char *mountinfo, const char *pod, const char *container,
			 char **path, struct kube_cgroup *found);

#endif /* MT_KUBE_TARGET_H */
