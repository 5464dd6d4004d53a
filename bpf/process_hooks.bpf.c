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
	mt_thread_exit(task);
	if (BPF_CORE_READ(task, signal, live.counter) == 0)
		emit(MT_EV_EXIT, BPF_CORE_READ(task, tgid));
	return 0;
}

/* The old image's allocations died with it; everything the new image
 * allocates is stamped later than this event: the exec'ing thread (the
 * only one left) reads the clock afresh at its next allocation. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(proc__exec, struct task_struct *task)
{
	mt_clock_reset();
	emit(MT_EV_EXEC, BPF_CORE_READ(task, tgid));
	return 0;
}

/* A member's new process: user space attaches its probes. Threads share
 * their process's probes and are not announced. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(proc__fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 child_tgid = BPF_CORE_READ(child, tgid);

	if (child_tgid != (__u32)BPF_CORE_READ(child, pid))
		return 0;
	if (mt_follow_fork(BPF_CORE_READ(parent, tgid), child_tgid))
		emit(MT_EV_FORK, child_tgid);
	return 0;
}

/* Where tp_btf is missing. The record names the child's thread id only:
 * user space tells a thread from a process by its Tgid. */
SEC("tracepoint/sched/sched_process_fork")
int proc__fork_tp(struct trace_event_raw_sched_process_fork *ctx)
{
	__u32 child = ctx->child_pid;

	if (mt_follow_fork(bpf_get_current_pid_tgid() >> 32, child))
		emit(MT_EV_FORK, child);
	return 0;
}

/* A task written into a target cgroup's cgroup.procs (or below): user
 * space attaches at once instead of at its next rescan. Fires for each
 * thread moved; user space acts once per process. */
SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(proc__cgroup_attach, struct cgroup *dst, const char *path, struct task_struct *task,
	     bool threadgroup)
{
	if (mt_cgroup_is_target(dst))
		emit(MT_EV_JOIN, BPF_CORE_READ(task, tgid));
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
