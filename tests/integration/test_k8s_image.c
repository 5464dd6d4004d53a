// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* tools/k8s for real, as far as this machine allows (no container engine):
 * memtrail run from the image's root file system (tools/k8s/rootfs.sh,
 * under chroot, in a mount namespace of its own with /proc and /sys
 * bound in, as the runtime and the manifests' volumes give them) with
 * exactly the capabilities daemonset.yaml grants, against a process of
 * another user whose binary only its owner may read: every leak exact.
 * Then the same with each capability taken away: each one is needed. */
#include <grp.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include "harness.h"
#include "leaks.h"
#include "yaml_doc.h"

#define NOBODY 65534

static char rootfs[256], private_dir[256];

static void cleanup(void)
{
	char cmd[600];

	/* the mounts were in the memtrail child's namespace: gone with it */
	if (rootfs[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", rootfs);
		cr_expect(system(cmd) == 0);
	}
	if (private_dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", private_dir);
		cr_expect(system(cmd) == 0);
	}
}

TestSuite(k8s_image, .timeout = TEST_TIMEOUT, .fini = cleanup);

static const struct { const char *name; int cap; } cap_names[] = {
	{ "BPF", CAP_BPF }, { "PERFMON", CAP_PERFMON }, { "SYS_PTRACE", CAP_SYS_PTRACE },
	{ "CHECKPOINT_RESTORE", CAP_CHECKPOINT_RESTORE }, { "DAC_READ_SEARCH", CAP_DAC_READ_SEARCH },
	{ "SYS_ADMIN", CAP_SYS_ADMIN }, { "DAC_OVERRIDE", CAP_DAC_OVERRIDE },
	{ "SYS_RESOURCE", CAP_SYS_RESOURCE }, { "NET_ADMIN", CAP_NET_ADMIN },
};

/* The capabilities the DaemonSet adds (after dropping ALL), as numbers. */
static size_t manifest_caps(int *caps, size_t max)
{
	const char *repo = getenv("MT_REPO");
	yaml_node_t *add;
	struct ydoc d;
	char path[512];
	size_t i, j, n;

	snprintf(path, sizeof(path), "%s/tools/k8s/daemonset.yaml", repo ? repo : ".");
	ydoc_load(path, &d);
	add = ynode(ykind(&d, "DaemonSet"), NULL,
		    "spec.template.spec.containers[0].securityContext.capabilities.add");
	n = ylen(add);
	cr_assert(n > 0 && n <= max, "%zu capabilities", n);
	for (i = 0; i < n; i++) {
		const char *name = yscalar_of(yat(ykind(&d, "DaemonSet"), add, i));

		for (j = 0; j < sizeof(cap_names) / sizeof(cap_names[0]); j++)
			if (name && !strcmp(name, cap_names[j].name))
				break;
		cr_assert(j < sizeof(cap_names) / sizeof(cap_names[0]), "unknown capability %s", name);
		caps[i] = cap_names[j].cap;
	}
	ydoc_free(&d);
	return n;
}

/* ---- in the children, before exec ---------------------------------------- */

struct container {
	const int *caps;	/* the capabilities kept */
	size_t ncaps;
};

static bool kept(const struct container *c, int cap)
{
	size_t i;

	for (i = 0; i < c->ncaps; i++)
		if (c->caps[i] == cap)
			return true;
	return false;
}

/* What a runtime does for the manifest's container, short of namespaces
 * that change nothing here: its own mounts, the image as /, the node's
 * /proc (hostPID) and /sys (the hostPath volumes), and root whose
 * capabilities are the manifest's alone (a root exec gets the bounding set). */
static int enter_container(void *ctx)
{
	const struct container *c = ctx;
	char path[300];
	int cap;

	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -1;
	snprintf(path, sizeof(path), "%s/proc", rootfs);
	if (mount("/proc", path, NULL, MS_BIND | MS_REC, NULL))
		return -1;
	snprintf(path, sizeof(path), "%s/sys", rootfs);
	if (mount("/sys", path, NULL, MS_BIND | MS_REC, NULL))
		return -1;
	if (chroot(rootfs) || chdir("/"))
		return -1;
	for (cap = 0; cap <= CAP_LAST_CAP; cap++)
		if (!kept(c, cap) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno != EINVAL)
			return -1;
	return 0;
}

static int become_nobody(void *ctx)
{
	(void)ctx;
	return setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY) ? -1 : 0;
}

/* ---- the test --------------------------------------------------------------- */

static void make_rootfs(void)
{
	const char *bin = mt_bin(), *repo = getenv("MT_REPO");
	char cmd[4096];

	snprintf(rootfs, sizeof(rootfs), "/tmp/memtrail-test-%d-rootfs", getpid());
	snprintf(cmd, sizeof(cmd), "'%s/tools/k8s/rootfs.sh' '%s' '%s' && mkdir -p '%s/proc' "
		 "'%s/sys' '%s/out'", repo ? repo : ".", bin, rootfs, rootfs, rootfs, rootfs);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

/* leaky, copied where only its owner, nobody, may read it, run as nobody. */
static void start_private_leaky(struct child *c)
{
	char *src = workload("leaky"), bin[300], cmd[4096], line[256];

	snprintf(private_dir, sizeof(private_dir), "/tmp/memtrail-test-%d-private", getpid());
	snprintf(bin, sizeof(bin), "%s/leaky", private_dir);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s' && cp '%s' '%s' && chown %d:%d '%s' && "
		 "chmod 0711 '%s' && chmod 0755 '%s'", private_dir, src, bin, NOBODY, NOBODY, bin,
		 bin, private_dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	spawn_with((char *[]){ bin, "--wait", NULL }, c, NULL, become_nobody, NULL);
	cr_assert(read_line(&c->out, 10000, line, sizeof(line)) && !strncmp(line, "ready", 5),
		  "leaky as nobody did not start: '%s'", line);
	free(src);
}

/* memtrail in the container with caps; returns its exit status and, when
 * it wrote one, the report. */
static int trace_in_container(struct child *target, const int *caps, size_t ncaps, bool classic,
			      json_t **report, char *log, size_t logsz)
{
	struct container ctr = { .caps = caps, .ncaps = ncaps };
	char pid[16], out[400];
	struct child mt;
	bool traced;
	int rc;

	snprintf(pid, sizeof(pid), "%d", target->pid);
	snprintf(out, sizeof(out), "%s/out/report.json", rootfs);
	unlink(out);
	spawn_with((char *[]){ "/usr/local/bin/memtrail", "--pid", pid, "--format", "json",
			       "--output", "/out/report.json",
			       classic ? "--classic-uprobes" : NULL, NULL },
		   &mt, NULL, enter_container, &ctr);
	*report = NULL;
	log[0] = '\0';
	traced = wait_for(&mt.err, "tracing", 30000, log, logsz);
	if (traced) {
		leaky_go(target, NULL, 0);
		kill(mt.pid, SIGINT);
	}
	rc = reap(&mt, 20000);
	if (traced) {
		/* a fresh image, to leak again for the next run */
		say(target, "exec\n");
		cr_assert(wait_for(&target->out, "ready", 10000, NULL, 0));
	}
	/* what else it said */
	while (read_line(&mt.err, 100, log + strlen(log), logsz - strlen(log)))
		snprintf(log + strlen(log), logsz - strlen(log), "\n");
	child_close(&mt);
	if (rc == 0)
		*report = load_report(out);
	return rc;
}

/* A run with caps on one uprobe path: every leak exact? */
static bool exact_with(struct child *target, const int *caps, size_t n, bool classic,
		       bool expect, const char *what)
{
	char log[8192];
	bool exact = true;
	json_t *root;
	size_t i;
	int rc;

	rc = trace_in_container(target, caps, n, classic, &root, log, sizeof(log));
	if (rc) {
		cr_expect(!expect, "%s: exit %d: %s", what, rc, log);
		return false;
	}
	for (i = 0; i < NLEAKS; i++) {
		long long bytes, allocs;

		sum_by_symbol(root, target->pid, leaks[i].symbol, &bytes, &allocs);
		if (bytes != leaks[i].bytes || allocs != leaks[i].allocs) {
			cr_expect(!expect, "%s: %s: %lld bytes in %lld allocations", what,
				  leaks[i].symbol, bytes, allocs);
			exact = false;
		}
	}
	json_decref(root);
	return exact;
}

Test(k8s_image, the_image_with_the_manifests_capabilities_traces_another_users_process)
{
	int caps[16], fewer[16];
	struct child target;
	size_t n, i, j, k, admin = 16;
	bool multi = kernel_at_least(6, 6);

	require_root();
	n = manifest_caps(caps, 16);
	make_rootfs();
	start_private_leaky(&target);

	/* the manifest's set, on both uprobe paths */
	exact_with(&target, caps, n, false, true, "the manifest's capabilities");
	exact_with(&target, caps, n, true, true, "the manifest's capabilities, classic uprobes");

	/* without SYS_ADMIN: classic uprobes (kernels before 6.6) fail... */
	for (i = 0; i < n; i++)
		if (caps[i] == CAP_SYS_ADMIN)
			admin = i;
	cr_assert(admin < n, "no SYS_ADMIN in the manifest: kernels before 6.6 need it");
	for (j = k = 0; j < n; j++)
		if (j != admin)
			fewer[k++] = caps[j];
	cr_expect(!exact_with(&target, fewer, k, true, false, "without SYS_ADMIN, classic"),
		  "classic uprobes work without SYS_ADMIN: the manifest need not ask for it");
	/* ...multi-uprobe links (6.6+) need only the other five, each of them */
	if (multi) {
		exact_with(&target, fewer, k, false, true, "without SYS_ADMIN, multi-uprobe links");
		for (i = 0; i < k; i++) {
			int less[16];
			size_t m = 0;

			for (j = 0; j < k; j++)
				if (j != i)
					less[m++] = fewer[j];
			cr_expect(!exact_with(&target, less, m, false, false, "one fewer"),
				  "capability %d of the manifest is not needed", fewer[i]);
		}
	}
	say(&target, "exit\n");
	reap(&target, 5000);
	child_close(&target);
}
