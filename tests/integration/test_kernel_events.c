// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Real kernel hooks against tests/workloads/mapper: exact mapped bytes per
 * stack through mmap, partial and spanning munmaps, mremap grow/move and
 * shrink, brk, file and shared mappings; thread stacks and large mallocs
 * counted once, in their own kind; first-touch pages per stack; RSS equal
 * to what /proc says. Runs on whatever attach path this kernel offers
 * (MEMTRAIL_KERNEL_HOOKS picks one in tools/vmtest). */
#include "harness.h"
#include "expected_vm.h"

static long page;

/* Sums the stacks of kind whose first or second frame is symbol (the
 * workload's mappings go through its map_pages helper). Returns matches;
 * *mapping gets the last match's mapping type. */
static size_t sum_kind(json_t *root, const char *kind, const char *symbol,
		       long long *bytes, long long *allocs, const char **mapping)
{
	json_t *s;
	size_t i, n = 0;

	*bytes = *allocs = 0;
	json_array_foreach(json_object_get(root, "stacks"), i, s) {
		json_t *frames = json_object_get(s, "frames");
		const char *f0 = json_string_value(json_object_get(json_array_get(frames, 0), "symbol"));
		const char *f1 = json_string_value(json_object_get(json_array_get(frames, 1), "symbol"));

		if (strcmp(json_string_value(json_object_get(s, "kind")), kind))
			continue;
		if ((!f0 || strcmp(f0, symbol)) &&
		    (!f0 || strcmp(f0, "map_pages") || !f1 || strcmp(f1, symbol)))
			continue;
		*bytes += json_integer_value(json_object_get(s, "bytes"));
		*allocs += json_integer_value(json_object_get(s, "allocs"));
		if (mapping)
			*mapping = json_string_value(json_object_get(s, "mapping"));
		n++;
	}
	return n;
}

static void expect_mmap(json_t *root, const char *symbol, long long pages, long long calls,
			const char *mapping)
{
	long long bytes, allocs;
	const char *type = NULL;

	sum_kind(root, "mmap", symbol, &bytes, &allocs, &type);
	cr_expect_eq(bytes, pages * page, "%s: %lld mapped bytes, expected %lld", symbol, bytes,
		     pages * page);
	cr_expect_eq(allocs, calls, "%s: %lld calls, expected %lld", symbol, allocs, calls);
	if (calls)
		cr_expect(type && !strcmp(type, mapping), "%s: mapping %s, expected %s", symbol,
			  type ? type : "(none)", mapping);
}

/* A "Field:   N kB" line of /proc/PID/<file>, in kB; -1 when missing. */
static long long proc_kb(pid_t pid, const char *file, const char *field)
{
	char path[64], line[256];
	long long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	f = fopen(path, "r");
	cr_assert(f, "cannot read %s", path);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, strlen(field)) && line[strlen(field)] == ':')
			kb = strtoll(line + strlen(field) + 1, NULL, 10);
	fclose(f);
	return kb;
}

static json_t *find_process(json_t *root, pid_t pid)
{
	json_t *p;
	size_t i;

	json_array_foreach(json_object_get(root, "processes"), i, p)
		if (json_integer_value(json_object_get(p, "pid")) == pid)
			return p;
	return NULL;
}

static long long field(json_t *o, const char *name)
{
	return json_integer_value(json_object_get(o, name));
}

/* The RSS account of pid: map_anon's stack holds exactly the pages
 * touched; every thread's stack is found; the classes add up to VmRSS. */
static void expect_account(json_t *root, pid_t pid)
{
	json_t *acct = NULL, *a, *ex, *s, *kernel;
	const char *anon_stack = NULL;
	long long resident = -1, sum;
	size_t i;

	json_array_foreach(json_object_get(root, "rss_accounting"), i, a)
		if (field(a, "pid") == pid)
			acct = a;
	cr_assert(acct, "no rss_accounting entry for %d", pid);
	json_array_foreach(json_object_get(root, "stacks"), i, s) {
		json_t *f1 = json_array_get(json_object_get(s, "frames"), 1);
		const char *sym = json_string_value(json_object_get(f1, "symbol"));

		if (!strcmp(json_string_value(json_object_get(s, "kind")), "mmap") && sym &&
		    !strcmp(sym, "map_anon"))
			anon_stack = json_string_value(json_object_get(s, "stack_id"));
	}
	cr_assert(anon_stack, "no mmap stack through map_anon");
	ex = json_object_get(acct, "explained");
	json_array_foreach(json_object_get(ex, "mmap_by_stack"), i, s)
		if (!strcmp(json_string_value(json_object_get(s, "stack_id")), anon_stack))
			resident = field(s, "resident");
	cr_expect_eq(resident, VM_TOUCH_PAGES * page,
		     "map_anon's mapping: %lld resident bytes, %d pages were touched", resident,
		     VM_TOUCH_PAGES);
	cr_expect_eq(field(ex, "thread_stacks"), VM_THREADS + 1, "%lld thread stacks found",
		     field(ex, "thread_stacks"));
	kernel = json_object_get(acct, "kernel");
	sum = field(ex, "heap_resident") + field(ex, "mmap_anon_resident") +
	      field(ex, "thread_stack_resident") + field(ex, "file_resident") +
	      field(ex, "shmem_resident") + field(acct, "unexplained_bytes");
	cr_expect_eq(sum, field(kernel, "vm_rss"), "classes add up to %lld, VmRSS is %lld", sum,
		     field(kernel, "vm_rss"));
}

/* The workload's RSS while it waits, two ways (bytes): /proc/PID/status
 * (the kernel's counters as /proc reads them) and smaps_rollup (a page
 * table walk). 6.2 to 6.15 read per-CPU counters in status without
 * folding them, where rss_stat folds them: there the page tables are the
 * reference. 6.1 batches counts per task, in both status and rss_stat. */
struct rss_seen {
	long long status_anon, status_file, walk_anon, walk_file;
};

static void read_rss(pid_t pid, struct rss_seen *r)
{
	r->status_anon = proc_kb(pid, "status", "RssAnon") * 1024;
	r->status_file = proc_kb(pid, "status", "RssFile") * 1024;
	r->walk_anon = proc_kb(pid, "smaps_rollup", "Anonymous") * 1024;
	/* no shmem is resident in the workload: the rest of Rss is files */
	r->walk_file = proc_kb(pid, "smaps_rollup", "Rss") * 1024 - r->walk_anon;
}

/* How far the kernel's RSS counters may be from the truth, in bytes. From
 * 6.2 they are per-CPU counters; until 6.16 both /proc and rss_stat may
 * read them without folding the per-CPU parts (percpu_counter_batch
 * pages, max(32, 2 * CPUs), on each CPU). Exact elsewhere. */
static long long counter_slack(void)
{
	long long cpus = sysconf(_SC_NPROCESSORS_CONF), batch = 2 * cpus > 32 ? 2 * cpus : 32;

	if (!kernel_at_least(6, 2) || kernel_at_least(6, 16))
		return 0;
	return batch * cpus * page;
}

static bool near(long long a, long long b, long long slack)
{
	return a >= b - slack && a <= b + slack;
}

/* Traces "mapper --wait" by pid with --events all; returns the report and
 * the workload's RSS read while it waited. */
static json_t *trace_mapper(pid_t *pid, struct rss_seen *rss)
{
	char out[256], pidarg[32], line[256], log[4096] = "";
	char *argv[] = { workload("mapper"), "--wait", NULL };
	char *args[] = { "--pid", pidarg, "--events", "all", "--format", "json", NULL };
	struct child target, mt;
	json_t *root;

	spawn(argv, &target, NULL);
	free(argv[0]);
	cr_assert(read_line(&target.out, 10000, line, sizeof(line)) && !strncmp(line, "ready", 5),
		  "mapper did not start: '%s'", line);
	snprintf(pidarg, sizeof(pidarg), "%d", target.pid);
	tmp_path(out, "kernel-events.json");
	start_memtrail(&mt, out, args);
	say(&target, "go\n");
	cr_assert(wait_for(&target.out, "done", 20000, log, sizeof(log)), "mapper did not finish");
	read_rss(target.pid, rss);
	kill(mt.pid, SIGINT);
	cr_assert_eq(reap(&mt, 20000), 0, "memtrail did not exit cleanly");
	*pid = target.pid;
	say(&target, "exit\n");
	reap(&target, 5000);
	child_close(&target);
	root = load_report(out);
	unlink(out);
	return root;
}

Test(kernel_events, mapped_bytes_per_stack_faults_and_rss, .timeout = TEST_TIMEOUT)
{
	long long bytes, allocs, anon, file, slack;
	struct rss_seen rss;
	json_t *root, *proc, *s, *stats;
	pid_t pid;
	size_t i;
	char *drops;

	require_root();
	page = sysconf(_SC_PAGESIZE);
	root = trace_mapper(&pid, &rss);

	expect_mmap(root, "map_anon", VM_ANON_PAGES, 1, "anon_private");
	/* a hole punched in the middle: two pieces, still one call */
	expect_mmap(root, "map_split", VM_SPLIT_PAGES - VM_SPLIT_HOLE_PAGES, 1, "anon_private");
	/* b replaced part of a; one munmap took pieces of both */
	expect_mmap(root, "map_span_a", VM_SPAN_PAGES - VM_SPAN_B_PAGES -
		    (VM_SPAN_UNMAP_PAGES - VM_SPAN_B_PAGES), 1, "anon_private");
	expect_mmap(root, "map_span_b", 0, 0, NULL);
	/* moved with the mapping; the growth is the mremap caller's */
	expect_mmap(root, "map_remap_src", VM_REMAP_PAGES, 1, "anon_private");
	expect_mmap(root, "remap_grow", VM_REMAP_GROWN_PAGES - VM_REMAP_PAGES, 1, "anon_private");
	expect_mmap(root, "map_shrink_src", VM_SHRUNK_PAGES, 1, "anon_private");
	expect_mmap(root, "grow_brk", VM_BRK_PAGES, 1, "anon_private");
	expect_mmap(root, "map_file", VM_FILE_PAGES, 1, "file_private");
	expect_mmap(root, "map_shared", VM_SHARED_PAGES, 1, "anon_shared");

	/* thread stacks: mappings of pthread_create, one per thread */
	sum_kind(root, "mmap", "pthread_create", &bytes, &allocs, NULL);
	cr_expect_eq(allocs, VM_THREADS, "thread stacks: %lld mappings, expected %d", allocs,
		     VM_THREADS);

	/* a large malloc is one malloc, never a mapping of its own */
	sum_kind(root, "malloc", "big_malloc", &bytes, &allocs, NULL);
	cr_expect_eq(bytes, (long long)VM_BIG_MALLOC_COUNT * VM_BIG_MALLOC_SIZE,
		     "big_malloc: %lld bytes", bytes);
	cr_expect_eq(allocs, VM_BIG_MALLOC_COUNT);
	cr_expect_eq(sum_kind(root, "mmap", "big_malloc", &bytes, &allocs, NULL), 0,
		     "big_malloc's own mmap shows as a user mapping (%lld bytes)", bytes);
	json_array_foreach(json_object_get(root, "stacks"), i, s) {
		if (!strcmp(json_string_value(json_object_get(s, "kind")), "malloc"))
			cr_expect_lt(json_integer_value(json_object_get(s, "bytes")), 8 << 20,
				     "a malloc stack holds a thread stack's worth");
	}

	/* exactly the pages touched, one fault each, at the touching code */
	sum_kind(root, "fault", "touch_pages", &bytes, &allocs, NULL);
	cr_expect_eq(bytes, VM_TOUCH_PAGES * page, "touch_pages: %lld faulted bytes", bytes);
	cr_expect_eq(allocs, VM_TOUCH_PAGES, "touch_pages: %lld faults", allocs);

	/* RSS from the kernel's own counters equals /proc's */
	proc = find_process(root, pid);
	cr_assert(proc, "no process entry for %d", pid);
	s = json_object_get(proc, "rss_kernel");
	cr_assert(s, "no rss_kernel counters for %d", pid);
	anon = json_integer_value(json_object_get(s, "anon"));
	file = json_integer_value(json_object_get(s, "file"));
	slack = counter_slack();
	cr_expect(near(anon, rss.status_anon, slack) || near(anon, rss.walk_anon, slack),
		  "rss anon %lld; /proc status says %lld, the page tables %lld (slack %lld)",
		  anon, rss.status_anon, rss.walk_anon, slack);
	cr_expect(near(file, rss.status_file, slack) || near(file, rss.walk_file, slack),
		  "rss file %lld; /proc status says %lld, the page tables %lld (slack %lld)",
		  file, rss.status_file, rss.walk_file, slack);

	expect_account(root, pid);

	stats = json_object_get(root, "stats");
	drops = json_dumps(json_object_get(stats, "drops"), JSON_COMPACT);
	/* nothing lost; a stack may be partial (a walk that met another
	 * thread's mmap lock: counted, and what test_unwind checks) */
	cr_expect_eq(json_integer_value(json_object_get(stats, "drops_total")) -
		     json_integer_value(json_object_get(json_object_get(stats, "drops"),
							"stack_partial")), 0, "drops: %s", drops);
	free(drops);
	json_decref(root);
}

/* A traced process that exits takes its mappings and faults with it. */
Test(kernel_events, exit_removes_mappings, .timeout = TEST_TIMEOUT)
{
	char out[256], pidarg[32], line[256], log[4096] = "";
	char *argv[] = { workload("mapper"), "--wait", NULL };
	char *args[] = { "--pid", pidarg, "--events", "all", "--format", "json", NULL };
	struct child target, mt;
	json_t *root;

	require_root();
	spawn(argv, &target, NULL);
	free(argv[0]);
	cr_assert(read_line(&target.out, 10000, line, sizeof(line)) && !strncmp(line, "ready", 5));
	snprintf(pidarg, sizeof(pidarg), "%d", target.pid);
	tmp_path(out, "kernel-events-exit.json");
	start_memtrail(&mt, out, args);
	say(&target, "go\n");
	cr_assert(wait_for(&target.out, "done", 20000, log, sizeof(log)));
	say(&target, "exit\n");
	cr_assert_eq(reap(&target, 5000), 0);
	child_close(&target);
	/* every target gone: memtrail ends the trace by itself */
	cr_assert_eq(reap(&mt, 20000), 0, "memtrail did not end after its target exited");
	root = load_report(out);
	unlink(out);
	cr_expect_eq(json_array_size(json_object_get(root, "stacks")), 0,
		     "%zu stacks of an exited process remain",
		     json_array_size(json_object_get(root, "stacks")));
	json_decref(root);
}
