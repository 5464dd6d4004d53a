// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* mmap, munmap, mremap and brk: who maps what. The syscalls are seen at
 * entry (arguments) and exit (result) through one of three paths, chosen
 * by user space per kernel (user/hook_plan.c): fentry/fexit,
 * kprobe/kretprobe, or the syscalls:sys_{enter,exit}_* tracepoints. All
 * paths decode into vm_enter()/vm_exit(); the mapped ranges themselves are
 * kept in user space (ranges split and merge, which a hash map cannot
 * follow), fed by an ordered stream of mt_vm_events. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "state.bpf.h"

/* x86-64 syscall numbers and mmap(2) flag bits (kernel ABI) */
#define NR_MMAP 9
#define NR_MUNMAP 11
#define NR_BRK 12
#define NR_MREMAP 25
#define MAP_SHARED 0x01
#define MAP_SHARED_VALIDATE 0x03
#define MAP_ANONYMOUS 0x20
#define MAX_ERRNO 4095
#define WRAPPER_FRAME_MAX 512 /* a wrapper's own stack use, at most */

const volatile __u64 vm_page_size = 4096;

/* shared with process_hooks.bpf.c: one ring keeps every event in order */
extern MT_EVENTS_RING;

static __u64 page_up(__u64 len)
{
	return (len + vm_page_size - 1) & ~(vm_page_size - 1);
}

static bool is_error(long ret)
{
	return (unsigned long)ret >= (unsigned long)-MAX_ERRNO;
}

/* The caller of the libc wrapper this syscall came through, when the
 * wrapper's entry probe saw it: its stack pointer at entry still lies just
 * above the current one. 0 when unknown (raw syscall, no probe). */
static __u64 wrapper_caller(struct mt_thread *t)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	__u64 sp, entry_sp = t->wrapper_sp, ret_addr = 0;

	t->wrapper_sp = 0;
	if (!entry_sp || !regs)
		return 0;
	sp = BPF_CORE_READ(regs, sp);
	if (entry_sp < sp || entry_sp - sp > WRAPPER_FRAME_MAX)
		return 0; /* left over from a wrapper that returned early */
	if (bpf_probe_read_user(&ret_addr, sizeof(ret_addr), (void *)entry_sp))
		return 0;
	return ret_addr;
}

static void emit(__u32 type, __u32 flags, __u64 addr, __s64 len, __u64 stack_id)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct mt_vm_event *ev;

	ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		mt_stat_inc(MT_STAT_DROP_VM_EVENTS);
		return;
	}
	ev->type = type;
	ev->tgid = id >> 32;
	ev->tid = (__u32)id;
	ev->ts_ns = bpf_ktime_get_ns();
	ev->flags = flags;
	ev->addr = addr;
	ev->len = len;
	ev->stack_id = stack_id;
	bpf_ringbuf_submit(ev, 0);
}

/* The stack that gets new mappings: none for the allocator's own. */
static __always_inline __u64 caller_stack(void *ctx, struct mt_thread *t)
{
	__u64 first_ip = wrapper_caller(t);

	if (t->sys_flags & MT_VM_INTERNAL)
		return 0;
	return mt_stack_id(ctx, first_ip);
}

static int vm_enter(long nr, __u64 a0, __u64 a1, __u64 a2, __u64 a3)
{
	struct mt_thread *t;
	__u32 flags;

	if (!mt_traced_current())
		return 0;
	t = mt_thread_state(true);
	if (!t) {
		mt_stat_inc(MT_STAT_DROP_NO_TASK_STATE);
		return 0;
	}
	t->sys_nr = 0;
	/* mmap & co issued by malloc (large blocks, arenas, sbrk) are the
	 * allocator's: the malloc records already count those bytes */
	flags = t->depth > 0 ? MT_VM_INTERNAL : 0;
	mt_stat_inc(MT_STAT_VM_CALLS);
	if (flags & MT_VM_INTERNAL)
		mt_stat_inc(MT_STAT_VM_INTERNAL);

	switch (nr) {
	case NR_MMAP: /* mmap(addr, len, prot, flags, fd, off) */
		if (a3 & MAP_ANONYMOUS)
			flags |= MT_VM_ANON;
		if ((a3 & MAP_SHARED_VALIDATE) == MAP_SHARED ||
		    (a3 & MAP_SHARED_VALIDATE) == MAP_SHARED_VALIDATE)
			flags |= MT_VM_SHARED;
		t->sys_len = page_up(a1);
		break;
	case NR_MUNMAP: /* munmap(addr, len): fails without unmapping anything
			   when misaligned or empty; no event then */
		if ((a0 & (vm_page_size - 1)) || !a1)
			return 0;
		emit(MT_EV_UNMAP_BEGIN, flags, a0, page_up(a1), 0);
		break;
	case NR_MREMAP: /* mremap(addr, old_len, new_len, flags, new_addr) */
		t->sys_old_len = page_up(a1);
		t->sys_len = page_up(a2);
		emit(MT_EV_REMAP_BEGIN, flags, a0, t->sys_old_len, 0);
		break;
	case NR_BRK: /* brk(addr): the break before, to know what moved */
		t->sys_len = BPF_CORE_READ(bpf_get_current_task_btf(), mm, brk);
		break;
	default:
		return 0;
	}
	t->sys_nr = nr;
	t->sys_flags = flags;
	return 0;
}

static int vm_exit(void *ctx, long nr, long ret)
{
	struct mt_thread *t;
	__u64 stack;

	if (!mt_traced_current())
		return 0;
	t = mt_thread_state(false);
	/* no entry seen (attached mid-call) or another syscall's exit */
	if (!t || t->sys_nr != nr || !nr)
		return 0;
	t->sys_nr = 0;

	switch (nr) {
	case NR_MMAP:
		if (is_error(ret))
			return 0;
		stack = caller_stack(ctx, t);
		emit(MT_EV_MMAP, t->sys_flags, ret, t->sys_len, stack);
		break;
	case NR_MUNMAP:
		emit(MT_EV_SYSCALL_END, t->sys_flags | (ret ? MT_VM_FAILED : 0), 0, 0, 0);
		break;
	case NR_MREMAP:
		if (is_error(ret)) {
			emit(MT_EV_SYSCALL_END, t->sys_flags | MT_VM_FAILED, 0, 0, 0);
			return 0;
		}
		/* the growth is new memory: it belongs to the mremap caller */
		stack = t->sys_len > t->sys_old_len ? caller_stack(ctx, t) : 0;
		emit(MT_EV_SYSCALL_END, t->sys_flags, ret, t->sys_len, stack);
		break;
	case NR_BRK: /* returns the new break (the old one when it failed) */
		if ((__u64)ret == t->sys_len)
			return 0;
		stack = (__u64)ret > t->sys_len ? caller_stack(ctx, t) : 0;
		emit(MT_EV_BRK, t->sys_flags, t->sys_len, (__s64)(ret - t->sys_len), stack);
		break;
	}
	return 0;
}

/* ---- path 1: fentry/fexit on the x86-64 syscall entry points ---------- */

#define SYSCALL_FENTRY(name, nr)						\
SEC("fentry/__x64_sys_" #name)							\
int BPF_PROG(name##_fentry, struct pt_regs *regs)				\
{										\
	return vm_enter(nr, BPF_CORE_READ(regs, di), BPF_CORE_READ(regs, si),	\
			BPF_CORE_READ(regs, dx), BPF_CORE_READ(regs, r10));	\
}										\
SEC("fexit/__x64_sys_" #name)							\
int BPF_PROG(name##_fexit, struct pt_regs *regs, long ret)			\
{										\
	return vm_exit(ctx, nr, ret);						\
}

SYSCALL_FENTRY(mmap, NR_MMAP)
SYSCALL_FENTRY(munmap, NR_MUNMAP)
SYSCALL_FENTRY(mremap, NR_MREMAP)
SYSCALL_FENTRY(brk, NR_BRK)

/* ---- path 2: kprobe/kretprobe, one program pair for all four ---------- */

/* the syscall's number is in the user registers the entry point gets */
SEC("kprobe")
int BPF_KPROBE(vm_kprobe, struct pt_regs *regs)
{
	return vm_enter(BPF_CORE_READ(regs, orig_ax), BPF_CORE_READ(regs, di),
			BPF_CORE_READ(regs, si), BPF_CORE_READ(regs, dx),
			BPF_CORE_READ(regs, r10));
}

SEC("kretprobe")
int BPF_KRETPROBE(vm_kretprobe, long ret)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());

	if (!regs)
		return 0;
	return vm_exit(ctx, BPF_CORE_READ(regs, orig_ax), ret);
}

/* ---- path 3: the syscalls tracepoints (need tracefs) ------------------ */

/* their records: the 8-byte common header, the syscall number, then the
 * arguments (or the result) as 8-byte fields. The kernel refuses a
 * program that reads past a record's end, so each reads only its own. */
struct sys_enter_args {
	__u64 common;
	__s32 nr;
	__s32 _pad;
	__u64 args[6];
};

struct sys_exit_args {
	__u64 common;
	__s32 nr;
	__s32 _pad;
	__s64 ret;
};

SEC("tracepoint/syscalls/sys_enter_mmap")
int mmap_tp_enter(struct sys_enter_args *a)
{
	return vm_enter(NR_MMAP, a->args[0], a->args[1], a->args[2], a->args[3]);
}

SEC("tracepoint/syscalls/sys_enter_munmap")
int munmap_tp_enter(struct sys_enter_args *a)
{
	return vm_enter(NR_MUNMAP, a->args[0], a->args[1], 0, 0);
}

SEC("tracepoint/syscalls/sys_enter_mremap")
int mremap_tp_enter(struct sys_enter_args *a)
{
	return vm_enter(NR_MREMAP, a->args[0], a->args[1], a->args[2], a->args[3]);
}

SEC("tracepoint/syscalls/sys_enter_brk")
int brk_tp_enter(struct sys_enter_args *a)
{
	return vm_enter(NR_BRK, a->args[0], 0, 0, 0);
}

#define SYSCALL_TP_EXIT(name, nr)					\
SEC("tracepoint/syscalls/sys_exit_" #name)				\
int name##_tp_exit(struct sys_exit_args *a)				\
{									\
	return vm_exit(a, nr, a->ret);					\
}

SYSCALL_TP_EXIT(mmap, NR_MMAP)
SYSCALL_TP_EXIT(munmap, NR_MUNMAP)
SYSCALL_TP_EXIT(mremap, NR_MREMAP)
SYSCALL_TP_EXIT(brk, NR_BRK)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
