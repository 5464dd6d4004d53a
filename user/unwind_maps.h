/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The unwind tables in the BPF maps: one table per file (device, inode),
 * shared by every process that maps it, in one pool of rows; loaded when
 * a traced process is seen with the file (at attach from its maps, for a
 * command's libraries before it runs, and when the BPF unwinder meets a
 * file without a table: MT_EV_UNWIND_MISS), dropped when the last process
 * known to map it has exited. */
#ifndef MT_UNWIND_MAPS_H
#define MT_UNWIND_MAPS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/types.h>
#include "memtrail.h"

struct unwind_maps;

/* --unwind-file: the unwinder for one file, whatever --unwind says */
struct unwind_override {
	const char *file;	/* a path (with a '/'), or a file name */
	enum mt_unwind_mode mode; /* MT_UNWIND_FP, _DWARF or _AUTO */
};

#define UNWIND_MAX_OVERRIDES 16

/* The BPF walker runs in auto mode when there are overrides: each file's
 * entry then says how its frames are walked (rows, frame pointers). */
struct unwind_maps_opts {
	size_t sz;
	enum mt_unwind_mode mode;	/* FP: flags only, no rows */
	const struct unwind_override *overrides; /* n_overrides of them */
	size_t n_overrides;
	int rows_fd, files_fd;		/* the unwind_rows and unwind_files maps */
	int proc_vmas_fd;		/* unwind_proc_vmas: entries go at exit */
	uint32_t max_rows;		/* unwind_rows' size */
};

struct unwind_maps_stats {
	size_t files;		/* files with an entry */
	size_t rows;		/* rows in use */
	uint64_t code_bytes;	/* code the loaded rows cover */
	size_t failed;		/* files that could not be read or did not fit */
};

/* NULL with errno set. */
struct unwind_maps *unwind_maps__new(const struct unwind_maps_opts *opts);
void unwind_maps__free(struct unwind_maps *u);

/* Loads the tables of every executable file mapping of pid (from
 * /proc/PID/maps, files opened through /proc/PID/map_files). 0 or -errno. */
int unwind_maps__add_pid(struct unwind_maps *u, pid_t pid);
/* Loads the table of the file at path for pid (before pid maps it).
 * 0 or -errno. */
int unwind_maps__add_path(struct unwind_maps *u, const char *path, pid_t pid);
/* A file the BPF unwinder asked for. */
void unwind_maps__on_miss(struct unwind_maps *u, const struct mt_unwind_miss *ev);
/* pid is gone: its files lose it, and the tables
 * of files no traced process maps any longer go. */
void unwind_maps__forget_pid(struct unwind_maps *u, pid_t pid);
void unwind_maps__stats(const struct unwind_maps *u, struct unwind_maps_stats *st);

#endif /* MT_UNWIND_MAPS_H */
