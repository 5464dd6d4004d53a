/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Turns user addresses of a process into function+offset and module.
 * Process maps are snapshot at first sight (so a process that exits later
 * still symbolizes); ELF symbol tables are cached per file. */
#ifndef MT_SYMBOLIZE_H
#define MT_SYMBOLIZE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct symbolizer;

struct symbolizer_opts {
	size_t sz; /* sizeof(struct symbolizer_opts), for growth */
	/* Directory under which /proc lives; "/proc" when NULL (tests). */
	const char *procfs_root;
};

/* One result per input address. Strings live until symbolizer__free. */
struct sym_result {
	const char *symbol;	/* NULL when unresolved */
	uint64_t offset;	/* address - symbol start */
	const char *module;	/* ELF path as the process maps it, NULL if unmapped */
	uint64_t module_offset; /* file offset of the address in module */
	const char *reason;	/* when symbol is NULL: "unmapped", "no symbols",
				   "not in any symbol", "cannot open module", ... */
};

struct symbolizer *symbolizer__new(const struct symbolizer_opts *opts);
void symbolizer__free(struct symbolizer *s);

/* Snapshots /proc/PID/maps now (again if already cached). 0 or -errno. */
int symbolizer__cache_process(struct symbolizer *s, pid_t pid);
/* Drops the snapshot of pid (pid reuse). */
void symbolizer__forget_process(struct symbolizer *s, pid_t pid);
/* Resolves n addresses of process pid into results[0..n). Uses the
 * snapshot, taking one first if there is none. 0 or -errno (only when
 * nothing could be done, e.g. no snapshot and no such process); per-address
 * failures are results with a reason. */
int symbolizer__resolve(struct symbolizer *s, pid_t pid, const uint64_t *addrs,
			size_t n, struct sym_result *results);

#endif /* MT_SYMBOLIZE_H */
