// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Uprobes on the malloc family. Programs are thin: decode the arguments,
 * then let the shared helpers below and in state.bpf.c account. Only the
 * outermost allocator call on a thread is recorded (reallocarray calls
 * realloc, memalign-family functions share code), and the stack is taken at
 * the return, where the frame-pointer walk starts at the caller. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "state.bpf.h"

const volatile __u64 page_size = 4096;

static int enter(__u32 func, __u64 size, __u64 ptr)
{
	struct mt_thread *t;

	if (mt_skip_current())
		return 0;
	t = mt_call_enter(func);
	if (!t)
		return 0;
	t->size = size;
	t->ptr = ptr;
	/* realloc owns the old block from here: take its record now, so a
	 * thread that gets the same address back before our return probe
	 * runs cannot lose its record to us. A failed realloc restores it. */
	if ((func == MT_FN_REALLOC || func == MT_FN_REALLOCARRAY) && ptr)
		t->old_found = mt_record_free(ptr, &t->old, true) == 0;
	return 0;
}

static int leave(void *ctx, __u64 ret)
{
	struct mt_thread *t;
	__u64 addr = ret;

	if (mt_skip_current())
		return 0;
	t = mt_call_exit();
	if (!t)
		return 0;

	switch (t->func) {
	case MT_FN_POSIX_MEMALIGN:
		/* returns an error number; the block comes through *memptr */
		addr = 0;
		if ((int)ret == 0 &&
		    bpf_probe_read_user(&addr, sizeof(addr), (void *)t->ptr))
			addr = 0;
		break;
	case MT_FN_REALLOC:
	case MT_FN_REALLOCARRAY:
		/* realloc(p, 0) frees p and returns NULL: the free stands.
		 * Any other NULL is a failure and p is still allocated. */
		if (!addr && t->size == 0 && t->ptr)
			return 0; /* a free, already accounted at entry */
		if (!addr && t->old_found)
			mt_restore_alloc(t->ptr, &t->old);
		break;
	}
	if (!addr) {
		mt_stat_inc(MT_STAT_FAILED_ALLOCS);
		return 0;
	}
	mt_record_alloc(ctx, addr, t->size, MT_KIND_MALLOC);
	return 0;
}

static __u64 mul_or_zero(__u64 n, __u64 size)
{
	__u64 product = n * size;

	/* an overflowing product makes the call fail; its size never counts.
	 * The barrier keeps clang from turning the check into a 128-bit
	 * multiply, which BPF cannot do. */
	asm volatile("" : "+r"(product));
	if (n && product / n != size)
		return 0;
	return product;
}

SEC("uprobe")
int BPF_KPROBE(malloc_enter, __u64 size)
{
	return enter(MT_FN_MALLOC, size, 0);
}

SEC("uprobe")
int BPF_KPROBE(calloc_enter, __u64 n, __u64 size)
{
	return enter(MT_FN_CALLOC, mul_or_zero(n, size), 0);
}

SEC("uprobe")
int BPF_KPROBE(realloc_enter, void *ptr, __u64 size)
{
	return enter(MT_FN_REALLOC, size, (__u64)ptr);
}

SEC("uprobe")
int BPF_KPROBE(reallocarray_enter, void *ptr, __u64 n, __u64 size)
{
	return enter(MT_FN_REALLOCARRAY, mul_or_zero(n, size), (__u64)ptr);
}

SEC("uprobe")
int BPF_KPROBE(posix_memalign_enter, void **memptr, __u64 align, __u64 size)
{
	return enter(MT_FN_POSIX_MEMALIGN, size, (__u64)memptr);
}

/* aligned_alloc and memalign: the same signature (and in glibc the same
 * address, so the loader attaches this one program once). */
SEC("uprobe")
int BPF_KPROBE(memalign_enter, __u64 align, __u64 size)
{
	return enter(MT_FN_MEMALIGN, size, 0);
}

SEC("uprobe")
int BPF_KPROBE(valloc_enter, __u64 size)
{
	return enter(MT_FN_VALLOC, size, 0);
}

SEC("uprobe")
int BPF_KPROBE(pvalloc_enter, __u64 size)
{
	/* pvalloc hands out whole pages, at least one */
	__u64 rounded = size ? (size + page_size - 1) & ~(page_size - 1) : page_size;

	return enter(MT_FN_PVALLOC, rounded, 0);
}

SEC("uretprobe")
int BPF_KRETPROBE(alloc_return, __u64 ret)
{
	return leave(ctx, ret);
}

SEC("uprobe")
int BPF_KPROBE(free_enter, void *ptr)
{
	if (mt_skip_current() || !ptr)
		return 0;
	/* free called inside realloc(p, 0) etc.: the outer call accounts */
	if (mt_in_call()) {
		mt_stat_inc(MT_STAT_NESTED);
		return 0;
	}
	mt_record_free((__u64)ptr, NULL, true);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
