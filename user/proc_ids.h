/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Who a process is, from /proc/PID/status: its pid inside its own pid
 * namespace (NSpid, innermost) and its effective uid and gid, which a
 * helper acting for it (jcmd) must take, and which own the files it
 * writes (perf maps). */
#ifndef MT_PROC_IDS_H
#define MT_PROC_IDS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct proc_ids {
	pid_t nspid;	/* pid in the innermost namespace (the pid itself
			   when status has no NSpid line: before Linux 4.1) */
	uid_t euid;
	gid_t egid;
};

/* Contract: parses the text of a status file buf[0..len) of process pid.
 * 0, or -EINVAL when the Uid/Gid lines are missing or malformed. */
int proc_ids__parse(const char *buf, size_t len, pid_t pid, struct proc_ids *out);
/* Reads <root>/PID/status (root NULL: "/proc"). 0 or -errno. */
int proc_ids__read(const char *root, pid_t pid, struct proc_ids *out);
/* Contract: the start time field (22, clock ticks after boot) of a
 * /proc/PID/stat text buf[0..len), whose comm may hold spaces and ')'.
 * 0 or -EINVAL. */
int proc_ids__parse_start_ticks(const char *buf, size_t len, uint64_t *ticks);
/* When pid started, in seconds since the epoch (<root>/stat's btime plus
 * its start ticks); to the second at best. 0 or -errno. */
int proc_ids__start_time(const char *root, pid_t pid, int64_t *start);

#endif /* MT_PROC_IDS_H */
