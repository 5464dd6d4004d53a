// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* serve_groups against fake cgroup trees (directories with cgroup.procs
 * files): grouping, pod folding, lookups, forgetting what is gone, and
 * the cap on tracked groups. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "serve_groups.h"
#include "tmpdir.h"

static char *mnt;

static void setup(void)
{
	mnt = tmpdir_make("mt-groups");
}

static void teardown(void)
{
	tmpdir_remove(mnt);
}

TestSuite(serve_groups, .init = setup, .fini = teardown, .timeout = 10);

/* mkdir -p MNT/rel; write procs (NULL: no cgroup.procs file) */
static void cg(const char *rel, const char *procs)
{
	char path[4096], *p;
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", mnt, rel);
	for (p = path + strlen(mnt) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	mkdir(path, 0755);
	if (!procs)
		return;
	strcat(path, "/cgroup.procs");
	f = fopen(path, "w");
	cr_assert(not(eq(ptr, f, NULL)));
	fputs(procs, f);
	fclose(f);
}

static void rm_cg(const char *rel)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s%s/cgroup.procs", mnt, rel);
	unlink(path);
	snprintf(path, sizeof(path), "%s%s", mnt, rel);
	cr_assert(eq(int, rmdir(path), 0), "rmdir %s", path);
}

static uint64_t ino(const char *rel)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s%s", mnt, rel);
	cr_assert(eq(int, stat(path, &st), 0));
	return st.st_ino;
}

/* A stand-in for Kubernetes: "/podUID" components are pods, the
 * component after one is the container. */
static void fake_pods(const char *path, struct group_class *c)
{
	const char *pod = strstr(path, "/pod"), *end;

	if (!pod)
		return;
	end = strchrnul(pod + 4, '/');
	c->is_pod = true;
	snprintf(c->pod_uid, sizeof(c->pod_uid), "%.*s", (int)(end - pod - 4), pod + 4);
	c->pod_len = end - path;
	strcpy(c->qos, "burstable");
	if (*end)
		snprintf(c->container_id, sizeof(c->container_id), "%s", end + 1);
}

static struct groups *make(const char *root, size_t max, group_classify_fn fn)
{
	struct groups_opts o = { .sz = sizeof(o), .mount = mnt, .root = root,
				 .max_groups = max, .classify = fn };
	struct groups *g = groups__new(&o);

	cr_assert(not(eq(ptr, g, NULL)));
	return g;
}

Test(serve_groups, every_cgroup_with_processes)
{
	struct groups *g;
	const struct group *a;
	struct groups_stats st;

	cg("/t", "");				/* the root holds none */
	cg("/t/a", "30\n10\n20\n");
	cg("/t/a/sub", "40\n");
	cg("/t/empty", "");
	cg("/t/noprocs", NULL);
	cg("/t/b/c/d", "50\n");
	cg("/outside", "60\n");			/* not under the root */
	g = make("/t", 0, NULL);
	cr_assert(eq(int, groups__refresh(g), 0));
	cr_assert(eq(sz, groups__count(g), 3));
	a = groups__at(g, 0);
	cr_assert(eq(str, a->key, "/t/a"));
	cr_assert(eq(str, a->cgroup, "/t/a"));
	cr_assert(eq(u64, a->cgroup_id, ino("/t/a")));
	cr_assert(not(a->is_pod));
	cr_assert(eq(sz, a->nmembers, 1));
	cr_assert(eq(sz, a->npids, 3));
	cr_assert(eq(int, a->members[0].pids[0], 10));
	cr_assert(eq(int, a->members[0].pids[2], 30));
	cr_assert(eq(str, groups__at(g, 1)->key, "/t/a/sub"));
	cr_assert(eq(str, groups__at(g, 2)->key, "/t/b/c/d"));
	cr_assert(eq(ptr, (void *)groups__of_pid(g, 20), (void *)a));
	cr_assert(eq(ptr, (void *)groups__of_pid(g, 40), (void *)groups__at(g, 1)));
	cr_assert(eq(ptr, (void *)groups__of_pid(g, 60), NULL));
	cr_assert(group__has_pid(a, 30));
	cr_assert(not(group__has_pid(a, 40)));
	cr_assert(eq(ptr, (void *)groups__find_cgroup(g, ino("/t/b/c/d")), (void *)groups__at(g, 2)));
	cr_assert(eq(ptr, (void *)groups__find_cgroup(g, ino("/t/empty")), NULL));
	cr_assert(eq(ptr, (void *)groups__find_pod(g, "/t/a"), NULL)); /* not a pod */
	groups__get_stats(g, &st);
	cr_assert(eq(sz, st.tracked, 3));
	cr_assert(eq(sz, st.untracked, 0));
	cr_assert(eq(sz, st.dirs, 8)); /* /t a a/sub empty noprocs b b/c b/c/d */
	groups__free(g);
}

Test(serve_groups, pods_fold_their_containers)
{
	struct groups *g;
	const struct group *p;

	cg("/kp/burstable/podAAA/c1", "11\n12\n");
	cg("/kp/burstable/podAAA/c2", "13\n");
	cg("/kp/burstable/podAAA", "10\n");	/* the pod's own cgroup */
	cg("/kp/burstable/podBBB/c1", "21\n");
	cg("/kp/system", "99\n");		/* no pod's */
	g = make("/kp", 0, fake_pods);
	cr_assert(eq(int, groups__refresh(g), 0));
	cr_assert(eq(sz, groups__count(g), 3));
	p = groups__find_pod(g, "AAA");
	cr_assert(not(eq(ptr, (void *)p, NULL)));
	cr_assert(p->is_pod);
	cr_assert(eq(str, p->cgroup, "/kp/burstable/podAAA"));
	cr_assert(eq(u64, p->cgroup_id, ino("/kp/burstable/podAAA")));
	cr_assert(eq(str, (char *)p->qos, "burstable"));
	cr_assert(eq(sz, p->nmembers, 3));
	cr_assert(eq(sz, p->npids, 4));
	cr_assert(eq(str, p->members[0].cgroup, "/kp/burstable/podAAA"));
	cr_assert(eq(str, (char *)p->members[0].container_id, ""));
	cr_assert(eq(str, (char *)p->members[1].container_id, "c1"));
	cr_assert(eq(str, (char *)p->members[2].container_id, "c2"));
	cr_assert(eq(ptr, (void *)groups__of_pid(g, 13), (void *)p));
	cr_assert(eq(ptr, (void *)groups__of_pid(g, 10), (void *)p));
	cr_assert(eq(ptr, (void *)groups__find_cgroup(g, p->cgroup_id), (void *)p));
	cr_assert(not(eq(ptr, (void *)groups__find_pod(g, "BBB"), NULL)));
	cr_assert(eq(ptr, (void *)groups__find_pod(g, "CCC"), NULL));
	cr_assert(not(groups__of_pid(g, 99)->is_pod));
	groups__free(g);
}

Test(serve_groups, gone_groups_are_forgotten)
{
	struct groups *g;
	struct groups_stats st;
	char rel[64];
	int i, round;

	g = make("/churn", 0, fake_pods);
	cg("/churn/keep", "1\n");
	/* pods come and go: after each round only what exists is listed */
	for (round = 0; round < 5; round++) {
		for (i = 0; i < 20; i++) {
			char procs[32];

			snprintf(rel, sizeof(rel), "/churn/pod%d-%d/c", round, i);
			snprintf(procs, sizeof(procs), "%d\n", 1000 * (round + 1) + i);
			cg(rel, procs);
		}
		cr_assert(eq(int, groups__refresh(g), 0));
		cr_assert(eq(sz, groups__count(g), 21));
		for (i = 0; i < 20; i++) {
			snprintf(rel, sizeof(rel), "/churn/pod%d-%d/c", round, i);
			rm_cg(rel);
			snprintf(rel, sizeof(rel), "/churn/pod%d-%d", round, i);
			rm_cg(rel);
		}
	}
	cr_assert(eq(int, groups__refresh(g), 0));
	cr_assert(eq(sz, groups__count(g), 1));
	cr_assert(eq(str, groups__at(g, 0)->key, "/churn/keep"));
	cr_assert(eq(ptr, (void *)groups__of_pid(g, 5000), NULL));
	groups__get_stats(g, &st);
	cr_assert(eq(u64, st.forgotten, 100));
	/* processes gone, cgroup still there: forgotten too */
	cg("/churn/keep", "");
	cr_assert(eq(int, groups__refresh(g), 0));
	cr_assert(eq(sz, groups__count(g), 0));
	groups__get_stats(g, &st);
	cr_assert(eq(u64, st.forgotten, 101));
	groups__free(g);
}

Test(serve_groups, capped_keeping_the_known_ones)
{
	struct groups *g;
	struct groups_stats st;

	cg("/cap/m", "1\n");
	cg("/cap/n", "2\n");
	g = make("/cap", 2, NULL);
	cr_assert(eq(int, groups__refresh(g), 0));
	cr_assert(eq(sz, groups__count(g), 2));
	/* new groups sorting first do not push the tracked ones out */
	cg("/cap/a", "3\n");
	cg("/cap/b", "4\n");
	cr_assert(eq(int, groups__refresh(g), 0));
	cr_assert(eq(sz, groups__count(g), 2));
	cr_assert(eq(str, groups__at(g, 0)->key, "/cap/m"));
	cr_assert(eq(str, groups__at(g, 1)->key, "/cap/n"));
	cr_assert(eq(ptr, (void *)groups__of_pid(g, 3), NULL));
	groups__get_stats(g, &st);
	cr_assert(eq(sz, st.tracked, 2));
	cr_assert(eq(sz, st.untracked, 2));
	/* room again: the first new one by key comes in */
	cg("/cap/n", "");
	cr_assert(eq(int, groups__refresh(g), 0));
	cr_assert(eq(str, groups__at(g, 0)->key, "/cap/a"));
	cr_assert(eq(str, groups__at(g, 1)->key, "/cap/m"));
	groups__get_stats(g, &st);
	cr_assert(eq(sz, st.untracked, 1));
	groups__free(g);
}

Test(serve_groups, root_gone_keeps_the_last_table)
{
	struct groups *g;

	cg("/r/a", "5\n");
	g = make("/r", 0, NULL);
	cr_assert(eq(int, groups__refresh(g), 0));
	rm_cg("/r/a");
	rm_cg("/r");
	cr_assert(eq(int, groups__refresh(g), -ENOENT));
	cr_assert(eq(sz, groups__count(g), 1));
	groups__free(g);
}

Test(serve_groups, bad_procs_text)
{
	struct groups *g;
	const struct group *a;

	/* the list ends at the first line that is not a pid */
	cg("/bad/a", "7\n8\nnot-a-pid\n9\n");
	cg("/bad/b", "-3\n");
	cg("/bad/c", "12x\n");
	cg("/bad/d", "4");			/* no final newline */
	g = make("/bad", 0, NULL);
	cr_assert(eq(int, groups__refresh(g), 0));
	cr_assert(eq(sz, groups__count(g), 2));
	a = groups__at(g, 0);
	cr_assert(eq(str, a->key, "/bad/a"));
	cr_assert(eq(sz, a->npids, 2));
	cr_assert(eq(str, groups__at(g, 1)->key, "/bad/d"));
	groups__free(g);
}

Test(serve_groups, the_whole_mount)
{
	struct groups *g;

	cg("/x", "3\n");
	g = make("/", 0, NULL);
	cr_assert(eq(int, groups__refresh(g), 0));
	cr_assert(eq(sz, groups__count(g), 1));
	cr_assert(eq(str, groups__at(g, 0)->cgroup, "/x"));
	groups__free(g);
}

#define UID1 "0a1b2c3d-1111-4222-8333-444455556666"
#define UID1_SD "0a1b2c3d_1111_4222_8333_444455556666"
#define UID2 "fedcba98-7654-4321-8765-0123456789ab"
#define CID1 "1111111111111111111111111111111111111111111111111111111111111111"
#define CID2 "2222222222222222222222222222222222222222222222222222222222222222"

/* The systemd driver's layout, as the kubelet makes it under containerd;
 * and the cgroupfs driver's. */
Test(serve_groups, kubernetes_systemd_layout)
{
	struct groups *g;
	const struct group *p;

	cg("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID1_SD ".slice/"
	   "cri-containerd-" CID1 ".scope", "101\n102\n");
	cg("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID1_SD ".slice/"
	   "cri-containerd-" CID2 ".scope", "103\n");
	cg("/kubepods.slice/kubepods-pod" UID2 ".slice/crio-" CID1 ".scope", "201\n");
	cg("/kubepods.slice/kubepods-besteffort.slice", "");
	g = make("/kubepods.slice", 0, groups__classify_kube);
	cr_assert(eq(int, groups__refresh(g), 0));
	cr_assert(eq(sz, groups__count(g), 2));
	p = groups__find_pod(g, UID1);
	cr_assert(not(eq(ptr, (void *)p, NULL)));
	cr_assert(eq(str, p->cgroup, "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
		     UID1_SD ".slice"));
	cr_assert(eq(str, (char *)p->qos, "burstable"));
	cr_assert(eq(sz, p->nmembers, 2));
	cr_assert(eq(sz, p->npids, 3));
	cr_assert(eq(str, (char *)p->members[0].container_id, CID1));
	cr_assert(eq(str, (char *)p->members[1].container_id, CID2));
	cr_assert(eq(u64, p->cgroup_id, ino(p->cgroup)));
	p = groups__find_pod(g, UID2);
	cr_assert(not(eq(ptr, (void *)p, NULL)));
	cr_assert(eq(str, (char *)p->qos, "guaranteed"));
	cr_assert(eq(ptr, (void *)groups__of_pid(g, 201), (void *)p));
	groups__free(g);
}

Test(serve_groups, kubernetes_cgroupfs_layout)
{
	struct groups *g;
	const struct group *p;

	cg("/kubepods/besteffort/pod" UID1 "/" CID1, "11\n");
	cg("/kubepods/pod" UID2 "/" CID2, "22\n");
	cg("/kubepods/besteffort/not-a-pod", "33\n");	/* a cgroup, no pod's */
	g = make("/kubepods", 0, groups__classify_kube);
	cr_assert(eq(int, groups__refresh(g), 0));
	cr_assert(eq(sz, groups__count(g), 3));
	p = groups__find_pod(g, UID1);
	cr_assert(not(eq(ptr, (void *)p, NULL)));
	cr_assert(eq(str, p->cgroup, "/kubepods/besteffort/pod" UID1));
	cr_assert(eq(str, (char *)p->qos, "besteffort"));
	cr_assert(eq(str, (char *)p->members[0].container_id, CID1));
	p = groups__of_pid(g, 33);
	cr_assert(not(eq(ptr, (void *)p, NULL)));
	cr_assert(not(p->is_pod));
	cr_assert(eq(str, p->cgroup, "/kubepods/besteffort/not-a-pod"));
	groups__free(g);
}
