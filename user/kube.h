/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Kubernetes pods and containers as cgroups. The kubelet puts every pod
 * in a cgroup under a "kubepods" root, with one of two drivers:
 *
 *   systemd:  kubepods.slice/kubepods-burstable.slice/
 *               kubepods-burstable-pod<UID, '-' as '_'>.slice/
 *                 cri-containerd-<ID>.scope | crio-<ID>.scope | docker-<ID>.scope
 *             (guaranteed pods directly in kubepods.slice as kubepods-pod<uid>.slice;
 *              a kubelet --cgroup-root adds a prefix: kubelet-kubepods.slice, ...)
 *   cgroupfs: kubepods/burstable/pod<UID>/<ID>   (crio: crio-<ID>; guaranteed:
 *             kubepods/pod<UID>/<ID>)
 *
 * The root can sit anywhere in the tree (kind nodes, a test's own group).
 * kube__parse_path names the pod and container of a cgroup path;
 * kube__find_pod / kube__find_container go the other way. */
#ifndef MT_KUBE_H
#define MT_KUBE_H

enum kube_qos {
	KUBE_QOS_GUARANTEED = 1,	/* pod directly under the root */
	KUBE_QOS_BURSTABLE,
	KUBE_QOS_BESTEFFORT,
};

enum kube_runtime {
	KUBE_RUNTIME_UNKNOWN = 0,	/* cgroupfs bare id: containerd or docker */
	KUBE_RUNTIME_CONTAINERD,
	KUBE_RUNTIME_CRIO,
	KUBE_RUNTIME_DOCKER,
};

enum kube_driver { KUBE_DRIVER_SYSTEMD = 1, KUBE_DRIVER_CGROUPFS };

#define KUBE_UID_LEN 36		/* canonical 8-4-4-4-12; static pods: 32 hex */
#define KUBE_ID_LEN 64		/* container ids: 64 hex digits, every runtime */

struct kube_cgroup {
	char pod_uid[KUBE_UID_LEN + 1];	 /* lower case, '-' as in the API */
	char container_id[KUBE_ID_LEN + 1]; /* "" for the pod's own cgroup, and for
					       a runtime helper beside the
					       containers (crio-conmon-<ID>) */
	enum kube_qos qos;
	enum kube_runtime runtime;	 /* UNKNOWN when container_id is "" */
	enum kube_driver driver;
};

/* Names the pod (and container) a cgroup path lies in: the text after
 * "0::" in /proc/PID/cgroup, or a directory under the cgroup mount; any
 * prefix before the kubepods root is skipped, and so is anything below
 * the container (its own sub-cgroups). The outermost pod wins when pods
 * nest. 0, or -ENOENT when the path is not at or below a pod's cgroup
 * (outside kubepods, the root or a QoS group itself, a malformed name). */
int kube__parse_path(const char *path, struct kube_cgroup *out);

/* The cgroup directory of pod uid (as the API prints it, or with '_')
 * below cgroot, the cgroup v2 mount (a fake tree in tests). Looks for
 * kubepods roots at most a few levels down and in a bounded number of
 * directories. *path is malloc'd. 0 or -errno: -EINVAL malformed uid,
 * -ENOENT no such pod (or no kubepods root), -ENOTUNIQ seen twice. */
int kube__find_pod(const char *cgroot, const char *uid, char **path);

/* The cgroup directory of a container: its full 64-digit id, a unique
 * prefix of at least KUBE_ID_MIN_PREFIX digits, or "containerd://<id>"
 * as in a pod's status. Errors as kube__find_pod; -ENOTUNIQ when a prefix
 * matches several containers. */
#define KUBE_ID_MIN_PREFIX 4
int kube__find_container(const char *cgroot, const char *id, char **path);

/* "guaranteed", "burstable", "besteffort"; "containerd", "crio", "docker",
 * "unknown"; "systemd", "cgroupfs". */
const char *kube_qos__str(enum kube_qos qos);
const char *kube_runtime__str(enum kube_runtime rt);
const char *kube_driver__str(enum kube_driver d);

#endif /* MT_KUBE_H */
