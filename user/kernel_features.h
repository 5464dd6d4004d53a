/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What the running kernel offers, probed by trying it (loading and
 * attaching tiny programs), not by reading version numbers. */
#ifndef MT_KERNEL_FEATURES_H
#define MT_KERNEL_FEATURES_H

#include <stdbool.h>
#include <stddef.h>

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
	bool tracefs;		/* tracefs is mounted (or memtrail can mount it) */
	bool tracefs_mounted;	/* mounted before memtrail ran */
	char tracefs_path[256];	/* where, "" when none */
	char lockdown[32];	/* "none", "integrity", "confidentiality", "" unknown */
	/* per-symbol facts the hook plan needs, filled by the probe */
	bool fn_btf[8];		/* kernel function in BTF (fentry target), by kernel_fn index */
	bool fn_kallsyms[8];	/* kernel function probe-able (kallsyms, not blacklisted) */
	bool tp_exists[8];	/* tracepoint exists, by kernel_tp index */
	char notes[4][160];	/* why a feature is missing, when known */
	size_t nnotes;
};

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

const char *kernel_fn__name(enum kernel_fn fn);	/* "__x64_sys_mmap", ... */

/* Probes everything. Mounts tracefs when it is not mounted and mounting
 * is allowed (mount_tracefs), so that tracepoints can be attached.
 * Never fails: what cannot be probed is reported as missing, with a note. */
void kernel_features__probe(struct kernel_features *f, bool mount_tracefs);

#endif /* MT_KERNEL_FEATURES_H */
