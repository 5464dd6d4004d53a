// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Java frames (--java): a JVM started with -XX:+PreserveFramePointer
 * leaks direct buffers (DirectLeak: N x 1 MiB from ByteBuffer.allocateDirect
 * kept in a list); memtrail traces it by pid, asks it for its perf map at
 * report time, and must name the leaking Java method above libjvm's
 * Unsafe_AllocateMemory0, with exactly N MiB in N allocations. The JVM
 * runs in pid and mount namespaces of its own, as in a container: it is
 * pid 1 there and has a /tmp of its own, so jcmd must run inside them and
 * the perf map be read through its root. One JVM run (startup is slow
 * here), waits on the lines the workload prints. */
#include "harness.h"

#define LEAK_COUNT	16
#define MIB		(1ll << 20)
#define JVM_START_MS	90000	/* startup plus warm-up on a loaded machine */

TestSuite(java, .timeout = 240);

static const char *java_bin(void)
{
	const char *j = getenv("MT_JAVA");

	return j ? j : "/usr/bin/java";
}

/* The one child of pid (unshare's: the JVM, pid 1 in its namespace). */
static pid_t only_child(pid_t pid)
{
	char path[64], buf[64] = "";
	FILE *f;
	int child = 0;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	f = fopen(path, "r");
	cr_assert(f, "%s: %s", path, strerror(errno));
	cr_assert(fgets(buf, sizeof(buf), f) && sscanf(buf, "%d", &child) == 1,
		  "unshare has no child: '%s'", buf);
	fclose(f);
	return child;
}

/* The frame index of the first frame whose symbol contains needle at or
 * after from, or -1. */
static int find_frame(json_t *frames, size_t from, const char *needle)
{
	size_t i;

	for (i = from; i < json_array_size(frames); i++) {
		const char *sym = json_string_value(json_object_get(json_array_get(frames, i),
								    "symbol"));

		if (sym && strstr(sym, needle))
			return (int)i;
	}
	return -1;
}

Test(java, direct_buffer_leak_names_the_java_method)
{
	char out[256], pidarg[32], count[16], log[16384] = "", line[4096];
	char *dir = workload("");
	char script[8192];
	char *argv[] = { "/usr/bin/unshare", "--mount", "--pid", "--fork", "/bin/sh", "-c",
			 script, NULL };
	pid_t java_pid;
	long long bytes = 0, allocs = 0;
	size_t i, nstacks = 0;
	struct child jvm, mt;
	json_t *root, *s, *notes, *note;
	int rc;

	require_root();
	snprintf(count, sizeof(count), "%d", LEAK_COUNT);
	/* private /tmp and /proc, then the JVM as the namespace's pid 1; the
	 * classes are bound on /mnt first, since a checkout under /tmp would
	 * be hidden by the new /tmp */
	snprintf(script, sizeof(script),
		 "mount --make-rprivate / && mount --bind '%s' /mnt && "
		 "mount -t tmpfs tmpfs /tmp && mount -t proc proc /proc && "
		 "exec %s -XX:+PreserveFramePointer -cp /mnt DirectLeak %s",
		 dir, java_bin(), count);
	spawn(argv, &jvm, NULL);
	cr_assert(wait_for(&jvm.out, "ready", JVM_START_MS, log, sizeof(log)),
		  "the JVM did not start: %s", log);
	java_pid = only_child(jvm.pid);

	snprintf(pidarg, sizeof(pidarg), "%d", java_pid);
	tmp_path(out, "java.json");
	start_memtrail(&mt, out, (char *[]){ "--pid", pidarg, "--java", "--format", "json", NULL });
	say(&jvm, "go\n");
	cr_assert(wait_for(&jvm.out, "leaked", 60000, log, sizeof(log)),
		  "the JVM did not leak: %s", log);
	kill(mt.pid, SIGINT);
	/* the report waits for jcmd, itself a JVM */
	rc = reap(&mt, 120000);
	while (read_line(&mt.err, 0, line, sizeof(line)))
		snprintf(log + strlen(log), sizeof(log) - strlen(log), "%s\n", line);
	cr_assert_eq(rc, 0, "memtrail failed (%d): %s", rc, log);
	root = load_report(out);

	/* the stacks through Unsafe_AllocateMemory0 with the leaking method
	 * above it (it may have been compiled more than once: same names,
	 * other addresses) */
	json_array_foreach(json_object_get(root, "stacks"), i, s) {
		json_t *frames = json_object_get(s, "frames");
		int unsafe = find_frame(frames, 0, "Unsafe_AllocateMemory0");

		if (json_integer_value(json_object_get(s, "pid")) != java_pid || unsafe < 0 ||
		    find_frame(frames, (size_t)unsafe + 1, "DirectLeak.leakDirectBuffer") < 0)
			continue;
		/* libjvm's own frames are named from its .symtab, demangled */
		cr_expect_eq(find_frame(frames, 0, "os::malloc"), 0, "frames[0] is not os::malloc");
		bytes += json_integer_value(json_object_get(s, "bytes"));
		allocs += json_integer_value(json_object_get(s, "allocs"));
		nstacks++;
	}
	notes = json_object_get(root, "notes");
	json_array_foreach(notes, i, note)
		cr_expect(!strstr(json_string_value(note), "jcmd"), "note: %s",
			  json_string_value(note));
	cr_assert_gt(nstacks, 0, "no stack names DirectLeak.leakDirectBuffer above "
		     "Unsafe_AllocateMemory0");
	cr_expect_eq(bytes, LEAK_COUNT * MIB);
	cr_expect_eq(allocs, LEAK_COUNT);

	json_decref(root);
	unlink(out);
	child_close(&jvm);
	/* its perf map went with its /tmp */
	cr_expect_eq(reap(&jvm, 30000), 0);
	free(dir);
}
