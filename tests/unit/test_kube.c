// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* kube: cgroup paths of every driver x runtime x QoS class named back to
 * their pod and container, malformed names refused, and the search for
 * pods and containers in fake cgroup trees built in a temporary directory. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tmpdir.h"
#include "kube.h"

#define UID "0f4e5a6b-1c2d-4e3f-8a9b-0c1d2e3f4a5b"
#define UID_ "0f4e5a6b_1c2d_4e3f_8a9b_0c1d2e3f4a5b"
#define UID2 "11111111-2222-4333-8444-555555555555"
#define UID2_ "11111111_2222_4333_8444_555555555555"
#define STATIC_UID "6a4ab4c5ae8ef0ac2ca6f5d8b84a7ae4"
#define CID "3b1f0c9e7d2a4b6c8e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d"
#define CID2 "3b1fffff7d2a4b6c8e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d"
#define CID3 "9999aaaabbbbccccddddeeeeffff000011112222333344445555666677778888"

static const struct {
	const char *slice, *dir;	/* systemd slice infix, cgroupfs dir ("" = none) */
	enum kube_qos qos;
} classes[] = {
	{ "", "", KUBE_QOS_GUARANTEED },
	{ "-burstable", "burstable/", KUBE_QOS_BURSTABLE },
	{ "-besteffort", "besteffort/", KUBE_QOS_BESTEFFORT },
};

static const struct {
	const char *scope;		/* systemd: <scope><id>.scope */
	const char *dir;		/* cgroupfs: <dir><id> */
	enum kube_runtime rt, cgroupfs_rt;
} runtimes[] = {
	{ "cri-containerd-", "", KUBE_RUNTIME_CONTAINERD, KUBE_RUNTIME_UNKNOWN },
	{ "crio-", "crio-", KUBE_RUNTIME_CRIO, KUBE_RUNTIME_CRIO },
	{ "docker-", "", KUBE_RUNTIME_DOCKER, KUBE_RUNTIME_UNKNOWN },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void expect_parsed(const char *path, const char *uid, const char *cid,
			  enum kube_qos qos, enum kube_runtime rt, enum kube_driver drv)
{
	struct kube_cgroup cg;
	int err = kube__parse_path(path, &cg);

	cr_assert(eq(int, err, 0), "%s: %s", path, strerror(-err));
	cr_expect(eq(str, cg.pod_uid, (char *)uid), "%s", path);
	cr_expect(eq(str, cg.container_id, (char *)cid), "%s", path);
	cr_expect(eq(int, cg.qos, qos), "%s: qos %s", path, kube_qos__str(cg.qos));
	cr_expect(eq(int, cg.runtime, rt), "%s: runtime %s", path, kube_runtime__str(cg.runtime));
	cr_expect(eq(int, cg.driver, drv), "%s: driver %s", path, kube_driver__str(cg.driver));
}

Test(kube_parse, systemd_every_runtime_and_class)
{
	size_t i, j;
	char *path;

	for (i = 0; i < N(classes); i++) {
		for (j = 0; j < N(runtimes); j++) {
			cr_assert(asprintf(&path, "/kubepods.slice%s%s%s/kubepods%s-pod" UID_
					   ".slice/%s" CID ".scope",
					   *classes[i].slice ? "/kubepods" : "", classes[i].slice,
					   *classes[i].slice ? ".slice" : "", classes[i].slice,
					   runtimes[j].scope) > 0);
			expect_parsed(path, UID, CID, classes[i].qos, runtimes[j].rt,
				      KUBE_DRIVER_SYSTEMD);
			free(path);
		}
	}
}

Test(kube_parse, cgroupfs_every_runtime_and_class)
{
	size_t i, j;
	char *path;

	for (i = 0; i < N(classes); i++) {
		for (j = 0; j < N(runtimes); j++) {
			cr_assert(asprintf(&path, "/kubepods/%spod" UID "/%s" CID,
					   classes[i].dir, runtimes[j].dir) > 0);
			expect_parsed(path, UID, CID, classes[i].qos, runtimes[j].cgroupfs_rt,
				      KUBE_DRIVER_CGROUPFS);
			free(path);
		}
	}
}

Test(kube_parse, nested_roots_pod_level_helpers_and_static_pods)
{
	/* kind: a node container's cgroup, a kubelet --cgroup-root prefix, and
	 * a sub-cgroup of the container's own */
	expect_parsed("/system.slice/docker-aaaa.scope/kubelet.slice/kubelet-kubepods.slice/"
		      "kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod" UID_
		      ".slice/cri-containerd-" CID ".scope/init.scope",
		      UID, CID, KUBE_QOS_BESTEFFORT, KUBE_RUNTIME_CONTAINERD, KUBE_DRIVER_SYSTEMD);
	expect_parsed("/memtrail-test-1/kubepods/burstable/pod" UID "/" CID "\n",
		      UID, CID, KUBE_QOS_BURSTABLE, KUBE_RUNTIME_UNKNOWN, KUBE_DRIVER_CGROUPFS);
	/* the pod's own cgroup */
	expect_parsed("/kubepods.slice/kubepods-pod" UID_ ".slice", UID, "",
		      KUBE_QOS_GUARANTEED, KUBE_RUNTIME_UNKNOWN, KUBE_DRIVER_SYSTEMD);
	expect_parsed("kubepods/pod" UID, UID, "", KUBE_QOS_GUARANTEED, KUBE_RUNTIME_UNKNOWN,
		      KUBE_DRIVER_CGROUPFS);
	/* CRI-O's monitor shares the container's id but is not the container */
	expect_parsed("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
		      ".slice/crio-conmon-" CID ".scope", UID, "", KUBE_QOS_BURSTABLE,
		      KUBE_RUNTIME_CRIO, KUBE_DRIVER_SYSTEMD);
	/* a static pod's uid is its config hash */
	expect_parsed("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
		      STATIC_UID ".slice", STATIC_UID, "", KUBE_QOS_BURSTABLE,
		      KUBE_RUNTIME_UNKNOWN, KUBE_DRIVER_SYSTEMD);
	/* a pod's uid in upper case, as a human may have typed the tree */
	expect_parsed("/kubepods/pod0F4E5A6B-1C2D-4E3F-8A9B-0C1D2E3F4A5B", UID, "",
		      KUBE_QOS_GUARANTEED, KUBE_RUNTIME_UNKNOWN, KUBE_DRIVER_CGROUPFS);
	/* the outer pod wins when a pod runs its own kubelet */
	expect_parsed("/kubepods/pod" UID "/" CID "/kubepods/pod" UID2 "/" CID3,
		      UID, CID, KUBE_QOS_GUARANTEED, KUBE_RUNTIME_UNKNOWN, KUBE_DRIVER_CGROUPFS);
	/* "kubepods" as an unrelated name before the real root */
	expect_parsed("/kubepods/notapod/kubepods.slice/kubepods-pod" UID2_ ".slice",
		      UID2, "", KUBE_QOS_GUARANTEED, KUBE_RUNTIME_UNKNOWN, KUBE_DRIVER_SYSTEMD);
}

Test(kube_parse, names_that_are_not_containers_leave_the_pod)
{
	/* an id one digit short, a name no runtime uses, a cgroupfs-style
	 * name under a systemd pod: the pod, without a container */
	expect_parsed("/kubepods/pod" UID "/" "3b1f0c9e7d2a4b6c8e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2",
		      UID, "", KUBE_QOS_GUARANTEED, KUBE_RUNTIME_UNKNOWN, KUBE_DRIVER_CGROUPFS);
	expect_parsed("/kubepods.slice/kubepods-pod" UID_ ".slice/podman-" CID ".scope",
		      UID, "", KUBE_QOS_GUARANTEED, KUBE_RUNTIME_UNKNOWN, KUBE_DRIVER_SYSTEMD);
	expect_parsed("/kubepods.slice/kubepods-pod" UID_ ".slice/" CID, UID, "",
		      KUBE_QOS_GUARANTEED, KUBE_RUNTIME_UNKNOWN, KUBE_DRIVER_SYSTEMD);
	expect_parsed("/kubepods.slice/kubepods-pod" UID_ ".slice/docker-" CID, UID, "",
		      KUBE_QOS_GUARANTEED, KUBE_RUNTIME_UNKNOWN, KUBE_DRIVER_SYSTEMD);
	expect_parsed("/kubepods/pod" UID "/docker-" CID, UID, "",
		      KUBE_QOS_GUARANTEED, KUBE_RUNTIME_UNKNOWN, KUBE_DRIVER_CGROUPFS);
}

Test(kube_parse, malformed_and_foreign_paths)
{
	static const char *const bad[] = {
		"", "/", "0::/", "/user.slice/user-0.slice/session-1.scope",
		"/kubepods.slice", "/kubepods", "/kubepods.slice/kubepods-burstable.slice",
		"/kubepods/burstable", "/kubepods/besteffort/",
		/* uid: too short, a bad digit, a separator out of place, too long */
		"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234.slice",
		"/kubepods/podg f4e5a6b-1c2d-4e3f-8a9b-0c1d2e3f4a5b",
		"/kubepods/pod0f4e5a6b-1c2d-4e3f-8a9b-0c1d2e3f4a5g",
		"/kubepods/pod0f4e5a6b1-c2d-4e3f-8a9b-0c1d2e3f4a5b",
		"/kubepods/pod" UID "0",
		"/kubepods/pod" UID "x/" CID,
		"/kubepods/pod",
		/* a guaranteed pod's name inside a QoS slice, and the reverse */
		"/kubepods.slice/kubepods-burstable.slice/kubepods-pod" UID_ ".slice",
		"/kubepods.slice/kubepods-burstable-pod" UID_ ".slice",
		/* another class's prefix, drivers mixed, names without suffix */
		"/kubepods.slice/kubepods-burstable.slice/kubepods-besteffort-pod" UID_ ".slice",
		"/kubepods.slice/burstable/pod" UID,
		"/kubepods/kubepods-pod" UID_ ".slice",
		"/kubepods.slice/kubepods-pod" UID_,
		"/kubepods.slice/kubepods-guaranteed.slice/kubepods-guaranteed-pod" UID_ ".slice",
		/* not a root: a suffix without the separator */
		"/notkubepods.slice/notkubepods-pod" UID_ ".slice",
		"/kubepods-.slice/kubepods--pod" UID_ ".slice",
		"/Kubepods/pod" UID,
	};
	struct kube_cgroup cg;
	size_t i;

	for (i = 0; i < N(bad); i++)
		cr_expect(eq(int, kube__parse_path(bad[i], &cg), -ENOENT), "'%s'", bad[i]);
}

Test(kube_parse, names_for_the_enums)
{
	cr_expect(eq(str, (char *)kube_qos__str(KUBE_QOS_BESTEFFORT), "besteffort"));
	cr_expect(eq(str, (char *)kube_runtime__str(KUBE_RUNTIME_CRIO), "crio"));
	cr_expect(eq(str, (char *)kube_runtime__str(KUBE_RUNTIME_UNKNOWN), "unknown"));
	cr_expect(eq(str, (char *)kube_driver__str(KUBE_DRIVER_CGROUPFS), "cgroupfs"));
}

/* ---- the search, on fake trees ------------------------------------------ */

static char *root;

static void setup(void)
{
	root = tmpdir_make("mt_kube");
}

static void teardown(void)
{
	tmpdir_remove(root);
	root = NULL;
}

/* mkdir -p <root>/<rel>; returns the full path (malloc'd) */
static char *mkdirs(const char *rel)
{
	char *path, *p;

	cr_assert(asprintf(&path, "%s/%s", root, rel) > 0);
	for (p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		cr_assert(mkdir(path, 0755) == 0 || errno == EEXIST, "mkdir %s: %s", path, strerror(errno));
		*p = '/';
	}
	cr_assert(mkdir(path, 0755) == 0 || errno == EEXIST, "mkdir %s: %s", path, strerror(errno));
	return path;
}

static void expect_found(bool pod, const char *what, const char *want)
{
	char *got = NULL;
	int err = pod ? kube__find_pod(root, what, &got) : kube__find_container(root, what, &got);

	cr_assert(eq(int, err, 0), "%s: %s", what, strerror(-err));
	cr_expect(eq(str, got, (char *)want), "%s", what);
	free(got);
}

#define SYSTEMD_POD "a/b/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice"
#define CGROUPFS_POD "kubepods/besteffort/pod" UID2

TestSuite(kube_find, .init = setup, .fini = teardown, .timeout = 10);

Test(kube_find, pods_of_both_drivers_in_one_tree)
{
	char *pod1 = mkdirs(SYSTEMD_POD), *pod2 = mkdirs(CGROUPFS_POD);
	char *c1 = mkdirs(SYSTEMD_POD "/cri-containerd-" CID ".scope");
	char *c3 = mkdirs(CGROUPFS_POD "/" CID3), *path = NULL;
	struct kube_cgroup cg;

	free(mkdirs("a/b/kubepods.slice/kubepods-pod" STATIC_UID ".slice"));
	free(mkdirs("system.slice/cron.service"));
	expect_found(true, UID, pod1);
	expect_found(true, UID_, pod1);
	expect_found(true, UID2, pod2);
	expect_found(false, CID, c1);
	expect_found(false, CID3, c3);
	/* a pod's status names it "containerd://<id>" */
	expect_found(false, "containerd://" CID, c1);
	expect_found(false, "9999", c3);
	expect_found(false, "3B1F0C", c1);
	cr_assert(asprintf(&path, "%s/a/b/kubepods.slice/kubepods-pod" STATIC_UID ".slice", root) > 0);
	expect_found(true, STATIC_UID, path);
	free(path);
	/* the reverse parse of what was found names the same pod */
	cr_assert(eq(int, kube__parse_path(c3 + strlen(root), &cg), 0));
	cr_expect(eq(str, cg.pod_uid, UID2));
	cr_expect(eq(str, cg.container_id, CID3));
	free(pod1);
	free(pod2);
	free(c1);
	free(c3);
}

Test(kube_find, missing_malformed_and_ambiguous)
{
	char *path = (char *)"untouched";

	free(mkdirs(SYSTEMD_POD "/cri-containerd-" CID ".scope"));
	free(mkdirs(SYSTEMD_POD "/cri-containerd-" CID2 ".scope"));
	/* CRI-O's monitor carries the id of its container: not a second match */
	free(mkdirs(CGROUPFS_POD "/crio-" CID3));
	free(mkdirs(CGROUPFS_POD "/crio-conmon-" CID3));
	cr_expect(eq(int, kube__find_pod(root, UID2_ "0", &path), -EINVAL));
	cr_expect(eq(int, kube__find_pod(root, "", &path), -EINVAL));
	cr_expect(eq(int, kube__find_pod(root, "../../etc", &path), -EINVAL));
	cr_expect(eq(int, kube__find_pod(root, "22222222-2222-4333-8444-555555555555", &path),
		     -ENOENT));
	cr_expect(eq(int, kube__find_container(root, "3b1", &path), -EINVAL));
	cr_expect(eq(int, kube__find_container(root, "3b1f0c9e/..", &path), -EINVAL));
	cr_expect(eq(int, kube__find_container(root, CID "0", &path), -EINVAL));
	cr_expect(eq(int, kube__find_container(root, "3b1f", &path), -ENOTUNIQ));
	cr_expect(eq(int, kube__find_container(root, "abcdef", &path), -ENOENT));
	cr_expect(eq(str, path, "untouched"));
	cr_expect(eq(int, kube__find_container(root, "cri-o://9999", &path), 0));
	cr_expect(strstr(path, CGROUPFS_POD "/crio-" CID3) != NULL, "%s", path);
	free(path);
	cr_expect(eq(int, kube__find_container(root, "3b1f0", &path), 0));
	cr_expect(strstr(path, CID ".scope") != NULL, "%s", path);
	free(path);
}

Test(kube_find, same_pod_twice_is_not_unique)
{
	char *path = NULL;

	free(mkdirs(SYSTEMD_POD));
	free(mkdirs("other/kubepods/burstable/pod" UID));
	cr_expect(eq(int, kube__find_pod(root, UID, &path), -ENOTUNIQ));
}

Test(kube_find, no_root_or_too_deep)
{
	char *path = NULL;

	cr_expect(eq(int, kube__find_pod(root, UID, &path), -ENOENT));
	free(mkdirs("1/2/3/4/5/6/7/8/9/kubepods/pod" UID));
	cr_expect(eq(int, kube__find_pod(root, UID, &path), -ENOENT));
	/* at the last level the search looks at */
	free(mkdirs("1/2/3/4/5/6/7/kubepods/pod" UID2));
	cr_expect(eq(int, kube__find_pod(root, UID2, &path), 0));
	free(path);
	cr_expect(eq(int, kube__find_pod("/nonexistent-memtrail", UID, &path), -ENOENT));
}
