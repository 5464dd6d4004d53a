// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* memtrail serve against real cgroup v2 groups made by the test, real
 * leaking processes in them, queried with curl: /healthz, /pods, the heap
 * of one group (exact bytes of the leaking functions, now and in a
 * ?seconds window), /metrics, the 400/404/405 answers, group churn with
 * bounded memory, and a clean stop on SIGTERM and SIGINT. Every cgroup
 * the test makes is removed in .fini, also when it fails. */
#include "harness.h"
#include "expected.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

static char cg_mount[512];
static char cg_root[1024];	/* this test's group, absolute */
static char cg_rel[256];	/* the same, relative to the mount */
static char made[256][2048];	/* every directory made, in order */
static char cg_root_arg[2048];	/* what serve gets as --cgroup */
static pid_t serve_pid;		/* a serve still running: .fini stops it */
static int nmade;

/* The cgroup2 mount from /proc/self/mountinfo. */
static void find_mount(void)
{
	char line[4096];
	FILE *f = fopen("/proc/self/mountinfo", "r");

	cr_assert(f);
	cg_mount[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		char mnt[512];

		if (strstr(line, " - cgroup2 ") &&
		    sscanf(line, "%*s %*s %*s %*s %511s", mnt) == 1) {
			strcpy(cg_mount, mnt);
			break;
		}
	}
	fclose(f);
	cr_assert(cg_mount[0], "no cgroup2 mount: serve needs the cgroup2 hierarchy");
}

static void make_cg(const char *sub, char *abs, size_t sz)
{
	snprintf(abs, sz, "%s%s%s", cg_root, sub[0] ? "/" : "", sub);
	cr_assert(!mkdir(abs, 0755), "mkdir %s: %s", abs, strerror(errno));
	cr_assert(nmade < 256);
	strcpy(made[nmade++], abs);
}

static void move_to(const char *abs, pid_t pid)
{
	char path[2100];
	FILE *f;

	snprintf(path, sizeof(path), "%s/cgroup.procs", abs);
	f = fopen(path, "w");
	cr_assert(f, "%s: %s", path, strerror(errno));
	fprintf(f, "%d\n", pid);
	cr_assert(!fclose(f), "moving %d to %s: %s", pid, abs, strerror(errno));
}

/* Kills what is left in dir, then removes it (a group with processes
 * cannot be removed). */
static void remove_cg(const char *dir)
{
	char path[2100], line[64];
	int tries;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	for (tries = 0; tries < 200; tries++) {
		FILE *f = fopen(path, "r");
		bool any = false;

		if (!f)
			return; /* gone already */
		while (fgets(line, sizeof(line), f)) {
			kill(atoi(line), SIGKILL);
			any = true;
		}
		fclose(f);
		if (!any && !rmdir(dir))
			return;
		usleep(10000);
	}
	fprintf(stderr, "test_serve: could not remove %s: %s\n", dir, strerror(errno));
}

static void setup(void)
{
	require_root();
	find_mount();
	snprintf(cg_rel, sizeof(cg_rel), "/memtrail-test-serve-%d", getpid());
	snprintf(cg_root, sizeof(cg_root), "%s%s", cg_mount, cg_rel);
	nmade = 0;
	remove_cg(cg_root); /* a leftover of a crashed run with this pid */
	cr_assert(!mkdir(cg_root, 0755), "mkdir %s: %s", cg_root, strerror(errno));
	strcpy(made[nmade++], cg_root);
	strcpy(cg_root_arg, cg_root);
}

static void teardown(void)
{
	if (serve_pid > 0) { /* a test that failed midway */
		kill(serve_pid, SIGKILL);
		waitpid(serve_pid, NULL, 0);
		serve_pid = 0;
	}
	while (nmade > 0)
		remove_cg(made[--nmade]);
}

TestSuite(serve, .init = setup, .fini = teardown, .timeout = 180);

/* ---- the server and the client --------------------------------------- */

struct server {
	struct child c;
	int port;
};

/* Starts serve on the test's group. Its stderr is a pipe nobody drains
 * while the test runs: extra "-v" (debug lines) only where a test reads
 * them, or a full pipe stops serve. */
static void start_serve(struct server *s, char **extra)
{
	char *argv[32] = { (char *)mt_bin(), "serve", "--listen", "127.0.0.1:0",
			   "--cgroup", cg_root_arg };
	char line[512], log[8192] = "";
	int i = 6;

	while (extra && *extra && i < 30)
		argv[i++] = *extra++;
	spawn(argv, &s->c, NULL);
	serve_pid = s->c.pid;
	/* the one line that names the port */
	if (!read_line(&s->c.out, 60000, line, sizeof(line)) ||
	    sscanf(line, "listening on http://127.0.0.1:%d", &s->port) != 1) {
		int rc = reap(&s->c, 1000);

		while (read_line(&s->c.err, 100, log + strlen(log), sizeof(log) - strlen(log)))
			strcat(log, "\n");
		cr_assert_fail("serve did not start (exit %d, stdout '%s'): %s", rc, line, log);
	}
}

static int stop_serve(struct server *s, int sig)
{
	int rc;

	kill(s->c.pid, sig);
	rc = reap(&s->c, 60000);
	serve_pid = 0;
	child_close(&s->c);
	return rc;
}

/* GET with curl; the body (malloc'd) and the status. */
static char *get(const struct server *s, const char *method, const char *path, int *status)
{
	char cmd[1024], *body = NULL, *nl;
	size_t len = 0, cap = 0;
	FILE *p;
	int c;

	snprintf(cmd, sizeof(cmd), "curl -s -S --max-time 120 -X %s -w '\\n%%{http_code}' "
		 "'http://127.0.0.1:%d%s'", method, s->port, path);
	p = popen(cmd, "r");
	cr_assert(p);
	while ((c = fgetc(p)) != EOF) {
		if (len + 2 > cap) {
			cap = cap ? cap * 2 : 4096;
			body = realloc(body, cap);
			cr_assert(body);
		}
		body[len++] = c;
	}
	cr_assert(!pclose(p), "curl %s failed", path);
	cr_assert(body);
	body[len] = '\0';
	nl = strrchr(body, '\n');
	cr_assert(nl, "no status from curl: %s", body);
	*status = atoi(nl + 1);
	*nl = '\0';
	return body;
}

static json_t *get_json(const struct server *s, const char *path, int want)
{
	int status;
	char *body = get(s, "GET", path, &status);
	json_error_t jerr;
	json_t *root;

	cr_assert_eq(status, want, "GET %s: %d, expected %d: %s", path, status, want, body);
	root = json_loads(body, 0, &jerr);
	cr_assert(root, "GET %s: not JSON (%s): %s", path, jerr.text, body);
	free(body);
	return root;
}

/* An error answer: the status, and a one-line JSON object naming it. */
static void expect_error(const struct server *s, const char *method, const char *path,
			 int want)
{
	int status;
	char *body = get(s, method, path, &status);
	json_t *root = json_loads(body, 0, NULL);

	cr_expect_eq(status, want, "%s %s: %d, expected %d", method, path, status, want);
	cr_expect(root && json_is_string(json_object_get(root, "error")),
		  "%s %s: no JSON error: %s", method, path, body);
	cr_expect(root && json_integer_value(json_object_get(root, "status")) == want);
	cr_expect(!strchr(body, '\n') || strchr(body, '\n') == body + strlen(body) - 1,
		  "not one line: %s", body);
	json_decref(root);
	free(body);
}

/* The entry of /pods whose cgroup is rel, or NULL. */
static json_t *pod_entry(json_t *pods, const char *rel)
{
	json_t *e;
	size_t i;

	json_array_foreach(json_object_get(pods, "pods"), i, e)
		if (!strcmp(json_string_value(json_object_get(e, "cgroup")), rel))
			return e;
	return NULL;
}

/* The value of one metrics line "name{labels} value", or -1. */
static long long metric(const char *text, const char *series)
{
	size_t n = strlen(series);
	const char *p = text;

	while ((p = strstr(p, series))) {
		if ((p == text || p[-1] == '\n') && p[n] == ' ')
			return atoll(p + n + 1);
		p += n;
	}
	return -1;
}

static long long sum_heap(json_t *heap)
{
	json_t *s;
	long long sum = 0;
	size_t i;

	json_array_foreach(json_object_get(heap, "stacks"), i, s)
		if (strcmp(json_string_value(json_object_get(s, "kind")), "fault"))
			sum += json_integer_value(json_object_get(s, "bytes"));
	return sum;
}

static uint64_t dir_id(const char *abs)
{
	struct stat st;

	cr_assert(!stat(abs, &st));
	return st.st_ino;
}

struct expect {
	const char *symbol;
	long long bytes, allocs;
};

/* A few of leaky's leaks, by the function that made them. */
static const struct expect some_leaks[] = {
	{ "leak_malloc", LEAK_MALLOC_COUNT * LEAK_MALLOC_SIZE, LEAK_MALLOC_COUNT },
	{ "leak_calloc", LEAK_CALLOC_COUNT * LEAK_CALLOC_NMEMB * LEAK_CALLOC_SIZE, LEAK_CALLOC_COUNT },
	{ "leak_pvalloc", LEAK_PVALLOC_BYTES, 1 },
	{ "leak_in_thread", LEAK_THREADS * LEAK_THREAD_COUNT * LEAK_THREAD_SIZE,
	  LEAK_THREADS * LEAK_THREAD_COUNT },
};

static void expect_leaks(json_t *heap, pid_t pid, bool present)
{
	long long bytes, allocs;
	size_t i;

	for (i = 0; i < sizeof(some_leaks) / sizeof(some_leaks[0]); i++) {
		sum_by_symbol(heap, pid, some_leaks[i].symbol, &bytes, &allocs);
		cr_expect_eq(bytes, present ? some_leaks[i].bytes : 0, "%s: %lld bytes, expected %lld",
			     some_leaks[i].symbol, bytes, present ? some_leaks[i].bytes : 0);
		cr_expect_eq(allocs, present ? some_leaks[i].allocs : 0, "%s: %lld allocations",
			     some_leaks[i].symbol, allocs);
	}
}

/* The heap at path as pprof, read by go tool pprof: leak_malloc's flat
 * bytes exactly, and the whole profile's. */
static void expect_pprof(const struct server *s, const char *path, long long total)
{
	char file[256], cmd[1024], line[512], want_total[64];
	long long malloc_flat = -1;
	bool total_seen = false;
	FILE *p;

	tmp_path(file, "serve.pb.gz");
	snprintf(cmd, sizeof(cmd), "curl -s -S -f -o %s 'http://127.0.0.1:%d%s?format=pprof'",
		 file, s->port, path);
	cr_assert(!system(cmd), "%s failed", cmd);
	snprintf(cmd, sizeof(cmd), "go tool pprof -top -unit=B -nodecount=1000 %s 2>&1", file);
	p = popen(cmd, "r");
	cr_assert(p);
	snprintf(want_total, sizeof(want_total), "of %lldB total", total);
	while (fgets(line, sizeof(line), p)) {
		long long flat;
		char name[128];

		/* "     10000B 21.57% 21.57%     10000B 21.57%  leak_malloc" */
		if (sscanf(line, " %lldB %*s %*s %*s %*s %127s", &flat, name) == 2 &&
		    !strcmp(name, "leak_malloc"))
			malloc_flat = flat;
		total_seen |= strstr(line, want_total) != NULL;
	}
	cr_assert(!pclose(p), "%s failed", cmd);
	unlink(file);
	cr_expect_eq(malloc_flat, LEAK_MALLOC_COUNT * LEAK_MALLOC_SIZE, "pprof: leak_malloc %lld", malloc_flat);
	cr_expect(total_seen, "pprof: no '%s'", want_total);
}

/* ---- tests -------------------------------------------------------------- */

static char *verbose[] = { "-v", NULL };	/* serve's debug lines name each window */

Test(serve, pods_heap_and_metrics)
{
	char a_dir[2048], b_dir[2048], a_rel[512], b_rel[512], path[256], series[1024];
	struct child a, b;
	struct server s;
	json_t *pods, *ea, *eb, *heap, *procs;
	char *text;
	int status;
	long long a_bytes;

	make_cg("a", a_dir, sizeof(a_dir));
	make_cg("b", b_dir, sizeof(b_dir));
	snprintf(a_rel, sizeof(a_rel), "%s/a", cg_rel);
	snprintf(b_rel, sizeof(b_rel), "%s/b", cg_rel);
	start_leaky(&a);
	start_leaky(&b);
	move_to(a_dir, a.pid);
	move_to(b_dir, b.pid);
	start_serve(&s, NULL);
	leaky_go(&a, NULL, 0);

	text = get(&s, "GET", "/healthz", &status);
	cr_expect_eq(status, 200);
	cr_expect_str_eq(text, "ok\n");
	free(text);

	/* both groups, with their processes; only a holds anything */
	pods = get_json(&s, "/pods", 200);
	cr_expect_str_eq(json_string_value(json_object_get(pods, "root")), cg_rel);
	ea = pod_entry(pods, a_rel);
	eb = pod_entry(pods, b_rel);
	cr_assert(ea && eb, "/pods lacks %s or %s", a_rel, b_rel);
	cr_expect_eq(json_array_size(json_object_get(ea, "pids")), 1);
	cr_expect_eq(json_integer_value(json_array_get(json_object_get(ea, "pids"), 0)), a.pid);
	cr_expect_eq(json_integer_value(json_array_get(json_object_get(eb, "pids"), 0)), b.pid);
	cr_expect_eq((uint64_t)json_integer_value(json_object_get(ea, "cgroup_id")), dir_id(a_dir));
	a_bytes = json_integer_value(json_object_get(ea, "outstanding_bytes"));
	cr_expect_eq(json_integer_value(json_object_get(eb, "outstanding_bytes")), 0);

	/* a's heap: schema 1, the leaking functions exactly, nothing of b */
	snprintf(path, sizeof(path), "/cgroups/%llu/heap", (unsigned long long)dir_id(a_dir));
	cr_expect_str_eq(json_string_value(json_object_get(ea, "heap")), path);
	heap = get_json(&s, path, 200);
	cr_expect_str_eq(json_string_value(json_object_get(heap, "tool")), "memtrail");
	cr_expect_eq(json_integer_value(json_object_get(heap, "schema")), 1);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(heap, "target"), "kind")),
			 "cgroup");
	expect_leaks(heap, a.pid, true);
	cr_expect_eq(sum_heap(heap), a_bytes, "heap %lld bytes, /pods %lld", sum_heap(heap), a_bytes);
	procs = json_object_get(heap, "processes");
	cr_expect_eq(json_array_size(procs), 1);
	cr_expect_eq(json_integer_value(json_object_get(json_array_get(procs, 0), "pid")), a.pid);
	json_decref(heap);

	/* ?format=pprof: what go tool pprof reads, with the same bytes */
	expect_pprof(&s, path, a_bytes);

	/* ?top=1: one stack, the largest */
	strcat(path, "?top=1");
	heap = get_json(&s, path, 200);
	cr_expect_eq(json_array_size(json_object_get(heap, "stacks")), 1);
	json_decref(heap);

	/* /metrics: the same numbers, labelled */
	text = get(&s, "GET", "/metrics", &status);
	cr_expect_eq(status, 200);
	snprintf(series, sizeof(series), "memtrail_outstanding_bytes{pod_uid=\"\",cgroup=\"%s\"}", a_rel);
	cr_expect_eq(metric(text, series), a_bytes, "%s in:\n%s", series, text);
	snprintf(series, sizeof(series), "memtrail_outstanding_bytes{pod_uid=\"\",cgroup=\"%s\"}", b_rel);
	cr_expect_eq(metric(text, series), 0);
	snprintf(series, sizeof(series), "memtrail_group_processes{pod_uid=\"\",cgroup=\"%s\"}", a_rel);
	cr_expect_eq(metric(text, series), 1);
	cr_expect(strstr(text, "# TYPE memtrail_outstanding_bytes gauge\n"));
	cr_expect(strstr(text, "# TYPE memtrail_drops_total counter\n"));
	cr_expect_eq(metric(text, "memtrail_drops_total{name=\"live_map_full\"}"), 0);
	cr_expect_eq(metric(text, "memtrail_up"), 1);
	cr_expect_gt(metric(text, "memtrail_allocs_total"), 0);
	/* a few allocations in default-size slots: none overflowed */
	cr_expect_eq(metric(text, "memtrail_live_overflows_total"), 0);
	cr_expect_geq(metric(text, "memtrail_thread_fallbacks_total"), 0);
	cr_expect_gt(metric(text, "process_resident_memory_bytes"), 1 << 20);
	/* memtrail's heap is real, and within its RSS */
	cr_expect_gt(metric(text, "memtrail_heap_bytes"), 64 << 10);
	cr_expect_lt(metric(text, "memtrail_heap_bytes"),
		     metric(text, "process_resident_memory_bytes"));
	free(text);
	json_decref(pods);

	/* what is not there, and what is asked wrongly */
	expect_error(&s, "GET", "/pods/0a1b2c3d-0000-4000-8000-000000000000/heap", 404);
	expect_error(&s, "GET", "/cgroups/1/heap", 404);	/* the root: not under ours */
	expect_error(&s, "GET", "/nope", 404);
	snprintf(path, sizeof(path), "/cgroups/%llu/heap?seconds=0", (unsigned long long)dir_id(a_dir));
	expect_error(&s, "GET", path, 400);
	snprintf(path, sizeof(path), "/cgroups/%llu/heap?seconds=301", (unsigned long long)dir_id(a_dir));
	expect_error(&s, "GET", path, 400);
	snprintf(path, sizeof(path), "/cgroups/%llu/heap?seconds=x", (unsigned long long)dir_id(a_dir));
	expect_error(&s, "GET", path, 400);
	snprintf(path, sizeof(path), "/cgroups/%llu/heap?second=5", (unsigned long long)dir_id(a_dir));
	expect_error(&s, "GET", path, 400);
	expect_error(&s, "GET", "/pods?seconds=5", 400);
	expect_error(&s, "POST", "/pods", 405);

	cr_expect_eq(stop_serve(&s, SIGTERM), 0, "serve did not stop cleanly on SIGTERM");
	say(&a, "exit\n");
	say(&b, "exit\n");
	reap(&a, 5000);
	reap(&b, 5000);
	child_close(&a);
	child_close(&b);
}

#define POD_UID "0a1b2c3d-1111-4222-8333-444455556666"
#define POD_UID_SD "0a1b2c3d_1111_4222_8333_444455556666"
#define CID_1 "1111111111111111111111111111111111111111111111111111111111111111"
#define CID_2 "2222222222222222222222222222222222222222222222222222222222222222"

/* A pod as the kubelet lays it out (systemd driver, containerd) inside
 * the test's group: its two containers' processes are one pod in /pods,
 * one heap at /pods/UID/heap, one series in /metrics. */
Test(serve, kubernetes_pod)
{
	char kp[2048], qos[2048], pod[2048], c1[2048], c2[2048], series[2200], pod_rel[2048];
	char path[256], *text, *extra[] = { NULL };
	struct child a, b;
	struct server s;
	json_t *pods, *e, *heap, *procs;
	long long bytes, allocs, pod_bytes;
	int status;

	make_cg("kubepods.slice", kp, sizeof(kp));
	make_cg("kubepods.slice/kubepods-burstable.slice", qos, sizeof(qos));
	make_cg("kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" POD_UID_SD ".slice",
		pod, sizeof(pod));
	make_cg("kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" POD_UID_SD ".slice/"
		"cri-containerd-" CID_1 ".scope", c1, sizeof(c1));
	make_cg("kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" POD_UID_SD ".slice/"
		"cri-containerd-" CID_2 ".scope", c2, sizeof(c2));
	snprintf(pod_rel, sizeof(pod_rel), "%s", pod + strlen(cg_mount));
	start_leaky(&a);
	start_leaky(&b);
	move_to(c1, a.pid);
	move_to(c2, b.pid);
	/* serve's root is the kubepods root, as on a node */
	strcpy(cg_root_arg, kp);
	start_serve(&s, extra);
	leaky_go(&a, NULL, 0);
	leaky_go(&b, NULL, 0);

	pods = get_json(&s, "/pods", 200);
	cr_assert_eq(json_array_size(json_object_get(pods, "pods")), 1,
		     "%s", json_dumps(pods, JSON_COMPACT));
	e = json_array_get(json_object_get(pods, "pods"), 0);
	cr_expect_str_eq(json_string_value(json_object_get(e, "pod_uid")), POD_UID);
	cr_expect_str_eq(json_string_value(json_object_get(e, "qos")), "burstable");
	cr_expect_str_eq(json_string_value(json_object_get(e, "cgroup")), pod_rel);
	cr_expect_eq((uint64_t)json_integer_value(json_object_get(e, "cgroup_id")), dir_id(pod));
	cr_expect_eq(json_array_size(json_object_get(e, "pids")), 2);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(e, "cgroups"), 0),
							   "container_id")), CID_1);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(e, "cgroups"), 1),
							   "container_id")), CID_2);
	cr_expect_str_eq(json_string_value(json_object_get(e, "heap")), "/pods/" POD_UID "/heap");
	pod_bytes = json_integer_value(json_object_get(e, "outstanding_bytes"));
	/* two processes of a few hundred KiB resident at least */
	cr_expect_gt(json_integer_value(json_object_get(e, "rss_bytes")), 2 * 100 * 1024);
	json_decref(pods);

	/* both containers' leaks, each exact, in one profile */
	heap = get_json(&s, "/pods/" POD_UID "/heap", 200);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(heap, "target"), "kind")), "pod");
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(heap, "target"), "value")),
			 POD_UID);
	expect_leaks(heap, a.pid, true);
	expect_leaks(heap, b.pid, true);
	sum_by_symbol(heap, 0, "leak_malloc", &bytes, &allocs);
	cr_expect_eq(bytes, 2 * LEAK_MALLOC_COUNT * LEAK_MALLOC_SIZE);
	cr_expect_eq(sum_heap(heap), pod_bytes);
	procs = json_object_get(heap, "processes");
	cr_expect_eq(json_array_size(procs), 2);
	json_decref(heap);
	/* the systemd spelling of the UID names the same pod */
	heap = get_json(&s, "/pods/" POD_UID_SD "/heap", 200);
	json_decref(heap);
	snprintf(path, sizeof(path), "/cgroups/%llu/heap", (unsigned long long)dir_id(pod));
	heap = get_json(&s, path, 200);
	cr_expect_eq(sum_heap(heap), pod_bytes);
	json_decref(heap);

	text = get(&s, "GET", "/metrics", &status);
	snprintf(series, sizeof(series), "memtrail_outstanding_bytes{pod_uid=\"%s\",cgroup=\"%s\"}",
		 POD_UID, pod_rel);
	cr_expect_eq(metric(text, series), pod_bytes, "%s in:\n%s", series, text);
	snprintf(series, sizeof(series), "memtrail_group_processes{pod_uid=\"%s\",cgroup=\"%s\"}",
		 POD_UID, pod_rel);
	cr_expect_eq(metric(text, series), 2);
	snprintf(series, sizeof(series), "memtrail_group_rss_bytes{pod_uid=\"%s\",cgroup=\"%s\"}",
		 POD_UID, pod_rel);
	cr_expect_gt(metric(text, series), 2 * 100 * 1024);
	free(text);

	cr_expect_eq(stop_serve(&s, SIGTERM), 0);
	say(&a, "exit\n");
	say(&b, "exit\n");
	reap(&a, 5000);
	reap(&b, 5000);
	child_close(&a);
	child_close(&b);
}

/* ?seconds=N: what was allocated during the window and still held at
 * its end; what was allocated before is not in it. */
Test(serve, heap_window)
{
	char a_dir[2048], b_dir[2048], path[256], cmd[512], log[16384] = "";
	struct child a, b;
	struct server s;
	json_t *heap;
	json_error_t jerr;
	FILE *curl;
	char *out = NULL;
	size_t len = 0;
	int status;

	make_cg("a", a_dir, sizeof(a_dir));
	make_cg("b", b_dir, sizeof(b_dir));
	start_leaky(&a);
	start_leaky(&b);
	move_to(a_dir, a.pid);
	move_to(b_dir, b.pid);
	start_serve(&s, verbose);
	leaky_go(&a, NULL, 0);

	/* a leaked before the window: a 1 s window of a holds none of it */
	snprintf(path, sizeof(path), "/cgroups/%llu/heap?seconds=1", (unsigned long long)dir_id(a_dir));
	heap = get_json(&s, path, 200);
	expect_leaks(heap, a.pid, false);
	cr_expect_eq(sum_heap(heap), 0);
	json_decref(heap);

	/* b leaks inside its window: once serve says the window is open */
	snprintf(cmd, sizeof(cmd), "curl -s -S --max-time 120 -w '\\n%%{http_code}' "
		 "'http://127.0.0.1:%d/cgroups/%llu/heap?seconds=5'", s.port,
		 (unsigned long long)dir_id(b_dir));
	curl = popen(cmd, "r");
	cr_assert(curl);
	snprintf(path, sizeof(path), "cgroup id %llu: a 5 s window opened",
		 (unsigned long long)dir_id(b_dir));
	cr_assert(wait_for(&s.c.err, path, 30000, log, sizeof(log)),
		  "serve did not open the window: %s", log);
	leaky_go(&b, NULL, 0);
	{
		size_t cap = 0;
		int c;

		while ((c = fgetc(curl)) != EOF) {
			if (len + 2 > cap) {
				cap = cap ? cap * 2 : 65536;
				out = realloc(out, cap);
				cr_assert(out);
			}
			out[len++] = c;
		}
	}
	cr_assert(!pclose(curl) && out);
	out[len] = '\0';
	cr_assert(strrchr(out, '\n'));
	status = atoi(strrchr(out, '\n') + 1);
	*strrchr(out, '\n') = '\0';
	cr_expect_eq(status, 200, "%s", out);
	heap = json_loads(out, 0, &jerr);
	cr_assert(heap, "%s: %s", jerr.text, out);
	expect_leaks(heap, b.pid, true);
	cr_expect_eq(json_real_value(json_object_get(heap, "duration_s")), 5.0);
	json_decref(heap);
	free(out);

	cr_expect_eq(stop_serve(&s, SIGINT), 0, "serve did not stop cleanly on SIGINT");
	say(&a, "exit\n");
	say(&b, "exit\n");
	reap(&a, 5000);
	reap(&b, 5000);
	child_close(&a);
	child_close(&b);
}

static bool has_pid(json_t *list, pid_t pid)
{
	json_t *v;
	size_t i;

	json_array_foreach(list, i, v)
		if (json_integer_value(v) == pid)
			return true;
	return false;
}

/* Waits until /pods lists pid in the group rel with its probes in. */
static void wait_traced(const struct server *s, const char *rel, pid_t pid)
{
	double deadline = now_s() + 20;
	char *last = NULL;

	while (now_s() < deadline) {
		json_t *pods = get_json(s, "/pods", 200), *e = pod_entry(pods, rel);
		bool ok = e && has_pid(json_object_get(e, "pids"), pid) &&
			  !has_pid(json_object_get(e, "untraced_pids"), pid);

		free(last);
		last = json_dumps(pods, JSON_COMPACT);
		json_decref(pods);
		if (ok) {
			free(last);
			return;
		}
		usleep(20000);
	}
	cr_assert_fail("pid %d in %s never traced: %s", pid, rel, last);
}

static uint64_t rss_of(pid_t pid)
{
	char path[64], line[256];
	unsigned long long kb = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	cr_assert(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

/* memtrail_heap_bytes of a /metrics answer */
static long long heap_of(const struct server *s)
{
	int status;
	char *text = get(s, "GET", "/metrics", &status);
	long long v = metric(text, "memtrail_heap_bytes");

	free(text);
	return v;
}

/* 150 short-lived groups, ten at a time, each with a leaking process
 * that joins it before it starts: each is seen, with its probes in, while
 * it lives, none is listed after, their probes are gone, and serve's memory
 * does not grow with them. The heap in use is the leak check: 550 bytes a
 * group would fail it (it moves by ~3 KB over 370 groups). RSS only has a backstop bound: it grows ~1.7 MiB
 * over the first ~140 groups and then stays flat (measured over 570),
 * as later requests touch pages of arena space that earlier ones took;
 * the heap in use stays level meanwhile. */
Test(serve, churn_is_forgotten)
{
	enum { BATCH = 10, WARMUP = 3, HEAP_BOUND = 64 << 10, RSS_BOUND = 6 << 20 };
	/* MT_CHURN_BATCHES=40 for a longer look (raise --timeout) */
	const int BATCHES = getenv("MT_CHURN_BATCHES") ? atoi(getenv("MT_CHURN_BATCHES")) : 15;
	char keep_dir[2048], dir[BATCH][2048], rel[512], sh[24576];
	struct child keep, w[BATCH];
	struct server s;
	json_t *pods;
	uint64_t rss_warm = 0, rss_end;
	long long forgotten, probes, heap_warm = 0, heap_end;
	char *text, *lk = workload("leaky");
	int b, i, status;

	make_cg("keep", keep_dir, sizeof(keep_dir));
	start_leaky(&keep);
	move_to(keep_dir, keep.pid);
	start_serve(&s, NULL);
	text = get(&s, "GET", "/metrics", &status);
	probes = metric(text, "memtrail_probes");
	free(text);
	cr_assert_gt(probes, 0, "the long-lived member has no probes");
	for (b = 0; b < BATCHES; b++) {
		for (i = 0; i < BATCH; i++) {
			char *argv[] = { "/bin/sh", "-c", sh, NULL }, line[256];

			snprintf(rel, sizeof(rel), "churn%d", b * BATCH + i);
			make_cg(rel, dir[i], sizeof(dir[i]));
			/* joins the group, then becomes the workload */
			snprintf(sh, sizeof(sh), "echo $$ > %s/cgroup.procs && exec %s --wait",
				 dir[i], lk);
			spawn(argv, &w[i], NULL);
			cr_assert(read_line(&w[i].out, 10000, line, sizeof(line)) &&
				  !strncmp(line, "ready", 5));
		}
		for (i = 0; i < BATCH; i++) {
			/* seen while it lives, with its probes in before it leaks */
			snprintf(rel, sizeof(rel), "%s/churn%d", cg_rel, b * BATCH + i);
			wait_traced(&s, rel, w[i].pid);
			leaky_go(&w[i], NULL, 0);
		}
		{
			char heap_path[128];
			json_t *heap;

			snprintf(heap_path, sizeof(heap_path), "/cgroups/%llu/heap",
				 (unsigned long long)dir_id(dir[b % BATCH]));
			/* its heap is served, with its process (the exact bytes of
			 * a newcomer depend on when --cgroup's probes got in: the
			 * cgroup suite's matter; exact heaps are tested above) */
			heap = get_json(&s, heap_path, 200);
			cr_expect_eq(json_integer_value(json_object_get(json_array_get(
				json_object_get(heap, "processes"), 0), "pid")), w[b % BATCH].pid);
			json_decref(heap);
		}
		for (i = 0; i < BATCH; i++) {
			say(&w[i], "exit\n");
			cr_assert_eq(reap(&w[i], 10000), 0);
			child_close(&w[i]);
		}
		for (i = 0; i < BATCH; i++)
			remove_cg(made[--nmade]);
		if (b == WARMUP - 1) {
			rss_warm = rss_of(s.c.pid);
			heap_warm = heap_of(&s);
		}
	}
	free(lk);
	pods = get_json(&s, "/pods", 200);
	cr_expect_eq(json_array_size(json_object_get(pods, "pods")), 1,
		     "groups left: %s", json_dumps(pods, JSON_COMPACT));
	snprintf(rel, sizeof(rel), "%s/keep", cg_rel);
	cr_expect(pod_entry(pods, rel));
	forgotten = json_integer_value(json_object_get(pods, "groups_forgotten"));
	cr_expect_eq(forgotten, BATCHES * BATCH, "forgotten %lld", forgotten);
	json_decref(pods);
	/* the probes of the exited went with them; nothing they held stays */
	text = get(&s, "GET", "/metrics", &status);
	cr_expect_eq(metric(text, "memtrail_probes"), probes, "%s", text);
	cr_expect_eq(metric(text, "memtrail_outside_outstanding_bytes"), 0);
	cr_expect_eq(metric(text, "memtrail_groups"), 1);
	free(text);
	heap_end = heap_of(&s);
	cr_expect_gt(heap_warm, 0);
	cr_expect_leq(heap_end, heap_warm + HEAP_BOUND,
		      "serve's heap grew from %lld to %lld bytes over %d groups", heap_warm,
		      heap_end, (BATCHES - WARMUP) * BATCH);
	rss_end = rss_of(s.c.pid);
	cr_expect_leq(rss_end, rss_warm + RSS_BOUND,
		      "serve grew from %llu to %llu bytes over %d groups", (unsigned long long)rss_warm,
		      (unsigned long long)rss_end, (BATCHES - WARMUP) * BATCH);
	fprintf(stderr, "churn: serve rss %llu -> %llu, heap %lld -> %lld bytes over %d groups\n",
		(unsigned long long)rss_warm, (unsigned long long)rss_end, heap_warm, heap_end,
		(BATCHES - WARMUP) * BATCH);
	cr_expect_eq(stop_serve(&s, SIGTERM), 0);
	say(&keep, "exit\n");
	reap(&keep, 5000);
	child_close(&keep);
}

/* At most 4 windows wait at once, /healthz answers meanwhile, and a stop
 * ends waiting windows (503) at once instead of after 300 s. */
Test(serve, windows_capped_and_stopped)
{
	char a_dir[2048], path[256], cmd[512], log[16384] = "", want[128];
	struct child a;
	struct server s;
	FILE *curls[4];
	double t0;
	int i, status;
	char *body;

	make_cg("a", a_dir, sizeof(a_dir));
	start_leaky(&a);
	move_to(a_dir, a.pid);
	start_serve(&s, verbose);
	snprintf(path, sizeof(path), "/cgroups/%llu/heap?seconds=300", (unsigned long long)dir_id(a_dir));
	snprintf(cmd, sizeof(cmd), "curl -s --max-time 200 -o /dev/null -w '%%{http_code}' "
		 "'http://127.0.0.1:%d%s'", s.port, path);
	snprintf(want, sizeof(want), "cgroup id %llu: a 300 s window opened",
		 (unsigned long long)dir_id(a_dir));
	for (i = 0; i < 4; i++) {
		curls[i] = popen(cmd, "r");
		cr_assert(curls[i]);
		cr_assert(wait_for(&s.c.err, want, 30000, log, sizeof(log)), "window %d: %s", i, log);
	}
	expect_error(&s, "GET", path, 503);
	body = get(&s, "GET", "/healthz", &status);
	cr_expect_eq(status, 200);
	free(body);
	t0 = now_s();
	cr_expect_eq(stop_serve(&s, SIGTERM), 0);
	cr_expect_lt(now_s() - t0, 30, "the stop waited for the windows");
	for (i = 0; i < 4; i++) {
		char code[16] = "";

		cr_expect(fgets(code, sizeof(code), curls[i]));
		cr_expect_str_eq(code, "503");
		pclose(curls[i]);
	}
	say(&a, "exit\n");
	reap(&a, 5000);
	child_close(&a);
}

/* A stop closes the port: nothing answers there afterwards. */
Test(serve, stop_closes_the_port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct server s;
	int fd, status;
	char *body;

	start_serve(&s, NULL);
	body = get(&s, "GET", "/healthz", &status);
	cr_expect_eq(status, 200);
	free(body);
	cr_expect_eq(stop_serve(&s, SIGTERM), 0);
	sa.sin_port = htons(s.port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert(fd >= 0);
	cr_expect_neq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "port %d still open", s.port);
	close(fd);
}

/* Bad serve invocations: exit 2 with one line, before anything loads. */
Test(serve, usage_errors)
{
	char *cases[][8] = {
		{ "serve", "--listen", "localhost:80", "--cgroup", cg_root, NULL },
		{ "serve", "--listen", "127.0.0.1:99999", "--cgroup", cg_root, NULL },
		{ "serve", "--cgroup", "/nonexistent/memtrail", NULL },
		{ "serve", "--pid", "1", "--cgroup", cg_root, NULL },
		{ "--listen", "127.0.0.1:0", NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[10] = { (char *)mt_bin() }, line[512] = "";
		struct child m;
		int j, rc;

		for (j = 0; cases[i][j]; j++)
			argv[j + 1] = cases[i][j];
		spawn(argv, &m, NULL);
		rc = reap(&m, 20000);
		read_line(&m.err, 1000, line, sizeof(line));
		cr_expect_eq(rc, 2, "case %zu: exit %d (%s)", i, rc, line);
		cr_expect(!strncmp(line, "memtrail: ", 10), "case %zu: '%s'", i, line);
		child_close(&m);
	}
}
