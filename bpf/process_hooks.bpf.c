// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Process lifecycle: tell user space when a whole process has exited, so
 * its outstanding entries go and no stale "leak" stays behind. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "state.bpf.h"

MT_EVENTS_RING;

static void emit(__u32 type, __u32 tgid)
{
	struct mt_event *ev;

	ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		mt_stat_inc(MT_STAT_DROP_EVENTS);
		return;
	}
	ev->type = type;
	ev->tgid = tgid;
	ev->ts_ns = bpf_ktime_get_ns();
	bpf_ringbuf_submit(ev, 0);
}

/* tp_btf needs no tracefs; the group_dead argument only exists since 6.14,
 * so read signal->live (0 once the last thread is exiting) instead. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(proc__exit, struct task_struct *task)
{
	if (BPF_CORE_READ(task, signal, live.counter) == 0)
		emit(MT_EV_EXIT, BPF_CORE_READ(task, tgid));
	return 0;
}

/* The old image's allocations died with it; everything the new image
 * allocates is stamped later than this event. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(proc__exec, struct task_struct *task)
{
	emit(MT_EV_EXEC, BPF_CORE_READ(task, tgid));
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
