// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The maps, knobs and accounting shared by every hook: live allocations,
 * outstanding totals per stack, stacks, per-CPU counters. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "state.bpf.h"

/* errno values (kernel ABI); vmlinux.h has no macros */
#define E2BIG 7
#define EEXIST 17

/* Knobs set by the loader before load. */
const volatile __u32 self_tgid = 0;	  /* memtrail itself: never traced */
const volatile bool empty_programs = false; /* benchmark floor: hooks do nothing */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 262144); /* resized by the loader */
	__type(key, struct mt_live_key);
	__type(value, struct mt_live_val);
} live SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct mt_stack_key);
	__type(value, struct mt_stack_val);
} by_stack SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 16384);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, MT_STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MT_STAT__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct mt_thread);
} threads SEC(".maps");

bool mt_skip_current(void)
{
	if (empty_programs)
		return true;
	return (__u32)(bpf_get_current_pid_tgid() >> 32) == self_tgid;
}

void mt_stat_add(enum mt_stat stat, __s64 delta)
{
	__u32 key = stat;
	__u64 *val = bpf_map_lookup_elem(&stats, &key);

	if (val)
		*val += delta; /* per-CPU: no atomic needed; user space sums CPUs */
}

void mt_stat_inc(enum mt_stat stat)
{
	mt_stat_add(stat, 1);
}

struct mt_thread *mt_call_enter(__u32 func)
{
	struct mt_thread *t;

	t = bpf_task_storage_get(&threads, bpf_get_current_task_btf(), 0,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!t) {
		mt_stat_inc(MT_STAT_DROP_NO_TASK_STATE);
		return NULL;
	}
	if (t->depth++ > 0) {
		mt_stat_inc(MT_STAT_NESTED);
		return NULL;
	}
	t->func = func;
	t->old_found = 0;
	return t;
}

struct mt_thread *mt_call_exit(void)
{
	struct mt_thread *t;

	t = bpf_task_storage_get(&threads, bpf_get_current_task_btf(), 0, 0);
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

	t = bpf_task_storage_get(&threads, bpf_get_current_task_btf(), 0, 0);
	return t && t->depth > 0;
}

static void add_to_stack(__u32 tgid, __s32 stack_id, __u32 kind, __s64 bytes,
			 __s64 allocs)
{
	struct mt_stack_key key = { .tgid = tgid, .stack_id = stack_id, .kind = kind };
	struct mt_stack_val *val, zero = {};

	val = bpf_map_lookup_elem(&by_stack, &key);
	if (!val) {
		if (allocs < 0)
			return; /* purged while the free was in flight */
		bpf_map_update_elem(&by_stack, &key, &zero, BPF_NOEXIST);
		val = bpf_map_lookup_elem(&by_stack, &key);
		if (!val)
			return;
	}
	__sync_fetch_and_add(&val->bytes, bytes);
	__sync_fetch_and_add(&val->allocs, allocs);
}

static bool stack_room(__u32 tgid, __s32 stack_id, __u32 kind)
{
	struct mt_stack_key key = { .tgid = tgid, .stack_id = stack_id, .kind = kind };
	struct mt_stack_val zero = {};

	if (bpf_map_lookup_elem(&by_stack, &key))
		return true;
	/* -EEXIST: another CPU created it first, which is fine */
	return bpf_map_update_elem(&by_stack, &key, &zero, BPF_NOEXIST) != -E2BIG;
}

void mt_record_alloc(void *ctx, __u64 addr, __u64 size, __u32 kind)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct mt_live_key key = { .tgid = tgid, .addr = addr };
	struct mt_live_val val = { .size = size, .kind = kind };
	struct mt_live_val *stale;
	long id;

	/* No BPF_F_REUSE_STACKID: a bucket holding another stack fails with
	 * -EEXIST instead of silently renaming that stack. */
	id = bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK);
	if (id < 0) {
		mt_stat_inc(id == -EEXIST ? MT_STAT_DROP_STACK_COLLISION
					  : MT_STAT_DROP_STACK_ERROR);
		id = MT_STACK_LOST;
	}
	val.stack_id = id;
	val.ts_ns = bpf_ktime_get_ns();

	if (!stack_room(tgid, val.stack_id, kind)) {
		mt_stat_inc(MT_STAT_DROP_STACK_FULL);
		return;
	}
	/* The address came back without a free we saw (e.g. freed through an
	 * untraced path): the old record is gone, undo its totals. */
	stale = bpf_map_lookup_elem(&live, &key);
	if (stale) {
		add_to_stack(tgid, stale->stack_id, stale->kind, -(__s64)stale->size, -1);
		mt_stat_inc(MT_STAT_STALE_REPLACED);
	}
	if (bpf_map_update_elem(&live, &key, &val, BPF_ANY)) {
		mt_stat_inc(MT_STAT_DROP_LIVE_FULL);
		if (stale)
			bpf_map_delete_elem(&live, &key);
		return;
	}
	add_to_stack(tgid, val.stack_id, kind, size, 1);
	mt_stat_inc(MT_STAT_ALLOCS);
}

int mt_record_free(__u64 addr, struct mt_live_val *taken, bool count_miss)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct mt_live_key key = { .tgid = tgid, .addr = addr };
	struct mt_live_val *val;
	struct mt_live_val copy;

	val = bpf_map_lookup_elem(&live, &key);
	if (!val) {
		if (count_miss)
			mt_stat_inc(MT_STAT_UNMATCHED_FREES);
		return -1;
	}
	copy = *val;
	/* Only the deleter accounts, so two racing frees cannot both subtract. */
	if (bpf_map_delete_elem(&live, &key)) {
		if (count_miss)
			mt_stat_inc(MT_STAT_UNMATCHED_FREES);
		return -1;
	}
	add_to_stack(tgid, copy.stack_id, copy.kind, -(__s64)copy.size, -1);
	mt_stat_inc(MT_STAT_FREES);
	if (taken)
		*taken = copy;
	return 0;
}

void mt_restore_alloc(__u64 addr, const struct mt_live_val *val)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct mt_live_key key = { .tgid = tgid, .addr = addr };
	struct mt_live_val copy = *val;

	if (bpf_map_update_elem(&live, &key, &copy, BPF_NOEXIST)) {
		mt_stat_inc(MT_STAT_DROP_LIVE_FULL);
		return;
	}
	add_to_stack(tgid, copy.stack_id, copy.kind, copy.size, 1);
	mt_stat_add(MT_STAT_FREES, -1); /* the free counted at entry did not happen */
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
