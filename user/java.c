// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* jcmd in the JVM's namespaces, its flags, and the notes on Java frames. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "java.h"
#include "proc_ids.h"
#include "procfs.h"

#define FLAG_ON		"-XX:+PreserveFramePointer"
#define FLAG_OFF	"-XX:-PreserveFramePointer"
#define ARGS_MAX	(1u << 20)	/* cmdline / environ read at most */
#define OUTPUT_MAX	4096		/* jcmd output kept for the reason */

bool java__is_jvm(pid_t pid)
{
	struct proc_maps maps;
	bool jvm = false;
	size_t i;

	if (procfs__read_maps(NULL, pid, &maps))
		return false;
	for (i = 0; i < maps.n && !jvm; i++) {
		const char *p = maps.maps[i].path;
		size_t len = p ? strlen(p) : 0;

		jvm = len >= 10 && !strcmp(p + len - 10, "/libjvm.so");
	}
	procfs__free_maps(&maps);
	return jvm;
}

/* Last PreserveFramePointer setting among blank-separated words. */
static void scan_words(const char *s, size_t len, int *state)
{
	const char *end = s + len;

	while (s < end) {
		const char *w = s;

		while (s < end && *s != ' ' && *s != '\t' && *s != '\n' && *s)
			s++;
		if ((size_t)(s - w) == strlen(FLAG_ON) && !memcmp(w, FLAG_ON, strlen(FLAG_ON)))
			*state = 1;
		else if ((size_t)(s - w) == strlen(FLAG_OFF) && !memcmp(w, FLAG_OFF, strlen(FLAG_OFF)))
			*state = 0;
		s++;
	}
}

/* The value of NAME= in a NUL-separated environment, or NULL. */
static const char *env_value(const char *env, size_t envlen, const char *name, size_t *len)
{
	const char *p = env, *end = env + envlen;
	size_t nlen = strlen(name);

	while (p < end) {
		const char *z = memchr(p, '\0', (size_t)(end - p));
		const char *e = z ? z : end;

		if ((size_t)(e - p) > nlen && !memcmp(p, name, nlen) && p[nlen] == '=') {
			*len = (size_t)(e - p) - nlen - 1;
			return p + nlen + 1;
		}
		p = e + 1;
	}
	return NULL;
}

int java__parse_frame_pointer_flag(const char *cmdline, size_t cmdlen,
				   const char *env, size_t envlen)
{
	static const char *const before[] = { "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS" };
	const char *v;
	int state = 0;
	size_t i, len;

	for (i = 0; env && i < sizeof(before) / sizeof(before[0]); i++)
		if ((v = env_value(env, envlen, before[i], &len)))
			scan_words(v, len, &state);
	/* argv words are NUL-separated: scan_words splits at NULs too */
	if (cmdline)
		scan_words(cmdline, cmdlen, &state);
	if (env && (v = env_value(env, envlen, "_JAVA_OPTIONS", &len)))
		scan_words(v, len, &state);
	return state;
}

int java__preserves_frame_pointers(pid_t pid)
{
	char *cmd = NULL, *env = NULL;
	size_t clen = 0, elen = 0;
	int err;

	err = procfs__read_pid_file(NULL, pid, "cmdline", ARGS_MAX, &cmd, &clen);
	if (!err)
		err = procfs__read_pid_file(NULL, pid, "environ", ARGS_MAX, &env, &elen);
	if (!err)
		err = java__parse_frame_pointer_flag(cmd, clen, env, elen);
	free(cmd);
	free(env);
	return err;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* In the forked helper: joins pid's namespaces, forks the jcmd that runs
 * as the JVM's user, and exits with its status. Never returns. */
static void helper_main(pid_t pid, int out_fd)
{
	char exe[4096], path[64], jcmd[4200], nspid[16];
	char *const envp[] = { "PATH=/usr/bin:/bin", "LANG=C", "HOME=/", NULL };
	struct proc_ids ids;
	struct stat ours, theirs;
	int pidns, mntns, status;
	ssize_t n;
	char *slash;
	pid_t c;

	setpgid(0, 0);
	if (proc_ids__read(NULL, pid, &ids)) {
		dprintf(out_fd, "cannot read /proc/%d/status\n", (int)pid);
		_exit(125);
	}
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n <= 0) {
		dprintf(out_fd, "cannot read %s\n", path);
		_exit(125);
	}
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash) {
		dprintf(out_fd, "odd java path '%s'\n", exe);
		_exit(125);
	}
	*slash = '\0';
	/* the JVM's own JDK, as its mount namespace sees it */
	snprintf(jcmd, sizeof(jcmd), "%s/jcmd", exe);
	snprintf(nspid, sizeof(nspid), "%d", (int)ids.nspid);

	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
	pidns = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
	mntns = open(path, O_RDONLY | O_CLOEXEC);
	if (pidns < 0 || mntns < 0) {
		dprintf(out_fd, "cannot open the namespaces of pid %d\n", (int)pid);
		_exit(125);
	}
	/* a pid namespace applies to children: the jcmd forked below */
	if (setns(pidns, CLONE_NEWPID)) {
		dprintf(out_fd, "setns(pid) failed: %s\n", strerror(errno));
		_exit(125);
	}
	if (!stat("/proc/self/ns/mnt", &ours) && !fstat(mntns, &theirs) &&
	    ours.st_ino != theirs.st_ino && setns(mntns, CLONE_NEWNS)) {
		dprintf(out_fd, "setns(mnt) failed: %s\n", strerror(errno));
		_exit(125);
	}
	if (chdir("/"))
		_exit(125);
	c = fork();
	if (c < 0)
		_exit(125);
	if (!c) {
		char *const argv[] = { jcmd, "-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC",
				       /* no hsperfdata file left in its /tmp */
				       "-J-XX:-UsePerfData",
				       nspid, "Compiler.perfmap", NULL };

		if (setgroups(0, NULL) || setgid(ids.egid) || setuid(ids.euid)) {
			dprintf(out_fd, "cannot become uid %u gid %u: %s\n",
				(unsigned)ids.euid, (unsigned)ids.egid, strerror(errno));
			_exit(125);
		}
		dup2(out_fd, STDOUT_FILENO);
		dup2(out_fd, STDERR_FILENO);
		execve(jcmd, argv, envp);
		dprintf(out_fd, "cannot run %s: %s\n", jcmd, strerror(errno));
		_exit(126);
	}
	while (waitpid(c, &status, 0) < 0)
		if (errno != EINTR)
			_exit(125);
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

/* The last line of out that is not blank or a stack trace's "\tat ..."
 * (jcmd prints the exception, then its trace), into why. */
static void last_line(const char *out, size_t len, char *why, size_t whysz)
{
	const char *end = out + len, *start;

	why[0] = '\0';
	while (end > out) {
		while (end > out && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
			end--;
		start = end;
		while (start > out && start[-1] != '\n')
			start--;
		if (start < end && *start != '\t' && *start != ' ') {
			snprintf(why, whysz, "%.*s", (int)(end - start), start);
			return;
		}
		end = start;
	}
}

/* The one-letter state of pid ("R", "S", "t" for a tracing stop, ...),
 * or '?' when unreadable. */
static char proc_state(pid_t pid)
{
	char *text = NULL, *st, c = '?';
	size_t len;

	if (procfs__read_pid_file(NULL, pid, "status", 1u << 16, &text, &len))
		return c;
	st = strstr(text, "\nState:");
	if (st) {
		st += strlen("\nState:");
		st += strspn(st, " \t");
		if (*st)
			c = *st;
	}
	free(text);
	return c;
}

int java__write_perf_map(pid_t pid, int timeout_ms, char *why, size_t whysz)
{
	char out[OUTPUT_MAX];
	double deadline = mono_s() + timeout_ms / 1000.0;
	size_t len = 0;
	int pipefd[2], status = 0, err = 0;
	bool timed_out = false;
	pid_t c, r;

	why[0] = '\0';
	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	c = fork();
	if (c < 0) {
		err = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return err;
	}
	if (!c) {
		close(pipefd[0]);
		helper_main(pid, pipefd[1]);
	}
	close(pipefd[1]);
	/* read until jcmd closes its output or time runs out */
	for (;;) {
		struct pollfd pfd = { .fd = pipefd[0], .events = POLLIN };
		int left = (int)((deadline - mono_s()) * 1000);
		char buf[512];
		ssize_t n;

		if (left <= 0) {
			timed_out = true;
			break;
		}
		if (poll(&pfd, 1, left) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (!pfd.revents)
			continue;
		n = read(pipefd[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		/* keep the tail: the reason is at the end */
		if ((size_t)n > sizeof(out) - len) {
			size_t drop = (size_t)n - (sizeof(out) - len);

			if (drop > len)
				drop = len;
			memmove(out, out + drop, len - drop);
			len -= drop;
		}
		if ((size_t)n > sizeof(out) - len)
			n = (ssize_t)(sizeof(out) - len);
		memcpy(out + len, buf, (size_t)n);
		len += (size_t)n;
	}
	close(pipefd[0]);
	if (timed_out)
		kill(-c, SIGKILL);
	/* EOF: the helper exits right after jcmd; bounded all the same */
	while ((r = waitpid(c, &status, timed_out ? 0 : WNOHANG)) == 0) {
		if (mono_s() > deadline) {
			timed_out = true;
			kill(-c, SIGKILL);
			continue;
		}
		usleep(10000);
	}
	if (r < 0)
		return -errno;
	if (timed_out) {
		snprintf(why, whysz, "jcmd did not answer within %d s", timeout_ms / 1000);
		return -ETIMEDOUT;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		last_line(out, len, why, whysz);
		if (!why[0])
			snprintf(why, whysz, "jcmd exited with status %d",
				 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		return -EIO;
	}
	return err;
}

void java__refresh(struct symbolizer *sym, struct mt_profile *p, pid_t pid)
{
	char why[512];
	int err;

	if (symbolizer__java(sym) && java__is_jvm(pid)) {
		char state = proc_state(pid);

		/* stopped at its exit (command mode) or gone: no JVM answers */
		if (state == 't' || state == 'T' || state == 'Z' || state == 'X' || state == '?') {
			symbolizer__cache_process(sym, pid);
			if (!symbolizer__has_jit_map(sym, pid))
				mt_profile__add_note(p, "pid %d: the JVM had exited or was exiting, "
						     "so jcmd could not ask it for a perf map; a JVM "
						     "started with -XX:+UnlockDiagnosticVMOptions "
						     "-XX:+DumpPerfMapAtExit writes one as it exits",
						     (int)pid);
			return;
		}
		err = java__write_perf_map(pid, JAVA_JCMD_TIMEOUT_MS, why, sizeof(why));
		if (err)
			mt_profile__add_note(p, "pid %d: jcmd %d Compiler.perfmap failed (%s): "
					     "its compiled Java frames stay unnamed",
					     (int)pid, (int)pid, why);
		if (java__preserves_frame_pointers(pid) == 0)
			mt_profile__add_note(p, "pid %d: the JVM runs without "
					     "-XX:+PreserveFramePointer: its stacks end at the "
					     "first compiled Java frame", (int)pid);
	}
	symbolizer__cache_process(sym, pid);
}

struct java_counts {
	pid_t pid;
	size_t interpreted, unnamed_jit;
	bool jvm;
};

void java__note_frames(struct symbolizer *sym, struct mt_profile *p)
{
	struct java_counts *c;
	size_t i, j, k, n = 0;

	c = calloc(p->nprocesses + 1, sizeof(*c));
	if (!c)
		return;
	for (i = 0; i < p->nsamples; i++) {
		const struct mt_sample *s = &p->samples[i];
		struct java_counts *pc = NULL;

		for (k = 0; k < n; k++)
			if (c[k].pid == s->pid)
				pc = &c[k];
		if (!pc) {
			if (n == p->nprocesses + 1)
				continue;
			pc = &c[n++];
			pc->pid = s->pid;
		}
		bool interp = false, jit = false;

		for (j = 0; j < s->nframes; j++) {
			const struct mt_frame *f = &s->frames[j];

			if (f->module && strstr(f->module, "/libjvm.so"))
				pc->jvm = true;
			if (f->symbol || !f->reason)
				continue;
			if (!strcmp(f->reason, "interpreted Java frame"))
				interp = true;
			else if (!strncmp(f->reason, "JIT", 3))
				jit = true;
		}
		pc->interpreted += interp;
		pc->unnamed_jit += jit;
	}
	for (k = 0; k < n; k++) {
		if (!c[k].jvm)
			continue;
		if (c[k].interpreted)
			mt_profile__add_note(p, "pid %d: %zu stacks pass through interpreted Java "
					     "methods ('interpreted Java frame'): the JVM's interpreter "
					     "runs them and no perf map names them; methods the JIT "
					     "compiled are named",
					     (int)c[k].pid, c[k].interpreted);
		if (c[k].unnamed_jit && !symbolizer__java(sym))
			mt_profile__add_note(p, "pid %d is a JVM: %zu stacks have unnamed frames in "
					     "its JIT code; run memtrail with --java to name them",
					     (int)c[k].pid, c[k].unnamed_jit);
		else if (c[k].unnamed_jit)
			mt_profile__add_note(p, "pid %d: %zu stacks have unnamed frames in its JIT "
					     "code (see each frame's reason)",
					     (int)c[k].pid, c[k].unnamed_jit);
	}
	free(c);
}
