/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Readers for /proc/PID files. Parsers take a buffer so tests can feed
 * fixtures; readers take a pid and a procfs root. */
#ifndef MT_PROCFS_H
#define MT_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* One line of /proc/PID/maps. */
struct proc_map {
	uint64_t start, end;	/* [start, end) virtual addresses */
	uint64_t pgoff;		/* file offset of start */
	uint32_t dev_major, dev_minor;
	uint64_t ino;		/* 0 for anonymous mappings */
	char perms[5];		/* "r-xp" */
	bool deleted;		/* path ended in " (deleted)" (suffix removed) */
	char *path;		/* NULL for anonymous; "[heap]", "/usr/lib/..." */
};

struct proc_maps {
	struct proc_map *maps;	/* sorted by start, as the kernel prints them */
	size_t n;
};

/* Parses one maps line (no newline): the line format smaps shares.
 * 0 or -errno (-EINVAL when malformed); m->path is malloc'd. */
int procfs__parse_map_line(const char *line, size_t len, struct proc_map *m);
/* Parses the text of a maps file. 0 or -errno (-EINVAL on a malformed line). */
int procfs__parse_maps(const char *buf, size_t len, struct proc_maps *out);
/* Reads <root>/PID/maps (root NULL means "/proc"). 0 or -errno (-ESRCH when
 * the process does not exist). */
int procfs__read_maps(const char *root, pid_t pid, struct proc_maps *out);
void procfs__free_maps(struct proc_maps *m);
/* The mapping that contains addr, or NULL. */
const struct proc_map *procfs__find_map(const struct proc_maps *m, uint64_t addr);

/* Reads <root>/PID/comm into buf (newline stripped). 0 or -errno. */
int procfs__read_comm(const char *root, pid_t pid, char *buf, size_t sz);
/* Resident set size in bytes from <root>/PID/status (VmRSS). 0 or -errno. */
int procfs__read_rss(const char *root, pid_t pid, uint64_t *bytes);
/* Any "key: N kB" line of <root>/PID/status (key with the colon, e.g.
 * "VmHWM:"), in bytes. 0 or -errno (-ENODATA without the line). */
int procfs__read_status_kb(const char *root, pid_t pid, const char *key, uint64_t *bytes);
/* The process (thread group) a thread id belongs to. 0 or -errno. */
int procfs__read_tgid(const char *root, pid_t pid, pid_t *tgid);
/* One "Key:<blanks>number<blanks>unit" line (no newline), as in status and
 * smaps: key includes the colon, unit may be "". 0, -ENOENT when the line
 * is about another key, -EINVAL when malformed. */
int procfs__parse_field(const char *line, size_t len, const char *key,
			const char *unit, uint64_t *value);
/* <root>/PID/<name> (root NULL means "/proc") into a NUL-terminated
 * malloc'd buffer of at most max bytes. 0 or -errno (-ESRCH when the
 * process does not exist). */
int procfs__read_pid_file(const char *root, pid_t pid, const char *name,
			  size_t max, char **buf, size_t *len);
/* Whole file into a NUL-terminated malloc'd buffer (at most max bytes).
 * 0 or -errno. */
int procfs__read_file(const char *path, size_t max, char **buf, size_t *len);

#endif /* MT_PROCFS_H */
