/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Integration-test harness: start real processes with pipes, run the real
 * memtrail binary against them, read its JSON report back (jansson).
 * MT_BIN and MT_WORKLOADS come from the Makefile. Tests need root; without
 * it they skip loudly, and under CI (CI set) a skip is a failure. */
#ifndef MT_HARNESS_H
#define MT_HARNESS_H

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TEST_TIMEOUT 60

struct linebuf {
	int fd;
	size_t len;
	char buf[16384];
};

struct child {
	pid_t pid;
	int in_fd;		/* its stdin, -1 if not piped */
	struct linebuf out;	/* its stdout */
	struct linebuf err;	/* its stderr */
};

static inline void require_root(void)
{
	if (geteuid() == 0)
		return;
	if (getenv("CI"))
		cr_assert_fail("integration tests need root, and CI must run them");
	cr_skip_test("SKIPPED: needs root (real BPF programs)");
}

static inline const char *mt_bin(void)
{
	const char *b = getenv("MT_BIN");

	return b ? b : "./memtrail";
}

static inline char *workload(const char *name)
{
	const char *dir = getenv("MT_WORKLOADS");
	char *p;

	cr_assert(asprintf(&p, "%s/%s", dir ? dir : ".output/workloads", name) > 0);
	return p;
}

static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Reads one line (without newline) within timeout_ms. 1 on a line, 0 at
 * EOF or timeout. */
static inline int read_line(struct linebuf *lb, int timeout_ms, char *line, size_t sz)
{
	double deadline = now_s() + timeout_ms / 1000.0;

	for (;;) {
		char *nl = memchr(lb->buf, '\n', lb->len);
		struct pollfd pfd = { .fd = lb->fd, .events = POLLIN };
		ssize_t n;
		int left;

		if (nl) {
			size_t l = nl - lb->buf;

			snprintf(line, sz, "%.*s", (int)l, lb->buf);
			memmove(lb->buf, nl + 1, lb->len - l - 1);
			lb->len -= l + 1;
			return 1;
		}
		left = (deadline - now_s()) * 1000;
		if (left <= 0 || lb->len == sizeof(lb->buf))
			return 0;
		if (poll(&pfd, 1, left) <= 0)
			return 0;
		n = read(lb->fd, lb->buf + lb->len, sizeof(lb->buf) - lb->len);
		if (n <= 0)
			return 0;
		lb->len += n;
	}
}

/* Reads lines until one contains needle; 1 when found. Lines read are
 * appended to log (if not NULL) for failure messages. */
static inline int wait_for(struct linebuf *lb, const char *needle, int timeout_ms,
			   char *log, size_t logsz)
{
	double deadline = now_s() + timeout_ms / 1000.0;
	char line[4096];

	while (now_s() < deadline) {
		if (!read_line(lb, (deadline - now_s()) * 1000 + 1, line, sizeof(line)))
			return 0;
		if (log)
			snprintf(log + strlen(log), logsz - strlen(log), "%s\n", line);
		if (strstr(line, needle))
			return 1;
	}
	return 0;
}

/* Starts argv with piped stdin/stdout/stderr; stdout goes to out_path
 * instead when it is not NULL. In the child, before the exec, calls
 * before_exec(ctx) (a chroot, dropped capabilities, another uid) when
 * given: when it returns non-zero the child says so on stderr, exits 126. */
static inline void spawn_with(char *const argv[], struct child *c, const char *out_path,
			      int (*before_exec)(void *ctx), void *ctx)
{
	int in[2], out[2], err[2];

	memset(c, 0, sizeof(*c));
	cr_assert(!pipe2(in, O_CLOEXEC) && !pipe2(out, O_CLOEXEC) && !pipe2(err, O_CLOEXEC));
	c->pid = fork();
	cr_assert(c->pid >= 0);
	if (c->pid == 0) {
		dup2(in[0], 0);
		if (out_path) {
			int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

			dup2(fd, 1);
		} else {
			dup2(out[1], 1);
		}
		dup2(err[1], 2);
		if (before_exec && before_exec(ctx)) {
			dprintf(2, "before exec: %s\n", strerror(errno));
			_exit(126);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	close(err[1]);
	c->in_fd = in[1];
	c->out.fd = out[0];
	c->err.fd = err[0];
}

/* Starts argv with piped stdin/stdout/stderr (stdout to out_path if set). */
static inline void spawn(char *const argv[], struct child *c, const char *out_path)
{
	spawn_with(argv, c, out_path, NULL, NULL);
}

static inline void say(struct child *c, const char *line)
{
	cr_assert(write(c->in_fd, line, strlen(line)) == (ssize_t)strlen(line));
}

/* Waits for exit within timeout_ms; returns the exit code, -signal, or
 * -1000 on timeout (then kills it). */
static inline int reap(struct child *c, int timeout_ms)
{
	double deadline = now_s() + timeout_ms / 1000.0;
	int status;

	while (now_s() < deadline) {
		pid_t r = waitpid(c->pid, &status, WNOHANG);

		if (r == c->pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
		usleep(10000);
	}
	kill(c->pid, SIGKILL);
	waitpid(c->pid, &status, 0);
	return -1000;
}

static inline void child_close(struct child *c)
{
	if (c->in_fd > 0)
		close(c->in_fd);
	close(c->out.fd);
	close(c->err.fd);
}

/* A started workload "leaky --wait", ready to leak on "go". */
static inline void start_leaky(struct child *c)
{
	char line[256], *argv[] = { workload("leaky"), "--wait", NULL };

	spawn(argv, c, NULL);
	cr_assert(read_line(&c->out, 10000, line, sizeof(line)) && !strncmp(line, "ready", 5),
		  "workload did not start: '%s'", line);
	free(argv[0]);
}

/* Tells a waiting leaky to leak and waits until it has. */
static inline void leaky_go(struct child *c, char *log, size_t logsz)
{
	say(c, "go\n");
	cr_assert(wait_for(&c->out, "done", 20000, log, logsz), "workload did not finish");
}

/* Starts memtrail with args (NULL-terminated, after the binary), JSON to
 * out_path, and waits until it says it is tracing. */
static inline void start_memtrail(struct child *m, const char *out_path, char **args)
{
	char *argv[32] = { (char *)mt_bin() }, log[8192] = "";
	int i;

	for (i = 0; args[i] && i < 30; i++)
		argv[i + 1] = args[i];
	spawn(argv, m, out_path);
	if (!wait_for(&m->err, "tracing", 30000, log, sizeof(log))) {
		int rc = reap(m, 1000);

		cr_assert_fail("memtrail did not start tracing (exit %d): %s", rc, log);
	}
}

static inline json_t *load_report(const char *path)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, 0, &jerr);

	cr_assert(root, "report %s is not valid JSON: %s (line %d)", path, jerr.text, jerr.line);
	cr_assert_str_eq(json_string_value(json_object_get(root, "tool")), "memtrail");
	cr_assert_eq(json_integer_value(json_object_get(root, "schema")), 1);
	return root;
}

static inline const char *frame0_symbol(json_t *stack)
{
	json_t *f0 = json_array_get(json_object_get(stack, "frames"), 0);

	return f0 ? json_string_value(json_object_get(f0, "symbol")) : NULL;
}

/* pid's share of a stack: its entry in "pids" (replicas merged into one
 * stack), else the stack itself when it is pid's. NULL when none. */
static inline json_t *stack_share(json_t *stack, pid_t pid)
{
	json_t *pids = json_object_get(stack, "pids"), *e;
	size_t i;

	if (!pids)
		return json_integer_value(json_object_get(stack, "pid")) == pid ? stack : NULL;
	json_array_foreach(pids, i, e)
		if (json_integer_value(json_object_get(e, "pid")) == pid)
			return e;
	return NULL;
}

/* Sums bytes and allocs that pid (0: any) holds in the stacks whose
 * frames[0] is symbol; returns how many stacks matched. */
static inline size_t sum_by_symbol(json_t *root, pid_t pid, const char *symbol,
				   long long *bytes, long long *allocs)
{
	json_t *stacks = json_object_get(root, "stacks"), *s, *share;
	size_t i, n = 0;

	*bytes = *allocs = 0;
	json_array_foreach(stacks, i, s) {
		const char *sym = frame0_symbol(s);

		share = pid ? stack_share(s, pid) : s;
		if (!share)
			continue;
		if (!sym || strcmp(sym, symbol))
			continue;
		*bytes += json_integer_value(json_object_get(share, "bytes"));
		*allocs += json_integer_value(json_object_get(share, "allocs"));
		n++;
	}
	return n;
}

/* True when the running kernel is major.minor or newer. */
static inline bool kernel_at_least(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;

	cr_assert(!uname(&u) && sscanf(u.release, "%d.%d", &ma, &mi) == 2);
	return ma > major || (ma == major && mi >= minor);
}

#define tmp_path(buf, name) \
	snprintf(buf, sizeof(buf), "/tmp/memtrail-test-%d-%s", getpid(), name)

/* Traces a started "leaky --wait" by pid with extra args, lets it leak,
 * stops memtrail with sig and returns its JSON report. */
static inline json_t *trace_leaky_pid(struct child *target, const char *name,
				      char **extra, int sig)
{
	char out[256], pidarg[32], *args[24] = { "--pid", pidarg, "--format", "json" };
	struct child mt;
	json_t *root;
	int i = 4;

	snprintf(pidarg, sizeof(pidarg), "%d", target->pid);
	while (*extra && i < 23)
		args[i++] = *extra++;
	args[i] = NULL;
	tmp_path(out, name);
	start_memtrail(&mt, out, args);
	leaky_go(target, NULL, 0);
	kill(mt.pid, sig);
	cr_assert_eq(reap(&mt, 20000), 0, "memtrail did not exit cleanly on signal %d", sig);
	root = load_report(out);
	unlink(out);
	return root;
}

#endif /* MT_HARNESS_H */
