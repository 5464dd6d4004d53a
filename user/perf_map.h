/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* perf map files: the symbol table a JIT writes for code it generated
 * (/tmp/perf-PID.map; the JVM's `jcmd PID Compiler.perfmap`), one line per
 * code blob: "START SIZE NAME", START and SIZE in hex with or without 0x,
 * NAME the rest of the line (it may contain spaces). The file comes from
 * the traced process, so nothing in it is trusted: the work is bounded by
 * the limits below and garbage lines are skipped and counted. */
#ifndef MT_PERF_MAP_H
#define MT_PERF_MAP_H

#include <stddef.h>
#include <stdint.h>

#define PERF_MAP_MAX_BYTES	(256u << 20)	/* file size read at most */
#define PERF_MAP_MAX_LINE	4096		/* longer lines are skipped */
#define PERF_MAP_MAX_ENTRIES	(4u << 20)	/* entries kept at most */

struct perf_map;

struct perf_map_entry {
	uint64_t start, size;	/* [start, start + size) */
	const char *name;
};

/* Contract: parses the text buf[0..len) (need not be NUL-terminated) into
 * *out, which owns copies of the names. Malformed, empty-sized, wrapping
 * and overlong lines are skipped (perf_map__skipped); entries past the
 * limit are dropped and counted the same way. Where entries overlap, the
 * later line wins (a JIT reuses freed code space). 0 or -ENOMEM. */
int perf_map__parse(const char *buf, size_t len, struct perf_map **out);
/* Contract: reads the open file fd (a regular file of at most
 * PERF_MAP_MAX_BYTES, else -EFBIG / -EINVAL) and parses it. The caller
 * keeps fd. 0 or -errno. */
int perf_map__read_fd(int fd, struct perf_map **out);
/* Contract: perf_map__read_fd on path, opened without following a FIFO's
 * block. 0 or -errno (-ENOENT when there is no such file). */
int perf_map__load(const char *path, struct perf_map **out);
void perf_map__free(struct perf_map *pm);

/* The entry covering addr, or NULL. */
const struct perf_map_entry *perf_map__find(const struct perf_map *pm, uint64_t addr);
size_t perf_map__count(const struct perf_map *pm);
/* Lines that were not usable, or beyond PERF_MAP_MAX_ENTRIES. */
size_t perf_map__skipped(const struct perf_map *pm);

#endif /* MT_PERF_MAP_H */
