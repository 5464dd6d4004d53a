// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* tools/k8s: the DaemonSet and the capture Job parsed with libyaml, their
 * fields that matter checked (hostPID, capabilities, each hostPath mount,
 * read-only where it should be, command and args, resources, the Job's
 * node), the Job's args given to the real memtrail, and the Dockerfile's
 * stages and copies (there is no Docker engine here to build it). */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "yaml_doc.h"

#define BIN_PATH "/usr/local/bin/memtrail"

/* What the tracer needs, and nothing more (tests/integration/test_k8s_image.c
 * runs memtrail with exactly the manifest's set): the last for kernels
 * without multi-uprobe links only. */
static const char *const caps[] = { "BPF", "PERFMON", "SYS_PTRACE", "CHECKPOINT_RESTORE",
				    "DAC_READ_SEARCH", "SYS_ADMIN" };

/* Every hostPath the tracer reads, where it expects it, read-only. */
static const struct { const char *host, *mount; } host_mounts[] = {
	{ "/sys/fs/cgroup", "/sys/fs/cgroup" },
	{ "/sys/kernel/tracing", "/sys/kernel/tracing" },
	{ "/sys/kernel/btf", "/sys/kernel/btf" },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static char *repo_file(const char *rel)
{
	const char *repo = getenv("MT_REPO");
	char *p;

	cr_assert(asprintf(&p, "%s/%s", repo ? repo : ".", rel) > 0);
	return p;
}

static void load(const char *rel, struct ydoc *d)
{
	char *path = repo_file(rel);

	ydoc_load(path, d);
	free(path);
}

/* A sequence of scalars equals want[0..n). */
static void expect_list(yaml_document_t *doc, yaml_node_t *seq, const char *const *want,
			size_t n, const char *what)
{
	size_t i;

	cr_assert(eq(sz, ylen(seq), n), "%s: %zu items, expected %zu", what, ylen(seq), n);
	for (i = 0; i < n; i++)
		cr_expect(eq(str, (char *)yscalar_of(yat(doc, seq, i)), (char *)want[i]),
			  "%s[%zu]", what, i);
}

/* The pod spec's parts every memtrail pod needs: hostPID, the container's
 * image, command, security context, resources and read-only host mounts.
 * Returns the container. */
static yaml_node_t *check_pod_spec(yaml_document_t *doc, yaml_node_t *spec, const char *what)
{
	yaml_node_t *c = ynode(doc, spec, "containers[0]"), *sc, *mounts, *vols;
	const char *cmd[] = { BIN_PATH };
	size_t i;

	cr_assert(not(eq(ptr, c, NULL)), "%s: no container", what);
	cr_expect(eq(str, (char *)ystr(doc, spec, "hostPID"), "true"), "%s: hostPID", what);
	cr_expect(eq(str, (char *)ystr(doc, spec, "automountServiceAccountToken"), "false"),
		  "%s: it needs no API token", what);
	cr_expect(eq(ptr, (void *)ystr(doc, spec, "hostNetwork"), NULL), "%s: hostNetwork", what);
	cr_expect(eq(str, (char *)ystr(doc, c, "image"), "memtrail:0.1"), "%s: image", what);
	expect_list(doc, ynode(doc, c, "command"), cmd, 1, "command");

	sc = ynode(doc, c, "securityContext");
	cr_expect(eq(str, (char *)ystr(doc, sc, "privileged"), "false"), "%s: privileged", what);
	cr_expect(eq(str, (char *)ystr(doc, sc, "readOnlyRootFilesystem"), "true"), "%s", what);
	cr_expect(eq(str, (char *)ystr(doc, sc, "runAsUser"), "0"), "%s: runAsUser", what);
	expect_list(doc, ynode(doc, sc, "capabilities.drop"), (const char *[]){ "ALL" }, 1,
		    "capabilities.drop");
	expect_list(doc, ynode(doc, sc, "capabilities.add"), caps, N(caps), "capabilities.add");

	cr_expect(not(eq(ptr, (void *)ystr(doc, c, "resources.limits.memory"), NULL)), "%s", what);
	cr_expect(not(eq(ptr, (void *)ystr(doc, c, "resources.limits.cpu"), NULL)), "%s", what);
	cr_expect(not(eq(ptr, (void *)ystr(doc, c, "resources.requests.memory"), NULL)), "%s", what);

	mounts = ynode(doc, c, "volumeMounts");
	vols = ynode(doc, spec, "volumes");
	for (i = 0; i < N(host_mounts); i++) {
		yaml_node_t *m = yitem(doc, mounts, "mountPath", host_mounts[i].mount), *v;
		const char *name = ystr(doc, m, "name");

		cr_assert(not(eq(ptr, m, NULL)), "%s: nothing mounted at %s", what,
			  host_mounts[i].mount);
		cr_expect(eq(str, (char *)ystr(doc, m, "readOnly"), "true"), "%s: %s writable", what,
			  host_mounts[i].mount);
		v = name ? yitem(doc, vols, "name", name) : NULL;
		cr_assert(not(eq(ptr, v, NULL)), "%s: no volume '%s'", what, name ? name : "?");
		cr_expect(eq(str, (char *)ystr(doc, v, "hostPath.path"), (char *)host_mounts[i].host),
			  "%s: %s", what, host_mounts[i].mount);
		cr_expect(eq(str, (char *)ystr(doc, v, "hostPath.type"), "Directory"), "%s", what);
	}
	/* a hostPath over /proc would be refused; hostPID shows the node's */
	cr_expect(eq(ptr, yitem(doc, mounts, "mountPath", "/proc"), NULL), "%s", what);
	return c;
}

Test(k8s, daemonset_runs_serve_on_every_node)
{
	const char *args[] = { "serve", "--listen", "127.0.0.1:9810" };
	yaml_document_t *doc;
	yaml_node_t *spec, *c, *m;
	struct ydoc d;
	size_t i;

	load("tools/k8s/daemonset.yaml", &d);
	cr_expect(eq(str, (char *)ystr(ykind(&d, "Namespace"), NULL, "metadata.name"), "memtrail"));
	doc = ykind(&d, "DaemonSet");
	cr_expect(eq(str, (char *)ystr(doc, NULL, "apiVersion"), "apps/v1"));
	cr_expect(eq(str, (char *)ystr(doc, NULL, "metadata.namespace"), "memtrail"));
	/* the selector selects the template's pods */
	cr_expect(eq(str, (char *)yscalar_of(ykey(doc, ynode(doc, NULL, "spec.selector.matchLabels"),
						  "app.kubernetes.io/name", 22)),
		     (char *)yscalar_of(ykey(doc, ynode(doc, NULL, "spec.template.metadata.labels"),
					     "app.kubernetes.io/name", 22))));
	spec = ynode(doc, NULL, "spec.template.spec");
	c = check_pod_spec(doc, spec, "daemonset");
	/* serve on the pod's loopback only: it has no authentication */
	expect_list(doc, ynode(doc, c, "args"), args, N(args), "args");
	/* a DaemonSet writes nothing: every mount read-only */
	for (i = 0; (m = yat(doc, ynode(doc, c, "volumeMounts"), i)); i++)
		cr_expect(eq(str, (char *)ystr(doc, m, "readOnly"), "true"), "%s",
			  ystr(doc, m, "mountPath"));
	ydoc_free(&d);
}

Test(k8s, capture_job_is_pinned_to_the_pods_node)
{
	const char *args[] = { "--pod", "POD_UID", "--duration", "300", "--format", "json",
			       "--output", "/out/leak.json" };
	yaml_document_t *doc;
	yaml_node_t *spec, *c, *m, *v;
	struct ydoc d;

	load("tools/k8s/capture-job.yaml", &d);
	doc = ykind(&d, "Job");
	cr_expect(eq(str, (char *)ystr(doc, NULL, "apiVersion"), "batch/v1"));
	cr_expect(eq(str, (char *)ystr(doc, NULL, "spec.backoffLimit"), "0"), "one capture, no retry");
	spec = ynode(doc, NULL, "spec.template.spec");
	cr_expect(eq(str, (char *)ystr(doc, spec, "nodeName"), "NODE_NAME"), "the Job names its node");
	cr_expect(eq(str, (char *)ystr(doc, spec, "restartPolicy"), "Never"));
	c = check_pod_spec(doc, spec, "job");
	expect_list(doc, ynode(doc, c, "args"), args, N(args), "args");
	/* the report's directory is a writable volume on the node */
	m = yitem(doc, ynode(doc, c, "volumeMounts"), "mountPath", "/out");
	cr_assert(not(eq(ptr, m, NULL)), "nothing mounted at /out");
	cr_expect(eq(ptr, (void *)ystr(doc, m, "readOnly"), NULL), "/out must be writable");
	v = yitem(doc, ynode(doc, spec, "volumes"), "name", ystr(doc, m, "name"));
	cr_expect(eq(str, (char *)ystr(doc, v, "hostPath.path"), "/var/tmp/memtrail"));
	cr_expect(eq(str, (char *)ystr(doc, v, "hostPath.type"), "DirectoryOrCreate"));
	ydoc_free(&d);
}

/* Runs memtrail with argv (NULL-terminated, after the binary); its exit
 * status, stderr in err. */
static int run_memtrail(char *const argv[], char *err, size_t sz)
{
	const char *bin = getenv("MT_BIN");
	char *cmd = NULL, *p;
	size_t i;
	FILE *f;
	int status;

	cr_assert(bin != NULL, "MT_BIN not set");
	cr_assert(asprintf(&cmd, "'%s'", bin) > 0);
	for (i = 0; argv[i]; i++) {
		p = cmd;
		cr_assert(asprintf(&cmd, "%s '%s'", p, argv[i]) > 0);
		free(p);
	}
	p = cmd;
	cr_assert(asprintf(&cmd, "%s 2>&1 >/dev/null", p) > 0);
	free(p);
	f = popen(cmd, "r");
	cr_assert(f != NULL);
	err[fread(err, 1, sz - 1, f)] = '\0';
	status = pclose(f);
	free(cmd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The Job's args are memtrail's: with a real UID they get as far as
 * looking for the pod (which is not on this machine). */
Test(k8s, capture_job_args_are_memtrails_flags)
{
	char *argv[] = { "--pod", "0f4e5a6b-1c2d-4e3f-8a9b-0c1d2e3f4a5b", "--duration", "300",
			 "--format", "json", "--output", "/dev/null", NULL };
	char err[4096];

	cr_expect(eq(int, run_memtrail(argv, err, sizeof(err)), 2), "%s", err);
	cr_expect(not(eq(ptr, strstr(err, "pod '0f4e5a6b-1c2d-4e3f-8a9b-0c1d2e3f4a5b' not found"),
			 NULL)), "%s", err);
}

/* The Dockerfile, line by line: two stages, Debian 12 then scratch, the
 * build stage's make, and the one COPY into the runtime stage. */
Test(k8s, dockerfile_stages_and_copies)
{
	char *path = repo_file("tools/k8s/Dockerfile"), *line = NULL;
	size_t cap = 0, nfrom = 0, ncopy_rt = 0;
	bool deps = false, make = false, rootfs = false, entry = false;
	FILE *f = fopen(path, "r");

	cr_assert(f != NULL, "%s", path);
	while (getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || !line[0])
			continue;
		if (!strncmp(line, "FROM ", 5)) {
			nfrom++;
			if (nfrom == 1)
				cr_expect(eq(str, line, "FROM debian:12 AS build"));
			else
				cr_expect(eq(str, line, "FROM scratch"));
			continue;
		}
		if (nfrom == 1) {
			deps |= strstr(line, "make deps-build") != NULL;
			make |= strstr(line, "make -j\"$(nproc)\" memtrail") != NULL;
			rootfs |= strstr(line, "tools/k8s/rootfs.sh memtrail /rootfs") != NULL;
			continue;
		}
		if (!strncmp(line, "COPY", 4)) {
			cr_expect(eq(str, line, "COPY --from=build /rootfs/ /"),
				  "the runtime stage takes only the staged root: '%s'", line);
			ncopy_rt++;
		}
		cr_expect(ne(int, strncmp(line, "RUN", 3), 0), "a RUN in the runtime stage (no shell): '%s'", line);
		entry |= !strcmp(line, "ENTRYPOINT [\"" BIN_PATH "\"]");
	}
	fclose(f);
	free(line);
	free(path);
	cr_expect(eq(sz, nfrom, 2));
	cr_expect(eq(int, deps && make && rootfs, 1), "build stage: deps %d, make %d, rootfs %d", deps, make, rootfs);
	cr_expect(eq(sz, ncopy_rt, 1));
	cr_expect(eq(int, entry, 1), "no ENTRYPOINT [\"" BIN_PATH "\"]");
}

/* Output of a make target of the repository (print-libs, ...). */
static char *make_print(const char *target)
{
	const char *repo = getenv("MT_REPO");
	char *cmd, *out = NULL;
	size_t cap = 0;
	FILE *f;

	cr_assert(asprintf(&cmd, "env -u MAKEFLAGS -u MAKELEVEL make -s --no-print-directory -C '%s' %s",
			   repo ? repo : ".", target) > 0);
	f = popen(cmd, "r");
	cr_assert(f != NULL);
	cr_assert(getline(&out, &cap, f) > 0, "%s printed nothing", cmd);
	cr_assert(eq(int, pclose(f), 0), "%s failed", cmd);
	out[strcspn(out, "\n")] = '\0';
	free(cmd);
	return out;
}

/* The image installs BUILD_DEPS only: each library memtrail links must
 * come from one of them (dpkg knows which package owns libX.so). */
Test(k8s, build_deps_provide_every_linked_library)
{
	char *libs = make_print("print-libs"), *deps = make_print("print-build-deps");
	char *tok, *save = NULL, padded[4096];

	snprintf(padded, sizeof(padded), " %s ", deps);
	for (tok = strtok_r(libs, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		char cmd[512], pkg[256] = "", want[300];
		FILE *f;

		if (strncmp(tok, "-l", 2))
			continue; /* -pthread: libc's */
		snprintf(cmd, sizeof(cmd),
			 "for f in /usr/lib/x86_64-linux-gnu/lib%s.so /usr/lib/x86_64-linux-gnu/lib%s.a "
			 "/usr/lib/lib%s.so /usr/lib/lib%s.a; do [ -e $f ] && dpkg -S $f && break; done "
			 "2>/dev/null | cut -d: -f1", tok + 2, tok + 2, tok + 2, tok + 2);
		f = popen(cmd, "r");
		cr_assert(f != NULL);
		if (!fgets(pkg, sizeof(pkg), f))
			pkg[0] = '\0';
		pclose(f);
		pkg[strcspn(pkg, "\n")] = '\0';
		cr_expect(ne(chr, pkg[0], 0), "%s: no Debian package provides it", tok);
		snprintf(want, sizeof(want), " %s ", pkg);
		cr_expect(not(eq(ptr, strstr(padded, want), NULL)),
			  "%s comes from %s, which BUILD_DEPS lacks: the image would not build", tok, pkg);
	}
	free(libs);
	free(deps);
}
