// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Resident memory: pages first touched per user stack (page faults), and
 * each process's RSS counters as the kernel keeps them (kmem:rss_stat). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "state.bpf.h"

#define PF_PROT 0x1 /* x86 page-fault error code: the page was present */
#define PF_USER 0x4 /* ... the access came from user mode */

const volatile __u64 fault_page_size = 4096;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32); /* mm_id: rss_stat's hashed mm pointer */
	__type(value, struct mt_rss);
} rss SEC(".maps");

/* A fault on a page that was not present is a first touch (or a page
 * brought back); faults on present pages (copy-on-write, protection) add
 * no page. The error code says which, so only the tracepoint carries what
 * this needs: handle_mm_fault() (fentry/kprobe) does not. */
static int on_fault(void *ctx, __u64 error_code)
{
	if ((error_code & (PF_PROT | PF_USER)) != PF_USER || !mt_traced_current())
		return 0;
	mt_count_fault(ctx, fault_page_size);
	return 0;
}

SEC("tp_btf/page_fault_user")
int BPF_PROG(fault_btf, unsigned long address, struct pt_regs *regs,
	     unsigned long error_code)
{
	return on_fault(ctx, error_code);
}

struct page_fault_args {
	__u64 common;
	__u64 address;
	__u64 ip;
	__u64 error_code;
};

SEC("tracepoint/exceptions/page_fault_user")
int fault_tp(struct page_fault_args *args)
{
	return on_fault(args, args->error_code);
}

struct rss_stat_args {
	__u64 common;
	__u32 mm_id;
	__u32 curr;	/* the mm is current's (else exec, exit or fork) */
	__s32 member;	/* enum mt_rss_member */
	__s32 _pad;
	__s64 size;	/* the counter's new value, in bytes */
};

/* The kernel sends the absolute value, so a lost event never skews the
 * next one. An mm is adopted when its own process changes it; changes
 * made from elsewhere (fork, exit) update known mms only. */
SEC("tracepoint/kmem/rss_stat")
int rss_tp(struct rss_stat_args *args)
{
	__u32 key = args->mm_id, member = args->member;
	__u64 now = bpf_ktime_get_ns(); /* first: the order of the kernel's sums */
	struct mt_rss *r;

	if (member >= MT_RSS__COUNT)
		return 0;
	r = bpf_map_lookup_elem(&rss, &key);
	if (!r) {
		/* -1: not changed yet (user space reads it from /proc) */
		struct mt_rss fresh = { .tgid = bpf_get_current_pid_tgid() >> 32,
					.bytes = { -1, -1, -1, -1 },
					.peak = { -1, -1, -1, -1 } };

		if (!args->curr || !mt_traced_current())
			return 0;
		if (bpf_map_update_elem(&rss, &key, &fresh, BPF_NOEXIST) &&
		    !bpf_map_lookup_elem(&rss, &key)) {
			mt_stat_inc(MT_STAT_DROP_RSS_FULL);
			return 0;
		}
		r = bpf_map_lookup_elem(&rss, &key);
		if (!r)
			return 0;
	}
	mt_stat_inc(MT_STAT_RSS_EVENTS);
	/* events of one mm come from several CPUs: keep the newest value */
	if (now < r->member_ts[member])
		return 0;
	r->member_ts[member] = now;
	r->ts_ns = now;
	r->bytes[member] = args->size;
	if (args->size > r->peak[member])
		r->peak[member] = args->size;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
