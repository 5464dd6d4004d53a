// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The maps, knobs and accounting shared by every hook: stacks, page-fault
 * totals per stack, per-CPU counters, per-thread state; the records of
 * live allocations are kept by live_table.bpf.c. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "state.bpf.h"
#include "live_table.bpf.h"

/* errno values (kernel ABI); vmlinux.h has no macros */
#define E2BIG 7
#define EEXIST 17

/* Knobs set by the loader before load. */
const volatile __u32 self_tgid = 0;	  /* memtrail itself: never traced */
const volatile bool empty_programs = false; /* benchmark floor: hooks do nothing */
const volatile bool filter_tgids = false;  /* kernel hooks: only tgids in `targets` */
/* --cgroup: every hook acts only inside the cgroups in `target_cgroups`
 * (with their descendants), checked before any map write */
const volatile bool filter_cgroups = false;

/* Levels (depth below the cgroup2 root) at which `target_cgroups` holds
 * an id: one ancestor lookup per set bit. Written by user space. */
__u64 cgroup_levels = 0;
/* bumped by user space when it takes an instant that allocation times are
 * compared with (a serve window opens): threads read the clock afresh */
volatile __u64 clock_epoch = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct mt_stack_key);
	__type(value, struct mt_stack_val);
} fault_totals SEC(".maps"); /* 1 entry unless faults are traced (the loader) */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384); /* resized by the loader */
	__type(key, __u64);
	__type(value, struct mt_stack);
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MT_STAT__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

/* the processes kernel hooks act on (when filter_tgids), set by user space */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u8);
} targets SEC(".maps");

/* cgroup2 ids (directory inodes) whose processes are traced (filter_cgroups) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u8);
} target_cgroups SEC(".maps");

bool mt_in_target_cgroup(void)
{
	__u64 levels = cgroup_levels, id;
	int level;

	for (level = 0; level < MT_CGROUP_MAX_LEVEL; level++) {
		if (!(levels & (1ULL << level)))
			continue;
		id = bpf_get_current_ancestor_cgroup_id(level);
		if (id && bpf_map_lookup_elem(&target_cgroups, &id))
			return true;
	}
	return false;
}

bool mt_cgroup_is_target(struct cgroup *cgrp)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 levels = cgroup_levels, id;
	struct cgroup *anc;
	int level, depth;

	if (!filter_cgroups || !bpf_core_field_exists(cgrp->ancestors))
		return false;
	/* a move in a cgroup v1 hierarchy: another tree, other ids */
	if (BPF_CORE_READ(cgrp, root) != BPF_CORE_READ(task, cgroups, dfl_cgrp, root))
		return false;
	depth = BPF_CORE_READ(cgrp, level);
	for (level = 0; level < MT_CGROUP_MAX_LEVEL && level <= depth; level++) {
		if (!(levels & (1ULL << level)))
			continue;
		if (bpf_core_read(&anc, sizeof(anc), &cgrp->ancestors[level]) || !anc)
			continue;
		id = BPF_CORE_READ(anc, kn, id);
		if (bpf_map_lookup_elem(&target_cgroups, &id))
			return true;
	}
	return false;
}

bool mt_skip_current(void)
{
	if (empty_programs)
		return true;
	if ((__u32)(bpf_get_current_pid_tgid() >> 32) == self_tgid)
		return true;
	/* probes are attached per member pid; this catches a process that
	 * left the cgroup while its probes were still in */
	return filter_cgroups && !mt_in_target_cgroup();
}

bool mt_traced_current(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (empty_programs || tgid == self_tgid)
		return false;
	if (filter_cgroups)
		return mt_in_target_cgroup();
	return !filter_tgids || bpf_map_lookup_elem(&targets, &tgid);
}

bool mt_follow_fork(__u32 parent_tgid, __u32 child_tgid)
{
	__u8 one = 1;

	if (empty_programs || parent_tgid == self_tgid)
		return false;
	if (filter_cgroups)
		return mt_in_target_cgroup(); /* the child starts in its parent's cgroup */
	if (!filter_tgids || !bpf_map_lookup_elem(&targets, &parent_tgid))
		return false;
	/* pid tracking (cgroup v1): the child is a target from its first
	 * instruction on, for the kernel hooks at least */
	bpf_map_update_elem(&targets, &child_tgid, &one, BPF_ANY);
	return true;
}

/* inlined where the call chain is deep (the unwinder: BPF allows 8 frames) */
static __always_inline void stat_add(enum mt_stat stat, __s64 delta)
{
	__u32 key = stat;
	__u64 *val = bpf_map_lookup_elem(&stats, &key);

	/* per CPU, user space sums them; atomic all the same: where the
	 * kernel preempts BPF programs, another thread's add on this CPU
	 * may come between a read and its write */
	if (val)
		__sync_fetch_and_add(val, delta);
}

void mt_stat_add(enum mt_stat stat, __s64 delta)
{
	stat_add(stat, delta);
}

void mt_stat_inc(enum mt_stat stat)
{
	stat_add(stat, 1);
}

bool mt_call_enter(struct mt_thread *t, __u32 func)
{
	if (t->depth++ > 0) {
		mt_stat_inc(MT_STAT_NESTED);
		return false;
	}
	t->func = func;
	t->old_found = 0;
	return true;
}

struct mt_thread *mt_call_exit(void)
{
	struct mt_thread *t;

	t = mt_thread_state(false);
	/* depth 0: the entry ran before we attached; nothing to match */
	if (!t || t->depth == 0)
		return NULL;
	if (--t->depth > 0)
		return NULL;
	return t;
}

bool mt_in_call(void)
{
	struct mt_thread *t;

	t = mt_thread_state(false);
	return t && t->depth > 0;
}

/* The fault totals of (tgid, stack), created at zero; NULL when the map
 * is full. */
static struct mt_stack_val *fault_totals_of(__u32 tgid, __u64 stack_id)
{
	struct mt_stack_key key = { .tgid = tgid, .kind = MT_KIND_FAULT, .stack_id = stack_id };
	struct mt_stack_val *val, zero = {};
	int err; /* an int: 6.1 returns the error zero-extended to 64 bits */

	val = bpf_map_lookup_elem(&fault_totals, &key);
	if (val)
		return val;
	err = bpf_map_update_elem(&fault_totals, &key, &zero, BPF_NOEXIST);
	if (err && err != -EEXIST) /* -EEXIST: another CPU created it first */
		return NULL;
	return bpf_map_lookup_elem(&fault_totals, &key);
}

static void add_to(struct mt_stack_val *val, __s64 bytes, __s64 allocs)
{
	__sync_fetch_and_add(&val->bytes, bytes);
	__sync_fetch_and_add(&val->allocs, allocs);
}

static __u64 hash_stack(const struct mt_stack *st)
{
	__u64 h = 0x9e3779b97f4a7c15ULL ^ st->nframes ^ ((__u64)st->flags << 32);
	__u32 i;

	for (i = 0; i < MT_STACK_DEPTH && i < st->nframes; i++) {
		h ^= st->ips[i];
		h *= 0xff51afd7ed558ccdULL;
		h ^= h >> 33;
	}
	return h != MT_STACK_LOST ? h : 1;
}

static bool same_stack(const struct mt_stack *a, const struct mt_stack *b)
{
	__u32 i;

	if (a->nframes != b->nframes || a->flags != b->flags)
		return false;
	for (i = 0; i < MT_STACK_DEPTH && i < a->nframes; i++)
		if (a->ips[i] != b->ips[i])
			return false;
	return true;
}

#include "unwind.bpf.h"

/* Per thread, in one task-storage element: its allocator call in
 * progress and its stack scratch (unwind.bpf.h). */
struct thread_state {
	struct mt_thread call;
	struct stack_scratch scratch;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct thread_state);
} threads SEC(".maps");

/* Creating task storage can fail: where the kernel preempts BPF programs
 * (preempt=full), while another task on this CPU is preempted inside a
 * task-storage call (a per-CPU busy count), or when the per-CPU cache of
 * its 4 KiB elements runs dry in a burst of new threads. Such a thread
 * keeps its state here, by thread id, until a later call of it creates
 * the element and takes the state over (a call in progress included).
 * Preallocated: neither cause applies to it. */
struct thread_fallback {
	struct thread_state ts;
	__u64 start_ns;	/* task start_time: a reused thread id is another thread */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct thread_fallback);
} thread_fallbacks SEC(".maps");

/* entries in thread_fallbacks: 0 spares every thread the lookup */
__s64 fallback_threads = 0;
/* source of a fresh fallback entry's zeroes */
static const struct thread_fallback fallback_zero;

/* tests: each thread's first creation fails, as a busy count makes it */
const volatile bool test_refuse_first_storage = false;

static struct thread_fallback *fallback_of(struct task_struct *task)
{
	__u32 tid = task->pid;
	struct thread_fallback *f;

	f = bpf_map_lookup_elem(&thread_fallbacks, &tid);
	return f && f->start_ns == task->start_time ? f : NULL;
}

static void drop_fallback(__u32 tid)
{
	if (!bpf_map_delete_elem(&thread_fallbacks, &tid))
		__sync_fetch_and_add(&fallback_threads, -1);
}

/* The thread's state when task storage could not be created: its own
 * entry, replacing one a dead thread of the same id left. */
static struct mt_thread *fallback_create(struct task_struct *task)
{
	__u32 tid = task->pid;
	struct thread_fallback *f;
	bool replacing;

	/* Before 6.2 a busy count fails lookups as well: a thread that has
	 * its element must not begin a second state here, or a call would be
	 * split between the two. Any task storage at all (ours, or another
	 * tool's) and the call is dropped, counted. */
	if (BPF_CORE_READ(task, bpf_storage))
		return NULL;
	replacing = bpf_map_lookup_elem(&thread_fallbacks, &tid) != NULL;
	if (bpf_map_update_elem(&thread_fallbacks, &tid, &fallback_zero, BPF_ANY))
		return NULL; /* full: the caller counts no_thread_state */
	f = bpf_map_lookup_elem(&thread_fallbacks, &tid);
	if (!f)
		return NULL;
	f->start_ns = task->start_time;
	f->ts.call.settled = 1;
	if (!replacing)
		__sync_fetch_and_add(&fallback_threads, 1);
	mt_stat_inc(MT_STAT_THREAD_FALLBACKS);
	return &f->ts.call;
}

/* A fresh element: the thread's fallback state, if it has one, moves in
 * (a call in progress keeps its depth); the stack scratch starts empty. */
static void settle(struct thread_state *ts, struct task_struct *task)
{
	struct thread_fallback *f;

	ts->call.settled = 1;
	if (!fallback_threads || !(f = fallback_of(task)))
		return;
	ts->call = f->ts.call;
	drop_fallback(task->pid);
}

struct mt_thread *mt_thread_state(bool create)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct thread_fallback *f;
	struct thread_state *ts;
	__u64 flags = create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0;

	if (test_refuse_first_storage && create && !fallback_of(task) &&
	    !bpf_task_storage_get(&threads, task, 0, 0))
		flags = 0;
	ts = bpf_task_storage_get(&threads, task, 0, flags);
	if (ts) {
		if (!ts->call.settled)
			settle(ts, task);
		return &ts->call;
	}
	if (fallback_threads && (f = fallback_of(task)))
		return &f->ts.call;
	return create ? fallback_create(task) : NULL;
}

void mt_thread_exit(struct task_struct *task)
{
	if (fallback_threads)
		drop_fallback(task->pid);
}

/* Where a stack is taken. */
enum stack_from {
	FROM_RETURN,	/* ctx: the user registers at an allocator's return (uprobe) */
	FROM_SYSCALL,	/* a hook of a syscall made from user mode */
	FROM_FAULT,	/* a hook of a page fault taken in user mode */
};

/* Reads the user stack and returns its id, storing it on first sight.
 * memtrail's unwinder walks it from the user registers: ctx's at a
 * return, else the task's own (saved on kernel entry), and a syscall
 * that came through a libc wrapper (first_ip: its caller, non-zero)
 * starts at the wrapper's caller. --unwind kernel (or no saved registers)
 * takes the kernel's frame-pointer walk, where first_ip replaces the
 * innermost frame. */
static __always_inline __u64 read_stack(void *ctx, __u64 first_ip, enum stack_from from,
					 struct stack_scratch *s)
{
	struct mt_stack *st = &s->st, *known;
	struct pt_regs *regs = NULL;
	long len;
	__u64 id;

	s->win_len = 0; /* what an earlier read left there is stale */
	if (unwind_mode != MT_UNWIND_KERNEL && from != FROM_RETURN)
		regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	if (unwind_mode != MT_UNWIND_KERNEL && from == FROM_RETURN) {
		struct pt_regs *r = ctx;
		__u64 ip = PT_REGS_IP(r), sp = PT_REGS_SP(r), bp = PT_REGS_FP(r);

		/* read once: clang would otherwise read ctx at offsets the
		 * verifier refuses */
		asm volatile("" : "+r"(ip), "+r"(sp), "+r"(bp));
		id = unwind_replay(s, ip, sp, bp);
		if (id)
			return id;
		unwind_user(ip, sp, bp, 0, s);
	} else if (regs) {
		unwind_user(BPF_CORE_READ(regs, ip), BPF_CORE_READ(regs, sp),
			    BPF_CORE_READ(regs, bp),
			    UNWIND_EXACT | (first_ip ? UNWIND_SKIP1 : 0), s);
		if (first_ip && st->nframes && st->ips[0] != first_ip) {
			/* the walk out of the wrapper went elsewhere */
			st->ips[0] = first_ip;
			if (!(st->flags & MT_STACK_PARTIAL))
				mt_stat_inc(MT_STAT_STACK_PARTIAL);
			st->flags |= MT_STACK_PARTIAL;
		}
	} else {
		len = bpf_get_stack(ctx, st->ips, sizeof(st->ips), BPF_F_USER_STACK);
		if (len <= 0) {
			mt_stat_inc(MT_STAT_DROP_STACK_ERROR);
			return MT_STACK_LOST;
		}
		st->nframes = len / sizeof(st->ips[0]);
		st->flags = 0;
		if (first_ip)
			st->ips[0] = first_ip;
	}
	id = hash_stack(st);

	known = bpf_map_lookup_elem(&stacks, &id);
	if (!known) {
		int err = bpf_map_update_elem(&stacks, &id, st, BPF_NOEXIST); /* see fault_totals_of */

		if (!err)
			goto stored;
		if (err != -EEXIST) { /* -EEXIST: another CPU stored it first */
			mt_stat_inc(err == -E2BIG ? MT_STAT_DROP_STACKS_FULL
						  : MT_STAT_DROP_STACK_STORE);
			return MT_STACK_LOST;
		}
		known = bpf_map_lookup_elem(&stacks, &id);
		if (!known)
			return MT_STACK_LOST;
	}
	/* the whole stack, not just the hash: a collision is counted, never
	 * a reason to charge one stack's bytes to another */
	if (!same_stack(known, st)) {
		mt_stat_inc(MT_STAT_DROP_STACK_COLLISION);
		return MT_STACK_LOST;
	}
stored:
	if (unwind_mode != MT_UNWIND_KERNEL && from == FROM_RETURN)
		unwind_replay_keep(s, id);
	return id;
}

/* The element a thread's call state lies in (it is the element's first
 * member): a caller that holds the one need not look the other up. */
_Static_assert(__builtin_offsetof(struct thread_state, call) == 0, "call first");

static struct thread_state *thread_of(struct mt_thread *t)
{
	return (struct thread_state *)t;
}

/* read_stack with the thread's scratch: ts's, or (NULL) the thread's own,
 * wherever mt_thread_state keeps it (created if need be) */
static __u64 store_stack(void *ctx, __u64 first_ip, enum stack_from from,
			 struct thread_state *ts)
{
	struct mt_thread *t;

	if (!ts) {
		t = mt_thread_state(true);
		ts = t ? thread_of(t) : NULL;
	}
	if (!ts) {
		mt_stat_inc(MT_STAT_DROP_NO_TASK_STATE);
		return MT_STACK_LOST;
	}
	return read_stack(ctx, first_ip, from, &ts->scratch);
}

__u64 mt_stack_id(void *ctx, __u64 first_ip)
{
	return store_stack(ctx, first_ip, FROM_SYSCALL, NULL);
}

void mt_count_fault(void *ctx, __u64 bytes)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct mt_stack_val *totals;

	totals = fault_totals_of(tgid, store_stack(ctx, 0, FROM_FAULT, NULL));
	if (!totals) {
		mt_stat_inc(MT_STAT_DROP_TOTALS_FULL);
		return;
	}
	add_to(totals, bytes, 1);
	mt_stat_inc(MT_STAT_FAULTS);
}

/* Records val at (tgid, addr); a record found there already lost its free
 * (freed through a path we do not see): it is retired. false: no room. */
static bool put_live(__u32 tgid, __u64 addr, const struct mt_live_val *val)
{
	int ret = mt_live_put(tgid, addr, val);

	if (ret & MT_LIVE_REPLACED)
		mt_stat_inc(MT_STAT_INFERRED_FREES);
	if (ret & MT_LIVE_FULL) {
		mt_stat_inc(MT_STAT_DROP_LIVE_FULL);
		return false;
	}
	if (ret & MT_LIVE_OVERFLOWED)
		mt_stat_inc(MT_STAT_LIVE_OVERFLOWS);
	return true;
}

/* An allocation's time: the thread's last clock reading, while jiffies
 * and clock_epoch have not moved since (bpf_ktime_get_ns costs ~65 ns
 * here, bpf_jiffies64 next to nothing). So a time is early by less than a
 * tick, never earlier than an instant user space marked before the
 * allocation, nor than an exec of the thread (mt_clock_reset). */
static __u64 alloc_time(struct mt_thread *t)
{
	__u64 j = bpf_jiffies64(), epoch = clock_epoch;

	if (j != t->clock_jiffies || epoch != t->clock_epoch) {
		t->clock_ns = bpf_ktime_get_ns();
		t->clock_jiffies = j;
		t->clock_epoch = epoch;
	}
	return t->clock_ns;
}

/* jiffies64 starts at 2^32 - 300 * HZ, and is never 0 after */
void mt_clock_reset(void)
{
	struct mt_thread *t = mt_thread_state(false);

	if (t)
		t->clock_jiffies = 0;
}

void mt_record_alloc(void *ctx, struct mt_thread *t, __u64 addr, __u64 size, __u32 kind)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct mt_live_val val = { .size = size, .kind = kind };

	val.stack_id = store_stack(ctx, 0, FROM_RETURN, thread_of(t));
	val.ts_ns = alloc_time(t);
	if (put_live(tgid, addr, &val))
		mt_stat_inc(MT_STAT_ALLOCS);
}

int mt_record_free(__u64 addr, struct mt_live_val *taken, bool count_miss)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct mt_live_val copy;

	if (mt_live_take(tgid, addr, &copy)) {
		if (count_miss)
			mt_stat_inc(MT_STAT_UNMATCHED_FREES);
		return -1;
	}
	mt_stat_inc(MT_STAT_FREES);
	if (taken)
		*taken = copy;
	return 0;
}

void mt_restore_alloc(__u64 addr, const struct mt_live_val *val)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (put_live(tgid, addr, val))
		mt_stat_add(MT_STAT_FREES, -1); /* the free counted at entry did not happen */
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
