// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Java frames (--java): a JVM started with -XX:+PreserveFramePointer
 * leaks direct buffers (DirectLeak: N x 1 MiB from ByteBuffer.allocateDirect
 * kept in a list); memtrail traces it by pid, asks it for its perf map at
 * report time, and must name the leaking Java method above libjvm's
 * Unsafe_AllocateMemory0, with exactly N MiB in N allocations. One JVM
 * run (startup is slow here), waits on the lines the workload prints. */
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
	char *argv[] = { (char *)java_bin(), "-XX:+PreserveFramePointer", "-cp", dir,
			 "DirectLeak", count, NULL };
	long long bytes = 0, allocs = 0;
	size_t i, nstacks = 0;
	struct child jvm, mt;
	json_t *root, *s, *notes, *note;
	int rc;

	require_root();
	snprintf(count, sizeof(count), "%d", LEAK_COUNT);
	spawn(argv, &jvm, NULL);
	cr_assert(wait_for(&jvm.out, "ready", JVM_START_MS, log, sizeof(log)),
		  "the JVM did not start: %s", log);

	snprintf(pidarg, sizeof(pidarg), "%d", jvm.pid);
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

		if (json_integer_value(json_object_get(s, "pid")) != jvm.pid || unsafe < 0 ||
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
	cr_expect_eq(reap(&jvm, 30000), 0);
	/* the map jcmd had the JVM write */
	snprintf(line, sizeof(line), "/tmp/perf-%d.map", (int)jvm.pid);
	unlink(line);
	free(dir);
}
