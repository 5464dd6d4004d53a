/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Which mechanism each kernel hook attaches with on the running kernel:
 * the first path of its strategy list that this kernel offers. A pure
 * function of the probed features, so tests can feed any kernel. */
#ifndef MT_HOOK_PLAN_H
#define MT_HOOK_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include "kernel_features.h"

/* The kernel hooks. Syscalls: entry (arguments) and exit (result) pairs. */
enum hook_id {
	HOOK_MMAP = 0,	/* mmap(2): fentry/fexit, kprobe/kretprobe __x64_sys_mmap, tp syscalls/sys_{enter,exit}_mmap */
	HOOK_MUNMAP,	/* munmap(2): same, __x64_sys_munmap */
	HOOK_MREMAP,	/* mremap(2): same, __x64_sys_mremap */
	HOOK_BRK,	/* brk(2): same, __x64_sys_brk */
	HOOK_FAULT,	/* user page faults: tp_btf page_fault_user, tracepoint exceptions/page_fault_user */
	HOOK_RSS,	/* RSS counter changes: tracepoint kmem/rss_stat only */
	HOOK__COUNT,
};

enum hook_path {
	PATH_NONE = 0,	/* nothing on this kernel works: the hook is off */
	PATH_FENTRY,	/* fentry/fexit (BPF trampoline; needs BTF) */
	PATH_KPROBE,	/* kprobe/kretprobe (perf kprobe PMU) */
	PATH_TP_BTF,	/* BTF-typed raw tracepoint (no tracefs needed) */
	PATH_TRACEPOINT, /* classic tracepoint (needs tracefs for its id) */
	PATH__COUNT,
};

struct hook_choice {
	enum hook_path path;
	char why[200];	/* one line: why this path, or why none works */
};

struct hook_plan {
	struct hook_choice hooks[HOOK__COUNT];
};

/* Chooses a path per hook. force (PATH_NONE: auto) is the only path tried
 * for every hook whose strategy list contains it (the syscall hooks take
 * fentry, kprobe and tracepoint; fault tp_btf and tracepoint; rss only
 * tracepoint); the others choose as in auto. A forced path the kernel lacks
 * leaves that hook PATH_NONE and returns -ENOTSUP (its why says why), so
 * that a test asking for kprobes never silently gets tracepoints. Every
 * hook is filled either way. 0, -ENOTSUP, or -EINVAL for a bad force. */
int hook_plan__choose(const struct kernel_features *f, enum hook_path force,
		      struct hook_plan *plan);

const char *hook__name(enum hook_id id);		/* "mmap", "fault", "rss_stat" */
const char *hook_path__name(enum hook_path path);	/* "fentry", "kprobe", "tp_btf", "tracepoint", "none" */
/* Parses "auto|fentry|kprobe|tracepoint" (auto -> PATH_NONE). 0 or -EINVAL. */
int hook_path__parse(const char *s, enum hook_path *out);

#endif /* MT_HOOK_PLAN_H */
