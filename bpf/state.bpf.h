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
	__u32 unsampled;	/* --sample: the outermost call is not recorded */
	__s64 sample_left;	/* --sample: bytes until this thread's next sample */
	__u32 sample_armed;	/* sample_left has been drawn */
	__u32 settled;		/* set on first use: a fresh element takes over the
				   thread's fallback state (state.bpf.c) */
	/* kernel hooks: the mmap-family syscall in progress on this thread */
	__u64 wrapper_sp;	/* user sp at a libc syscall wrapper's entry: *sp is its caller */
	__u64 sys_len;		/* mmap: length; mremap: new length; brk: break before */
	__u64 sys_old_len;	/* mremap: old length */
	__u32 sys_nr;		/* syscall number, 0: none in progress */
	__u32 sys_flags;	/* MT_VM_* flags decided at entry */
	/* the allocation clock (state.bpf.c: alloc_time) */
	__u64 clock_jiffies;	/* jiffies when clock_ns was read; 0: read it afresh */
	__u64 clock_ns;		/* bpf_ktime_get_ns() then */
	__u64 clock_epoch;	/* clock_epoch then */
};

/* The ring every event goes through, in kernel order (defined in
 * process_hooks.bpf.c; other files declare it with this). */
#define MT_EVENTS_RING							\
	struct {							\
		__uint(type, BPF_MAP_TYPE_RINGBUF);			\
		__uint(max_entries, 1024 * 1024);			\
	} events SEC(".maps")

/* Returns true when the hooks must not act on the current process. */
bool mt_skip_current(void) __hidden;
/* Kernel hooks fire for every process: true when the current one is a
 * target (uprobes are attached per target, so they need no filter). */
bool mt_traced_current(void) __hidden;
/* True when the current task is in one of the target cgroups (or below). */
bool mt_in_target_cgroup(void) __hidden;
/* True when cgrp (on the cgroup2 tree) is a target cgroup or below one. */
bool mt_cgroup_is_target(struct cgroup *cgrp) __hidden;
/* A process forked: true when the child is a member of the target (and
 * must be announced to user space); with pid tracking it becomes a target
 * here. */
bool mt_follow_fork(__u32 parent_tgid, __u32 child_tgid) __hidden;
/* The current thread's state, created when create is set; NULL if none. */
struct mt_thread *mt_thread_state(bool create) __hidden;
/* A thread exits: its fallback state (if any) goes with it. */
void mt_thread_exit(struct task_struct *task) __hidden;

/* Adds to a per-CPU counter. */
void mt_stat_add(enum mt_stat stat, __s64 delta) __hidden;
void mt_stat_inc(enum mt_stat stat) __hidden;

/* Outermost-call bookkeeping on the thread's state t (mt_thread_state's).
 * enter returns true when this call is the outermost allocator call (the
 * one to record). */
bool mt_call_enter(struct mt_thread *t, __u32 func) __hidden;
/* Returns the thread state when the returning call is the outermost one. */
struct mt_thread *mt_call_exit(void) __hidden;
/* True while any allocator call is in progress on this thread. */
bool mt_in_call(void) __hidden;

/* Reads, stores and returns the id of the user stack of the current
 * syscall (MT_STACK_LOST when it cannot be kept, counted). first_ip, when
 * non-zero, is the caller of the frameless libc wrapper the syscall came
 * through: the stack starts there. */
__u64 mt_stack_id(void *ctx, __u64 first_ip) __hidden;
/* Adds a resident page to the current stack's "fault" totals. */
void mt_count_fault(void *ctx, __u64 bytes) __hidden;

/* Records an outstanding allocation at (tgid, addr) with the user stack of
 * the caller; ctx must be at the allocator's return, t the thread's call
 * state (mt_call_exit's: its stack scratch lies beside it). */
void mt_record_alloc(void *ctx, struct mt_thread *t, __u64 addr, __u64 size,
		     __u32 kind) __hidden;
/* Removes the allocation at (tgid, addr); copies it to *taken when non-NULL.
 * Returns 0 when found, -1 otherwise (counted as unmatched when count_miss). */
int mt_record_free(__u64 addr, struct mt_live_val *taken, bool count_miss) __hidden;
/* Puts back an allocation taken by mt_record_free (a failed realloc). */
void mt_restore_alloc(__u64 addr, const struct mt_live_val *val) __hidden;

/* Invalidates the thread's allocation clock: an exec, after which its
 * allocations must be stamped later than the exec event. */
void mt_clock_reset(void) __hidden;

#endif /* STATE_BPF_H */
