// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Tiny programs that user/kernel_features.c loads and attaches one at a
 * time to learn what the running kernel offers. They never do any work.
 * Its own object and skeleton: not linked into memtrail.bpf.o. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

/* target set at run time (bpf_program__set_attach_target) */
SEC("fentry")
int BPF_PROG(probe_fentry)
{
	return 0;
}

/* attached with bpf_program__attach_kprobe to a named function */
SEC("kprobe")
int probe_kprobe(struct pt_regs *ctx)
{
	return 0;
}

/* attached with bpf_program__attach_uprobe_opts to memtrail itself */
SEC("uprobe")
int probe_uprobe(struct pt_regs *ctx)
{
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(probe_tp_btf, struct task_struct *task)
{
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
