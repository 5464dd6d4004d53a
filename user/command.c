// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Starting, following and finishing the traced command under ptrace. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "command.h"
#include "elf_file.h"

struct command {
	pid_t pid;
	char *path;	/* resolved executable */
	int exit_code;
	bool reaped;
	bool at_exit;
};

/* execvp's search, done here so the same file is examined and run. */
static char *resolve_path(const char *name)
{
	const char *env = getenv("PATH");
	char *dirs, *dir, *save = NULL, *cand = NULL;

	if (strchr(name, '/'))
		return strdup(name);
	dirs = strdup(env && *env ? env : "/usr/local/bin:/usr/bin:/bin");
	if (!dirs)
		return NULL;
	for (dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		if (asprintf(&cand, "%s/%s", *dir ? dir : ".", name) < 0) {
			cand = NULL;
			break;
		}
		if (access(cand, X_OK) == 0)
			break;
		free(cand);
		cand = NULL;
	}
	free(dirs);
	if (!cand)
		errno = ENOENT;
	return cand;
}

int command__start(char *const argv[], struct command **out)
{
	struct command *c;
	int pipefd[2], status, child_errno = 0, err;
	ssize_t n;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->path = resolve_path(argv[0]);
	if (!c->path) {
		err = -errno;
		free(c);
		return err;
	}
	if (pipe2(pipefd, O_CLOEXEC)) {
		err = -errno;
		goto fail;
	}
	c->pid = fork();
	if (c->pid < 0) {
		err = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		goto fail;
	}
	if (c->pid == 0) {
		/* the exec below stops us with SIGTRAP until memtrail attached */
		close(pipefd[0]);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) == 0)
			execv(c->path, argv);
		child_errno = errno;
		if (write(pipefd[1], &child_errno, sizeof(child_errno)) < 0)
			_exit(127);
		_exit(127);
	}
	close(pipefd[1]);
	/* EOF on the close-on-exec pipe: the exec went through */
	do
		n = read(pipefd[0], &child_errno, sizeof(child_errno));
	while (n < 0 && errno == EINTR);
	close(pipefd[0]);
	if (n == sizeof(child_errno)) {
		waitpid(c->pid, &status, 0);
		err = -child_errno;
		goto fail;
	}
	if (waitpid(c->pid, &status, 0) < 0 || !WIFSTOPPED(status)) {
		err = -ECHILD;
		goto fail;
	}
	/* exit stops keep the memory map for the report; EXITKILL takes the
	 * command down with memtrail rather than leaving it stopped */
	if (ptrace(PTRACE_SETOPTIONS, c->pid, NULL,
		   PTRACE_O_TRACEEXIT | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL)) {
		err = -errno;
		kill(c->pid, SIGKILL);
		waitpid(c->pid, &status, 0);
		goto fail;
	}
	*out = c;
	return 0;
fail:
	free(c->path);
	free(c);
	return err;
}

pid_t command__pid(const struct command *c)
{
	return c->pid;
}

static int push(char ***v, size_t *n, const char *s)
{
	char **tmp = reallocarray(*v, *n + 1, sizeof(**v));

	if (!tmp)
		return -ENOMEM;
	*v = tmp;
	(*v)[*n] = strdup(s);
	if (!(*v)[*n])
		return -ENOMEM;
	(*n)++;
	return 0;
}

/* Runs "INTERP --list EXE" (what ldd does) and collects resolved paths:
 * lines "name => /path (0x...)" and "/path (0x...)". */
static int list_libraries(const char *interp, const char *exe, char ***v, size_t *n)
{
	char *line = NULL, *path, *end;
	size_t cap = 0;
	int pipefd[2], status, err = 0;
	pid_t pid;
	FILE *f;

	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return -errno;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(pipefd[1], STDOUT_FILENO);
		if (null >= 0)
			dup2(null, STDERR_FILENO);
		execl(interp, interp, "--list", exe, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	f = fdopen(pipefd[0], "r");
	if (!f) {
		close(pipefd[0]);
		waitpid(pid, &status, 0);
		return -ENOMEM;
	}
	while (!err && getline(&line, &cap, f) > 0) {
		path = strstr(line, "=> ");
		path = path ? path + 3 : line + strspn(line, " \t");
		if (*path != '/')
			continue;
		end = strstr(path, " (0x");
		if (end)
			*end = '\0';
		else
			path[strcspn(path, "\n")] = '\0';
		err = push(v, n, path);
	}
	free(line);
	fclose(f);
	waitpid(pid, &status, 0);
	return err;
}

int command__object_paths(const struct command *c, char ***paths, size_t *n)
{
	char *exe = NULL, *interp, *real;
	int err;

	*paths = NULL;
	*n = 0;
	/* the image the kernel actually loaded (a script's interpreter, too) */
	if (asprintf(&exe, "/proc/%d/exe", c->pid) < 0)
		return -ENOMEM;
	err = push(paths, n, exe);
	interp = err ? NULL : elf_file__interp(exe);
	/* the loader lists by the file's real path: $ORIGIN in a RUNPATH
	 * (the JDK's java: $ORIGIN/../lib) means nothing under /proc/PID/ */
	real = interp ? realpath(exe, NULL) : NULL;
	if (interp)
		err = list_libraries(interp, real ? real : exe, paths, n);
	free(real);
	free(interp);
	free(exe);
	if (err) {
		command__free_paths(*paths, *n);
		*paths = NULL;
		*n = 0;
	}
	return err;
}

void command__free_paths(char **paths, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

int command__resume(struct command *c)
{
	if (ptrace(PTRACE_CONT, c->pid, NULL, NULL))
		return -errno;
	return 0;
}

static int decode_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return -WTERMSIG(status);
	return 0;
}

enum command_state command__check(struct command *c)
{
	unsigned long msg;
	int status, sig;
	pid_t r;

	if (c->reaped)
		return CMD_GONE;
	for (;;) {
		r = waitpid(c->pid, &status, WNOHANG | __WALL);
		if (r == 0)
			return c->at_exit ? CMD_AT_EXIT : CMD_RUNNING;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			c->reaped = true;
			return CMD_GONE;
		}
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			c->reaped = true;
			if (!c->at_exit)
				c->exit_code = decode_status(status);
			return CMD_GONE;
		}
		if (!WIFSTOPPED(status))
			continue;
		if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_EXIT << 8))) {
			if (!ptrace(PTRACE_GETEVENTMSG, c->pid, NULL, &msg))
				c->exit_code = decode_status((int)msg);
			c->at_exit = true;
			return CMD_AT_EXIT;
		}
		if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_EXEC << 8)))
			return CMD_EXEC; /* caller re-attaches, then resumes */
		/* a signal for the command: deliver it */
		sig = WSTOPSIG(status);
		ptrace(PTRACE_CONT, c->pid, NULL, (void *)(long)sig);
	}
}

int command__exit_code(const struct command *c)
{
	return c->exit_code;
}

void command__kill(struct command *c)
{
	if (!c->reaped)
		kill(c->pid, SIGKILL);
}

void command__free(struct command *c)
{
	int status;

	if (!c)
		return;
	if (!c->reaped) {
		/* let an exit-stopped command finish, or end a running one */
		if (c->at_exit)
			ptrace(PTRACE_CONT, c->pid, NULL, NULL);
		else
			kill(c->pid, SIGKILL);
		while (waitpid(c->pid, &status, __WALL) < 0 && errno == EINTR)
			;
	}
	free(c->path);
	free(c);
}
