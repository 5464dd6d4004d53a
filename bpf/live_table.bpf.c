// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The outstanding allocations, (tgid, addr) -> record. Every traced malloc
 * inserts one and every free takes one, so this is the hottest map: a
 * slot array claimed by compare-and-swap costs a free about half of what
 * a hash map's delete does (the hash takes a bucket lock and recycles its
 * element through a per-CPU free list). The hash stays behind it for the
 * records whose MT_LIVE_PROBES slots were all taken. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "live_table.bpf.h"

/* slots in `live`: its max_entries, set by the loader */
const volatile __u32 live_slots = 262144;

/* records in live_overflow (an upper bound: user-space deletes lower it
 * after the fact). While it is 0, a free that finds no slot is done
 * without a hash lookup: most of those are blocks allocated before
 * tracing, or not sampled. */
__u64 overflow_live = 0;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE); /* user space walks and purges it in place */
	__uint(max_entries, 262144);	   /* resized by the loader */
	__type(key, __u32);
	__type(value, struct mt_live_slot);
} live SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536); /* resized by the loader */
	__type(key, struct mt_live_key);
	__type(value, struct mt_live_val);
} live_overflow SEC(".maps");

static __always_inline struct mt_live_slot *slot_at(__u32 first, __u32 i)
{
	__u32 idx = first + i;

	if (idx >= live_slots)
		idx -= live_slots;
	return bpf_map_lookup_elem(&live, &idx);
}

/* Copies the slot's record, then frees the slot if it still holds addr:
 * true for the one caller whose swap won. */
static __always_inline bool take_slot(struct mt_live_slot *s, __u64 addr,
				      struct mt_live_val *out)
{
	out->size = s->size;
	out->ts_ns = s->ts_ns;
	out->stack_id = s->stack_id;
	out->kind = s->kind;
	out->_pad = 0;
	return __sync_val_compare_and_swap(&s->addr, addr, MT_LIVE_EMPTY) == addr;
}

static __always_inline int take_overflow(__u32 tgid, __u64 addr, struct mt_live_val *out)
{
	struct mt_live_key key = { .tgid = tgid, .addr = addr };
	struct mt_live_val *v;

	v = bpf_map_lookup_elem(&live_overflow, &key);
	if (!v)
		return -1;
	*out = *v;
	if (bpf_map_delete_elem(&live_overflow, &key))
		return -1; /* a racing free deleted it: that one accounts */
	__sync_fetch_and_sub(&overflow_live, 1);
	return 0;
}

int mt_live_take(__u32 tgid, __u64 addr, struct mt_live_val *out)
{
	__u32 first = mt_live_slot(tgid, addr, live_slots), i;
	struct mt_live_slot *s;

	for (i = 0; i < MT_LIVE_PROBES; i++) {
		s = slot_at(first, i);
		if (s && s->addr == addr && s->tgid == tgid && take_slot(s, addr, out))
			return 0;
	}
	if (!overflow_live)
		return -1;
	return take_overflow(tgid, addr, out);
}

int mt_live_put(__u32 tgid, __u64 addr, const struct mt_live_val *val)
{
	__u32 first = mt_live_slot(tgid, addr, live_slots), i;
	struct mt_live_key key = { .tgid = tgid, .addr = addr };
	struct mt_live_slot *s, *mine = NULL;
	struct mt_live_val stale;
	int ret = 0;

	/* all the slots are looked at: a record of this address whose free
	 * went unseen may sit past an empty one */
	for (i = 0; i < MT_LIVE_PROBES; i++) {
		s = slot_at(first, i);
		if (!s)
			continue;
		if (s->addr == addr && s->tgid == tgid && take_slot(s, addr, &stale))
			ret = MT_LIVE_REPLACED;
		if (!mine && s->addr == MT_LIVE_EMPTY &&
		    __sync_val_compare_and_swap(&s->addr, MT_LIVE_EMPTY, MT_LIVE_BUSY) == MT_LIVE_EMPTY)
			mine = s;
	}
	if (!ret && overflow_live && !take_overflow(tgid, addr, &stale))
		ret = MT_LIVE_REPLACED;
	if (mine) {
		mine->tgid = tgid;
		mine->kind = val->kind;
		mine->size = val->size;
		mine->ts_ns = val->ts_ns;
		mine->stack_id = val->stack_id;
		/* publish last, with a full barrier: a reader that sees the
		 * address sees the record */
		__sync_lock_test_and_set(&mine->addr, addr);
		return ret;
	}
	if (bpf_map_update_elem(&live_overflow, &key, val, BPF_NOEXIST))
		return ret | MT_LIVE_FULL;
	__sync_fetch_and_add(&overflow_live, 1);
	return ret | MT_LIVE_OVERFLOWED;
}
