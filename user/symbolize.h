/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Turns user addresses of a process into function+offset and module.
 * Process maps are snapshot at first sight (so a process that exits later
 * still symbolizes); ELF symbol tables are cached per file. */
#ifndef MT_SYMBOLIZE_H
#define MT_SYMBOLIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct symbolizer;

struct symbolizer_opts {
	size_t sz; /* sizeof(struct symbolizer_opts), for growth */
	/* Directory under which /proc lives; "/proc" when NULL (tests). */
	const char *procfs_root;
	/* --java: JVMs are asked for their perf map at report time (java.h) */
	bool java;
	/* where separate debug files live; "/usr/lib/debug" when NULL */
	const char *debug_root;
};

/* One result per input address. Strings live until symbolizer__free. */
struct sym_result {
	const char *symbol;	/* NULL when unresolved */
	uint64_t offset;	/* address - symbol start */
	const char *module;	/* path as the process maps it ("(deleted)"
				   removed; "[heap]" etc. for named anonymous
				   mappings); NULL if unmapped or anonymous */
	uint64_t module_offset; /* file offset of the address in module */
	const char *reason;	/* when symbol is NULL: "unmapped", "anonymous
				   mapping", "cannot open module", "not an ELF
				   file", "no symbols", "not in any symbol"
				   (and "... (stripped: .dynsym only, no debug
				   file)"); in JIT
				   code: "JIT or anonymous code without a perf
				   map", "JIT code not in the perf map",
				   "interpreted Java frame", ... */
	const char *file;	/* source file (DWARF), NULL when unknown */
	uint32_t line;		/* source line, 0 when unknown */
	const char *build_id;	/* module's GNU build ID in hex, NULL if none */
	const struct sym_inline *inlines; /* inlined calls at the address, */
	size_t ninlines;		  /* innermost first (see mt_frame) */
	/* about the module, resolved or not; NULL when nothing to say:
	 * "deleted or replaced since it was mapped; read through
	 * /proc/PID/map_files" */
	const char *module_note;
};

/* A function inlined at a resolved address. */
struct sym_inline {
	const char *symbol;
	const char *file;
	uint32_t line;
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

/* What the caches hold and cost, for tests and the exit report. */
struct symbolizer_stats {
	size_t processes;	/* snapshots held */
	size_t modules;		/* distinct files (device, inode) seen */
	size_t elf_loads;	/* attempts to open and parse one of them */
	size_t elf_failures;	/* attempts that failed */
};

/* True when pid's snapshot holds a perf map (JIT symbols). */
bool symbolizer__has_jit_map(const struct symbolizer *s, pid_t pid);
/* Whether opts asked for --java. */
bool symbolizer__java(const struct symbolizer *s);

void symbolizer__get_stats(const struct symbolizer *s, struct symbolizer_stats *st);

#endif /* MT_SYMBOLIZE_H */
