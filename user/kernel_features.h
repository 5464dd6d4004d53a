/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What the running kernel offers, probed by trying it (loading and
 * attaching tiny programs), not by reading version numbers. */
#ifndef MT_KERNEL_FEATURES_H
#define MT_KERNEL_FEATURES_H

#include <stdbool.h>
#include <stddef.h>

/* Kernel functions and tracepoints the hooks may attach to. */
enum kernel_fn { KFN_SYS_MMAP = 0, KFN_SYS_MUNMAP, KFN_SYS_MREMAP, KFN_SYS_BRK, KFN__COUNT };
enum kernel_tp {
	KTP_SYS_MMAP = 0,	/* syscalls/sys_enter_mmap + sys_exit_mmap */
	KTP_SYS_MUNMAP,
	KTP_SYS_MREMAP,
	KTP_SYS_BRK,
	KTP_PAGE_FAULT_USER,	/* exceptions/page_fault_user */
	KTP_RSS_STAT,		/* kmem/rss_stat */
	KTP__COUNT,
};

/* The probed features, to index kernel_features.why. */
enum kernel_feature {
	KF_BTF = 0, KF_UPROBES, KF_UPROBE_MULTI, KF_KPROBES, KF_FENTRY, KF_TP_BTF,
	KF_RINGBUF, KF_TASK_STORAGE, KF_CGROUP_V2, KF_TRACEFS, KF__COUNT,
};

struct kernel_features {
	char release[65];	/* uname -r */
	bool btf;		/* /sys/kernel/btf/vmlinux readable */
	bool uprobes;		/* a uprobe attaches */
	bool uprobe_multi;	/* BPF_TRACE_UPROBE_MULTI links (6.6+) */
	bool kprobes;		/* a kprobe attaches */
	bool fentry;		/* an fentry program loads and attaches */
	bool tp_btf;		/* a tp_btf program loads and attaches */
	bool ringbuf;		/* BPF_MAP_TYPE_RINGBUF creatable */
	bool task_storage;	/* BPF_MAP_TYPE_TASK_STORAGE creatable */
	bool cgroup_v2;		/* a cgroup2 mount exists */
	char cgroup_v2_path[256];
	bool tracefs;		/* tracefs is mounted (or memtrail mounted it) */
	bool tracefs_mounted;	/* mounted before memtrail ran (false: memtrail mounted it) */
	char tracefs_path[256];	/* where, "" when none */
	char lockdown[32];	/* "none", "integrity", "confidentiality", "" unknown */
	/* per-symbol facts the hook plan needs, filled by the probe */
	bool fn_btf[KFN__COUNT];	/* kernel function is a FUNC in vmlinux BTF (fentry target) */
	bool fn_kallsyms[KFN__COUNT];	/* kernel function probe-able (kallsyms text, not blacklisted) */
	bool tp_exists[KTP__COUNT];	/* classic tracepoint exists (both halves for syscalls) */
	bool tp_btf_exists[KTP__COUNT];	/* btf_trace_<name> in vmlinux BTF (never for the syscalls) */
	char why[KF__COUNT][128];	/* why a feature is missing, "" when present or unknown */
};

const char *kernel_fn__name(enum kernel_fn fn);	/* "__x64_sys_mmap", ... */
const char *kernel_tp__name(enum kernel_tp tp);	/* "syscalls/sys_enter_mmap", "exceptions/page_fault_user" */

/* Probes everything. Mounts tracefs when it is not mounted and mounting
 * is allowed (mount_tracefs), so that tracepoints can be attached.
 * Never fails: what cannot be probed is reported as missing, with a reason
 * in why[]. Needs CAP_BPF/CAP_SYS_ADMIN for the program probes. */
void kernel_features__probe(struct kernel_features *f, bool mount_tracefs);

#endif /* MT_KERNEL_FEATURES_H */
