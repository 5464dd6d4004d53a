// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* --pod and --container against real cgroups laid out the way the kubelet
 * names them (systemd and cgroupfs drivers) inside a test group of the
 * cgroup2 tree: two leaky "containers" of one pod and one process outside;
 * each container's leaks exact, the two merged as replicas, nothing from
 * outside. The fixture removes every group, also when a test fails. */
#include "cgroup_fixture.h"

TestSuite(kube_pod, .timeout = TEST_TIMEOUT, .fini = cleanup);

/* A pod of two leaky containers, laid out as the kubelet's driver names it. */
struct pod {
	char uid[37], uid_[37];	/* the API's spelling, systemd's */
	char cid[2][65];
	char dir[512], ctr[2][512];
	struct child in[2];
	pid_t pids[2];
};

static void make_pod(struct pod *p, bool systemd)
{
	char top[512], kp[512], qos[512], name[256];
	char *leaky = workload("leaky"), *argv[] = { leaky, "--wait", NULL };
	int k;

	/* ids no real pod has: this test's pid in them */
	snprintf(p->uid, sizeof(p->uid), "%08x-7e57-4a11-8b0d-%012x", (unsigned)getpid(),
		 (unsigned)time(NULL));
	for (k = 0; p->uid[k]; k++)
		p->uid_[k] = p->uid[k] == '-' ? '_' : p->uid[k];
	p->uid_[k] = '\0';
	for (k = 0; k < 2; k++)
		snprintf(p->cid[k], sizeof(p->cid[k]), "%c%07x%056d", k ? 'b' : 'a',
			 (unsigned)getpid(), 0);
	make_group(systemd ? "kube-systemd" : "kube-cgroupfs", top, sizeof(top));
	if (systemd) {
		make_named_group(top, "kubepods.slice", kp, sizeof(kp));
		make_named_group(kp, "kubepods-burstable.slice", qos, sizeof(qos));
		snprintf(name, sizeof(name), "kubepods-burstable-pod%s.slice", p->uid_);
	} else {
		make_named_group(top, "kubepods", kp, sizeof(kp));
		make_named_group(kp, "besteffort", qos, sizeof(qos));
		snprintf(name, sizeof(name), "pod%s", p->uid);
	}
	make_named_group(qos, name, p->dir, sizeof(p->dir));
	for (k = 0; k < 2; k++) {
		/* cgroupfs: CRI-O names its directories, containerd uses the bare id */
		snprintf(name, sizeof(name), systemd ? "cri-containerd-%s.scope" : k ? "crio-%s" : "%s",
			 p->cid[k]);
		make_named_group(p->dir, name, p->ctr[k], sizeof(p->ctr[k]));
		spawn_in_group(p->ctr[k], argv, &p->in[k]);
		p->pids[k] = wait_ready(&p->in[k]);
	}
	free(leaky);
}

/* memtrail with args after the binary; its report goes to out. */
static void start_on(struct child *mt, const char *out, char **args)
{
	if (nmade_files < sizeof(made_files) / sizeof(made_files[0]))
		snprintf(made_files[nmade_files++], sizeof(made_files[0]), "%s", out);
	start_memtrail(mt, NULL, args);
	track_pid(mt->pid);
}

/* Every leak of tests/workloads/leaky is held by both containers, in one
 * stack per call site with each one's share. */
static void assert_replicas(json_t *root, pid_t a, pid_t b)
{
	json_t *s;
	size_t i;

	json_array_foreach(json_object_get(root, "stacks"), i, s) {
		const char *sym = frame0_symbol(s);

		if (!sym || strncmp(sym, "leak_", 5))
			continue;
		cr_expect_eq(json_array_size(json_object_get(s, "pids")), 2,
			     "%s: %zu shares, expected both containers' processes", sym,
			     json_array_size(json_object_get(s, "pids")));
		cr_expect(stack_share(s, a) && stack_share(s, b), "%s: not in both", sym);
	}
}

static void assert_pod_target(json_t *root, const char *kind, const char *value,
			      const char *note_part)
{
	json_t *t = json_object_get(root, "target"), *n;
	bool noted = false;
	size_t i;

	cr_expect_str_eq(json_string_value(json_object_get(t, "kind")), kind);
	cr_expect_str_eq(json_string_value(json_object_get(t, "value")), value);
	json_array_foreach(json_object_get(root, "notes"), i, n)
		noted |= strstr(json_string_value(n), note_part) != NULL;
	cr_expect(noted, "no note naming '%s'", note_part);
}

/* The pod by --pod name (either spelling), both containers leak, and a
 * process outside; returns the report. */
static json_t *trace_pod(struct pod *p, const char *name, const char *tag)
{
	char out[256];
	struct child outside, mt;
	json_t *root;
	int k;

	start_leaky(&outside); /* same binary and libc, not in the pod */
	track_pid(outside.pid);
	snprintf(out, sizeof(out), "/tmp/memtrail-test-%d-%s.json", getpid(), tag);
	/* the one-shot capture of the README, ended early by SIGINT */
	start_on(&mt, out, (char *[]){ "--pod", (char *)name, "--duration", "300", "--format",
				       "json", "--output", out, NULL });
	/* "tracing": the members found at the start are in */
	for (k = 0; k < 2; k++)
		leaky_go(&p->in[k], NULL, 0);
	leaky_go(&outside, NULL, 0);
	root = stop_memtrail(&mt, out);
	for (k = 0; k < 2; k++)
		assert_leaks_of(root, p->pids[k]);
	assert_replicas(root, p->pids[0], p->pids[1]);
	assert_absent(root, outside.pid);
	return root;
}

/* A pod of the driver's layout, traced by --pod in the API's or the
 * systemd spelling of its UID. */
static void check_pod(bool systemd, bool underscores, const char *qos)
{
	char note[800];
	struct pod p;
	json_t *root;

	make_pod(&p, systemd);
	root = trace_pod(&p, underscores ? p.uid_ : p.uid, systemd ? "pod-systemd" : "pod-cgroupfs");
	snprintf(note, sizeof(note), "pod %s (%s): cgroup %s", p.uid, qos, p.dir);
	assert_pod_target(root, "pod", p.uid, note);
	json_decref(root);
}

Test(kube_pod, systemd_driver_pod_of_two_containers)
{
	require_root();
	check_pod(true, false, "burstable");
}

Test(kube_pod, cgroupfs_driver_pod_by_its_systemd_spelling)
{
	require_root();
	check_pod(false, true, "besteffort");
}

Test(kube_pod, one_container_by_a_prefix_of_its_id)
{
	char out[256], name[32], note[800];
	struct child mt;
	struct pod p;
	json_t *root;
	int k;

	require_root();
	make_pod(&p, false);
	/* the first 13 digits (as crictl ps shows them), spelt the way a
	 * pod's status names a container */
	snprintf(name, sizeof(name), "cri-o://%.13s", p.cid[1]);
	snprintf(out, sizeof(out), "/tmp/memtrail-test-%d-ctr.json", getpid());
	start_on(&mt, out, (char *[]){ "--container", name, "--format", "json", "--output", out,
				       NULL });
	for (k = 0; k < 2; k++)
		leaky_go(&p.in[k], NULL, 0);
	root = stop_memtrail(&mt, out);
	snprintf(note, sizeof(note), "container %s (crio) of pod %s (besteffort): cgroup %s",
		 p.cid[1], p.uid, p.ctr[1]);
	assert_pod_target(root, "container", p.cid[1], note);
	assert_leaks_of(root, p.pids[1]);
	assert_absent(root, p.pids[0]); /* the pod's other container */
	json_decref(root);
}

/* Not found, malformed, ambiguous: one line, exit 2, nothing traced. */
Test(kube_pod, unknown_and_malformed_names_are_usage_errors)
{
	static const struct { const char *flag, *value, *says; } cases[] = {
		{ "--pod", "00000000-0000-4000-8000-000000000000", "not found" },
		{ "--pod", "not-a-uid", "invalid --pod" },
		{ "--container", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		  "not found" },
		{ "--container", "xyz", "invalid --container" },
	};
	size_t i;

	require_root();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char line[1024] = "", more[1024];
		struct child mt;

		spawn((char *[]){ (char *)mt_bin(), (char *)cases[i].flag, (char *)cases[i].value,
				  "--format", "json", NULL }, &mt, NULL);
		cr_expect_eq(reap(&mt, 20000), 2, "%s %s", cases[i].flag, cases[i].value);
		cr_expect(read_line(&mt.err, 1000, line, sizeof(line)) && strstr(line, cases[i].says),
			  "%s %s: '%s'", cases[i].flag, cases[i].value, line);
		cr_expect(!read_line(&mt.err, 100, more, sizeof(more)), "a second line: '%s'", more);
		cr_expect(!read_line(&mt.out, 100, more, sizeof(more)), "stdout: '%s'", more);
		child_close(&mt);
	}
}
