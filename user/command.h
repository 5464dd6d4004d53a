/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Command mode: start a program stopped right after its exec (ptrace), so
 * probes are in place before its first allocation, and stop it again at
 * its exit while its memory map is still intact, so the report can state
 * and symbolize what it still held (the way valgrind's leak summary does). */
#ifndef MT_COMMAND_H
#define MT_COMMAND_H

#include <stdbool.h>
#include <sys/types.h>

struct command;

enum command_state {
	CMD_RUNNING = 0,
	CMD_EXEC,	/* stopped after another exec: new image, re-attach */
	CMD_AT_EXIT,	/* stopped at exit, memory still mapped */
	CMD_GONE,	/* exited and reaped */
};

/* Forks and execs argv[0] (PATH search) stopped after exec. 0 or -errno:
 * -ENOENT/-EACCES/-ENOEXEC for a command that cannot run. */
int command__start(char *const argv[], struct command **out);
pid_t command__pid(const struct command *c);
/* Files that will provide the process's allocator: the executable and the
 * libraries its dynamic linker resolves (ld.so --list; the program itself
 * never runs for this). malloc'd array of malloc'd strings. 0 or -errno. */
int command__object_paths(const struct command *c, char ***paths, size_t *n);
void command__free_paths(char **paths, size_t n);
/* Lets the stopped command run on. 0 or -errno. */
int command__resume(struct command *c);
/* Non-blocking: what the command is doing now; passes signals through. */
enum command_state command__check(struct command *c);
/* After CMD_AT_EXIT/CMD_GONE: exit status, or -signal when killed. */
int command__exit_code(const struct command *c);
/* Kills a command that is still running (memtrail is stopping). */
void command__kill(struct command *c);
/* Reaps and frees. */
void command__free(struct command *c);

#endif /* MT_COMMAND_H */
