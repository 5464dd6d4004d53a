/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The kernel's own memory figures of a process: the memory lines of
 * /proc/PID/status, /proc/PID/smaps_rollup and the per-mapping blocks of
 * /proc/PID/smaps. Parsers take a buffer so tests can feed fixtures; readers
 * take a pid and a procfs root (NULL: "/proc"). Every size is in bytes. */
#ifndef MT_SMAPS_H
#define MT_SMAPS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "procfs.h"

/* /proc/PID/status: VmRSS = RssAnon + RssFile + RssShmem. */
struct smaps_status {
	uint64_t vm_rss, rss_anon, rss_file, rss_shmem, vm_swap;
};

/* /proc/PID/smaps_rollup: the sums over all mappings, with proportional
 * shares (Pss) that split pages shared with other processes. */
struct smaps_rollup {
	uint64_t rss, pss, pss_anon, pss_file, pss_shmem, anon_huge;
};

/* One mapping of /proc/PID/smaps. */
struct smaps_vma {
	struct proc_map map;	/* the maps line that heads the block */
	uint64_t size;		/* end - start */
	uint64_t rss;		/* resident: present pages, the zero page excepted */
	uint64_t anonymous;	/* resident anonymous pages (COW copies of a
				   private file mapping are anonymous) */
	uint64_t swap;
};

struct smaps {
	struct smaps_vma *vmas;	/* in address order, as the kernel prints them */
	size_t n;
	size_t skipped;		/* mappings past max_vmas: not parsed */
};

/* Each returns 0 or -errno: -EINVAL on a malformed line, -ENODATA when a
 * line the figures need is missing (status of a kernel thread or zombie has
 * no VmRSS). Lines they do not know are skipped. */
int smaps__parse_status(const char *buf, size_t len, struct smaps_status *out);
int smaps__parse_rollup(const char *buf, size_t len, struct smaps_rollup *out);
/* Parses at most max_vmas mappings (0: no limit) and counts the rest in
 * out->skipped. */
int smaps__parse(const char *buf, size_t len, size_t max_vmas, struct smaps *out);
void smaps__free(struct smaps *s);

/* The same from <root>/PID/...; -ESRCH when the process does not exist. */
int smaps__read_status(const char *root, pid_t pid, struct smaps_status *out);
int smaps__read_rollup(const char *root, pid_t pid, struct smaps_rollup *out);
int smaps__read(const char *root, pid_t pid, size_t max_vmas, struct smaps *out);

#endif /* MT_SMAPS_H */
