// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The flame graph formats from a real trace of tests/workloads/leaky, read
 * by the tools they are for: `go tool pprof` reads the pprof file and
 * shows leak_malloc's exact bytes; the folded lines sum to the JSON
 * report's total (both memtrails trace the same process at once, so they
 * see the same allocations); headless Chromium runs the HTML page without
 * a console message and draws a frame named leak_malloc, and leaves a
 * screenshot in .output/artifacts/. Without go or chromium the tests skip
 * loudly, and under CI they fail: `make deps` installs both. */
#include <spawn.h>
#include "harness.h"
#include "expected.h"

extern char **environ;

TestSuite(formats, .timeout = TEST_TIMEOUT);

#define LEAK_MALLOC_BYTES (LEAK_MALLOC_COUNT * LEAK_MALLOC_SIZE)

/* A tool the test needs: its absolute path, or a skip (a failure in CI). */
static const char *require_tool(const char *const *candidates, const char *package)
{
	for (; *candidates; candidates++)
		if (!access(*candidates, X_OK))
			return *candidates;
	if (getenv("CI"))
		cr_assert_fail("%s is missing, and CI must run this test: make deps", package);
	cr_skip_test("SKIPPED: %s is not installed (make deps)", package);
	return NULL;
}

/* Runs argv with stdout and stderr to files, in a process group of its own
 * (Chromium starts helpers); returns its exit code, -1000 when it had to
 * be killed after timeout_ms. */
static int run_tool(char *const argv[], const char *out, const char *err, int timeout_ms)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	double deadline = now_s() + timeout_ms / 1000.0;
	pid_t pid;
	int status, rc;

	cr_assert(!posix_spawn_file_actions_init(&fa));
	cr_assert(!posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0));
	cr_assert(!posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0600));
	cr_assert(!posix_spawn_file_actions_addopen(&fa, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0600));
	cr_assert(!posix_spawnattr_init(&attr));
	cr_assert(!posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP));
	cr_assert(!posix_spawnattr_setpgroup(&attr, 0));
	rc = posix_spawn(&pid, argv[0], &fa, &attr, argv, environ);
	cr_assert_eq(rc, 0, "cannot run %s: %s", argv[0], strerror(rc));
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	while (now_s() < deadline) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			kill(-pid, SIGKILL); /* helpers left behind */
			return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
		}
		usleep(20000);
	}
	kill(-pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1000;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	cr_assert(!fseek(f, 0, SEEK_END));
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Traces a started leaky with each of the formats at once (one memtrail
 * per format, all attached before it leaks), to outs[i]. */
static void trace_formats(struct child *target, const char *const *formats,
			  char outs[][256], size_t n)
{
	struct child mt[4];
	char pidarg[32];
	size_t i;

	cr_assert_leq(n, 4);
	snprintf(pidarg, sizeof(pidarg), "%d", target->pid);
	for (i = 0; i < n; i++) {
		char name[32];

		snprintf(name, sizeof(name), "formats.%s", formats[i]);
		tmp_path(outs[i], name);
		start_memtrail(&mt[i], "/dev/null",
			       (char *[]){ "--pid", pidarg, "--format", (char *)formats[i],
					   "--output", outs[i], NULL });
	}
	leaky_go(target, NULL, 0);
	for (i = 0; i < n; i++)
		kill(mt[i].pid, SIGINT);
	for (i = 0; i < n; i++) {
		int rc = reap(&mt[i], 20000);

		cr_assert_eq(rc, 0, "memtrail --format %s exited %d", formats[i], rc);
		child_close(&mt[i]);
	}
	say(target, "exit\n");
	reap(target, 5000);
	child_close(target);
}

static long long json_total(const char *path)
{
	json_t *root = load_report(path);
	long long total = json_integer_value(json_object_get(root, "outstanding_bytes"));

	json_decref(root);
	return total;
}

Test(formats, folded_sums_to_the_report_total)
{
	static const char *const formats[] = { "json", "folded" };
	struct child target;
	char outs[2][256], want[256], *text, *line, *save = NULL;
	long long sum = 0, total;
	size_t nlines = 0;
	bool found = false;

	require_root();
	start_leaky(&target);
	trace_formats(&target, formats, outs, 2);
	total = json_total(outs[0]);
	cr_assert_gt(total, LEAK_MALLOC_BYTES);

	/* the leaking stack, root-first: process, kind, then main down to
	 * the function that called malloc */
	snprintf(want, sizeof(want), "leaky (pid %d);malloc;", target.pid);
	text = slurp(outs[1]);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strrchr(line, ' ');

		cr_assert_not_null(sp, "'%s' has no count", line);
		cr_assert_eq(strspn(sp + 1, "0123456789"), strlen(sp + 1), "'%s'", line);
		sum += atoll(sp + 1);
		nlines++;
		/* main is the outermost frame the workload has itself */
		if (!strncmp(line, want, strlen(want)) && strstr(line, ";main;") &&
		    !strcmp(strstr(line, ";main;"), ";main;leak_everything;leak_malloc 10000"))
			found = true;
	}
	cr_assert_gt(nlines, 1);
	cr_assert_eq(sum, total, "folded lines sum to %lld, the report says %lld", sum, total);
	cr_assert(found, "no line '%s...;main;leak_everything;leak_malloc %d'", want,
		  LEAK_MALLOC_BYTES);
	free(text);
	unlink(outs[0]);
	unlink(outs[1]);
}

/* The flat bytes `go tool pprof -top` shows for function name (-1: not
 * shown); *total from its "of N total" line. */
static long long pprof_flat(const char *top, const char *name, long long *total)
{
	const char *line, *p = strstr(top, " total");
	long long flat = -1;

	*total = -1;
	/* "Showing nodes accounting for 50356B, 99.80% of 50456B total" */
	if (p) {
		const char *q = p;

		while (q > top && q[-1] != ' ')
			q--;
		*total = atoll(q);
	}
	for (line = top; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		size_t nlen = strlen(name);
		long long v;

		/* "     10000B 19.82% 19.82%     10000B 19.82%  leak_malloc" */
		if (len > nlen + 2 && !strncmp(line + len - nlen - 2, "  ", 2) &&
		    !strncmp(line + len - nlen, name, nlen) && sscanf(line, " %lldB", &v) == 1)
			flat = v;
	}
	return flat;
}

Test(formats, go_tool_pprof_reads_the_profile)
{
	static const char *const formats[] = { "json", "pprof" };
	static const char *const go_paths[] = { "/usr/bin/go", "/usr/lib/go/bin/go", NULL };
	const char *go = require_tool(go_paths, "go (Debian golang-go)");
	struct child target;
	char outs[2][256], top[256], err[256], home[256];
	long long total, flat, shown_total;
	char *text;
	int rc;

	require_root();
	start_leaky(&target);
	trace_formats(&target, formats, outs, 2);
	total = json_total(outs[0]);

	/* go keeps state under HOME: a fresh one */
	tmp_path(home, "gohome");
	mkdir(home, 0700);
	setenv("HOME", home, 1);
	tmp_path(top, "pprof-top.txt");
	tmp_path(err, "pprof-top.err");
	/* -unit=B: exact bytes, not rounded to kB */
	rc = run_tool((char *[]){ (char *)go, "tool", "pprof", "-top", "-unit=B", "-nodecount=1000",
				  outs[1], NULL }, top, err, 60000);
	text = slurp(top);
	cr_assert_eq(rc, 0, "go tool pprof exited %d: %s", rc, slurp(err));
	cr_assert_not_null(strstr(text, "Type: inuse_space"), "%s", text);
	flat = pprof_flat(text, "leak_malloc", &shown_total);
	cr_assert_eq(flat, LEAK_MALLOC_BYTES, "leak_malloc flat %lld in:\n%s", flat, text);
	cr_assert_eq(shown_total, total, "pprof total %lld, the report says %lld:\n%s",
		     shown_total, total, text);
	free(text);
	unlink(top);
	unlink(err);
	rmdir(home);
	unlink(outs[0]);
	unlink(outs[1]);
}

/* Runs headless Chromium on page with extra (one flag: --dump-dom or
 * --screenshot=...) into out; its log (console messages included) in err. */
static void chromium(const char *bin, const char *url, const char *extra, const char *out,
		     const char *err)
{
	char profile[256], udd[300];
	int rc;

	tmp_path(profile, "chromium.XXXXXX");
	cr_assert_not_null(mkdtemp(profile));
	snprintf(udd, sizeof(udd), "--user-data-dir=%s", profile);
	rc = run_tool((char *[]){ (char *)bin, "--headless", "--no-sandbox", "--disable-gpu",
				  "--no-first-run", "--disable-background-networking",
				  "--disable-component-update", "--disable-sync",
				  "--enable-logging=stderr", "--v=0", "--window-size=1280,720",
				  udd, (char *)extra, (char *)url, NULL }, out, err, 90000);
	cr_assert_eq(rc, 0, "chromium exited %d: %s", rc, slurp(err));
	cr_assert_eq(run_tool((char *[]){ "/bin/rm", "-rf", profile, NULL },
			      "/dev/null", "/dev/null", 30000), 0);
}

Test(formats, html_renders_in_chromium, .timeout = 240)
{
	static const char *const formats[] = { "html" };
	static const char *const paths[] = { "/usr/bin/chromium", "/usr/bin/chromium-browser", NULL };
	const char *bin = require_tool(paths, "chromium (Debian chromium)");
	const char *dir = getenv("MT_WORKLOADS");
	struct child target;
	char outs[1][256], url[512], dom_path[256], log_path[256], shot[640], art[512], frame[64];
	char *dom, *log, *p;
	struct stat st;

	require_root();
	start_leaky(&target);
	trace_formats(&target, formats, outs, 1);

	/* the page opened with a search, as a reader's link would */
	snprintf(url, sizeof(url), "file://%s#search=leak_malloc", outs[0]);
	tmp_path(dom_path, "html.dom");
	tmp_path(log_path, "html.log");
	chromium(bin, url, "--dump-dom", dom_path, log_path);
	dom = slurp(dom_path);
	log = slurp(log_path);
	/* any message the page's code logs or throws shows as CONSOLE */
	cr_assert_null(strstr(log, ":CONSOLE"), "console output:\n%s", log);
	/* window.onerror writes into #errors: it stayed empty */
	cr_assert_not_null(strstr(dom, "<div id=\"errors\"></div>"), "page errors:\n%.2000s",
			   strstr(dom, "id=\"errors\"") ? strstr(dom, "id=\"errors\"") : dom);
	/* the script drew a frame for the leaking function, a search hit */
	snprintf(frame, sizeof(frame), ">leak_malloc</div>");
	p = strstr(dom, frame);
	cr_assert_not_null(p, "no frame named leak_malloc in the rendered DOM");
	while (p > dom && *p != '<')
		p--;
	cr_assert_eq(strncmp(p, "<div class=\"fr hit\"", 19), 0, "%.200s", p);
	/* the search's share: leak_malloc's bytes exactly */
	cr_assert_not_null(strstr(dom, "matched: 10,000 bytes"), "status line missing");
	free(dom);
	free(log);

	/* a screenshot for people to look at */
	snprintf(art, sizeof(art), "%s/../artifacts", dir ? dir : ".output/workloads");
	mkdir(art, 0755);
	snprintf(shot, sizeof(shot), "--screenshot=%s/flamegraph.png", art);
	snprintf(url, sizeof(url), "file://%s", outs[0]);
	chromium(bin, url, shot, dom_path, log_path);
	cr_assert_eq(stat(shot + strlen("--screenshot="), &st), 0, "no screenshot");
	cr_assert_gt(st.st_size, 1000);
	/* the page itself too, to open by hand */
	snprintf(art + strlen(art), sizeof(art) - strlen(art), "/flamegraph.html");
	cr_assert_eq(run_tool((char *[]){ "/bin/cp", outs[0], art, NULL }, "/dev/null", "/dev/null",
			      30000), 0);
	unlink(outs[0]);
	unlink(dom_path);
	unlink(log_path);
}
