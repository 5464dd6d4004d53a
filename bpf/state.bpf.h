/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* BPF-only: the accounting API that state.bpf.c owns and every hook file
 * calls. Hooks decode their arguments; state.bpf.c owns the maps. */
#ifndef STATE_BPF_H
#define STATE_BPF_H

#include "memtrail.h"

/* Per-thread allocator-call state, kept in task storage so that it goes
 * away with the thread (no stale entry can mark a later thread "nested"). */
struct mt_thread {
	__u32 depth;	/* allocator calls in progress on this thread */
	__u32 func;	/* enum mt_func of the outermost call */
	__u64 size;	/* requested size of the outermost call */
	__u64 ptr;	/* realloc: old pointer; posix_memalign: out-pointer */
	struct mt_live_val old; /* realloc: the record taken off at entry */
	__u32 old_found;
	__u32 _pad;
};

/* Returns true when the hooks must not act on the current process. */
bool mt_skip_current(void) __hidden;

/* Adds to a per-CPU counter. */
void mt_stat_add(enum mt_stat stat, __s64 delta) __hidden;
void mt_stat_inc(enum mt_stat stat) __hidden;

/* Outermost-call bookkeeping. enter returns the thread state when this call
 * is the outermost allocator call (the one to record), NULL otherwise. */
struct mt_thread *mt_call_enter(__u32 func) __hidden;
/* Returns the thread state when the returning call is the outermost one. */
struct mt_thread *mt_call_exit(void) __hidden;
/* True while any allocator call is in progress on this thread. */
bool mt_in_call(void) __hidden;

/* Records an outstanding allocation at (tgid, addr) with the user stack of
 * the caller; ctx must be at the allocator's return. */
void mt_record_alloc(void *ctx, __u64 addr, __u64 size, __u32 kind) __hidden;
/* Removes the allocation at (tgid, addr); copies it to *taken when non-NULL.
 * Returns 0 when found, -1 otherwise (counted as unmatched when count_miss). */
int mt_record_free(__u64 addr, struct mt_live_val *taken, bool count_miss) __hidden;
/* Puts back an allocation taken by mt_record_free (a failed realloc). */
void mt_restore_alloc(__u64 addr, const struct mt_live_val *val) __hidden;

#endif /* STATE_BPF_H */
