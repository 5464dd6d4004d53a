/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The mappings traced processes made while traced, per process, as ranges
 * with the stack that mapped them. Fed the BPF side's ordered stream of
 * mmap/munmap/mremap/brk events; follows splits (partial unmaps), unmaps
 * spanning several mappings, moves and growth. Pure bookkeeping: no BPF,
 * no I/O, so tests drive it with hand-made events. */
#ifndef MT_VM_MAP_H
#define MT_VM_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/types.h>
#include "memtrail.h"

struct vm_range {
	uint64_t start, end;	/* [start, end), page-aligned */
	uint64_t stack_id;	/* who mapped it (MT_STACK_LOST: not kept) */
	uint64_t ts_ns;		/* when */
	uint64_t call;		/* the call that mapped it: pieces of a split share it */
	uint32_t flags;		/* MT_VM_INTERNAL, MT_VM_ANON, MT_VM_SHARED */
};

struct vm_map;

struct vm_map *vm_map__new(void);
void vm_map__free(struct vm_map *m);

/* Applies one event (struct mt_vm_event). 0, or -ENOMEM (the map is then
 * still consistent; the change is counted as lost). */
int vm_map__apply(struct vm_map *m, const struct mt_vm_event *ev);
/* Forgets a process (it exited, or exec replaced its address space). */
void vm_map__forget(struct vm_map *m, pid_t pid);
/* The ranges of pid, sorted by start, not overlapping; NULL when none. */
const struct vm_range *vm_map__ranges(const struct vm_map *m, pid_t pid, size_t *n);
/* The processes that have ranges: pids[0..n) into *pids (malloc'd). */
int vm_map__pids(const struct vm_map *m, pid_t **pids, size_t *n);
/* Changes that could not be followed (out of memory, an END without its
 * BEGIN): the report counts them as drops. */
uint64_t vm_map__lost(const struct vm_map *m);

/* "anon_private", "anon_shared", "file_private", "file_shared" */
const char *vm_range__mapping(uint32_t flags);

#endif /* MT_VM_MAP_H */
