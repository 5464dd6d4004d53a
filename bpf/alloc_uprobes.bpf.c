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

static int on_free(__u64 ptr)
{
	if (mt_skip_current() || !ptr)
		return 0;
	/* free called inside realloc(p, 0) etc.: the outer call accounts */
	if (mt_in_call()) {
		mt_stat_inc(MT_STAT_NESTED);
		return 0;
	}
	mt_record_free(ptr, NULL, true);
	return 0;
}

/* A libc syscall wrapper (mmap, munmap, mremap, brk) is entered: its
 * return address is at the entry's sp, sp_delta bytes above sp when the
 * probe sits past the wrapper's first pushes (user/prologue.c). The
 * kernel hook that sees the syscall takes its caller from there, since
 * the wrapper keeps no frame pointer and the frame walk would skip the
 * caller. */
static int on_wrapper(struct pt_regs *ctx, __u32 sp_delta)
{
	struct mt_thread *t;

	if (!mt_traced_current())
		return 0;
	t = mt_thread_state(true);
	if (t)
		t->wrapper_sp = PT_REGS_SP(ctx) + sp_delta;
	return 0;
}

/* Decodes the arguments of allocator function fn at its probe (the
 * argument registers still hold them there). With a constant fn (one
 * program per function) the switch folds away. The attach cookie is
 * fn | sp_delta << 32. */
static __always_inline int on_call(struct pt_regs *ctx, __u32 fn)
{
	__u64 a0 = PT_REGS_PARM1(ctx), a1 = PT_REGS_PARM2(ctx), a2 = PT_REGS_PARM3(ctx);

	switch (fn) {
	case MT_FN_MALLOC:	/* malloc(size) */
	case MT_FN_VALLOC:	/* valloc(size) */
		return enter(fn, a0, 0);
	case MT_FN_CALLOC:	/* calloc(n, size) */
		return enter(fn, mul_or_zero(a0, a1), 0);
	case MT_FN_REALLOC:	/* realloc(ptr, size) */
		return enter(fn, a1, a0);
	case MT_FN_REALLOCARRAY: /* reallocarray(ptr, n, size) */
		return enter(fn, mul_or_zero(a1, a2), a0);
	case MT_FN_POSIX_MEMALIGN: /* posix_memalign(&ptr, align, size) */
		return enter(fn, a2, a0);
	case MT_FN_ALIGNED_ALLOC: /* aligned_alloc(align, size) */
	case MT_FN_MEMALIGN:	/* memalign(align, size) */
		return enter(MT_FN_MEMALIGN, a1, 0);
	case MT_FN_PVALLOC:	/* pvalloc(size): whole pages, at least one */
		return enter(fn, a0 ? (a0 + page_size - 1) & ~(page_size - 1) : page_size, 0);
	case MT_FN_FREE:	/* free(ptr) */
		return on_free(a0);
	case MT_FN_SYSCALL_WRAPPER:
		return on_wrapper(ctx, bpf_get_attach_cookie(ctx) >> 32);
	}
	return 0;
}

/* Classic uprobes: one program per function (every kernel with uprobes). */
SEC("uprobe")
int malloc_enter(struct pt_regs *ctx) { return on_call(ctx, MT_FN_MALLOC); }
SEC("uprobe")
int calloc_enter(struct pt_regs *ctx) { return on_call(ctx, MT_FN_CALLOC); }
SEC("uprobe")
int realloc_enter(struct pt_regs *ctx) { return on_call(ctx, MT_FN_REALLOC); }
SEC("uprobe")
int reallocarray_enter(struct pt_regs *ctx) { return on_call(ctx, MT_FN_REALLOCARRAY); }
SEC("uprobe")
int posix_memalign_enter(struct pt_regs *ctx) { return on_call(ctx, MT_FN_POSIX_MEMALIGN); }
/* aligned_alloc and memalign: one signature (in glibc, one address) */
SEC("uprobe")
int memalign_enter(struct pt_regs *ctx) { return on_call(ctx, MT_FN_MEMALIGN); }
SEC("uprobe")
int valloc_enter(struct pt_regs *ctx) { return on_call(ctx, MT_FN_VALLOC); }
SEC("uprobe")
int pvalloc_enter(struct pt_regs *ctx) { return on_call(ctx, MT_FN_PVALLOC); }
SEC("uprobe")
int free_enter(struct pt_regs *ctx) { return on_call(ctx, MT_FN_FREE); }

SEC("uprobe")
int wrapper_enter(struct pt_regs *ctx) { return on_call(ctx, MT_FN_SYSCALL_WRAPPER); }

SEC("uretprobe")
int alloc_return(struct pt_regs *ctx)
{
	return leave(ctx, PT_REGS_RC(ctx));
}

/* Multi-uprobes (kernel 6.6+): one link per process and file for all the
 * entries, one for all the returns; the cookie names the function. The
 * loader sets their attach type (libbpf 1.1 has no section for it) and
 * disables them where the kernel lacks it. Why: every classic uprobe
 * takes an RCU grace period to detach (about 0.1 s here, one after
 * another), a multi link one for all its probes. */
SEC("kprobe")
int multi_enter(struct pt_regs *ctx)
{
	return on_call(ctx, (__u32)bpf_get_attach_cookie(ctx));
}

SEC("kprobe")
int multi_return(struct pt_regs *ctx)
{
	return leave(ctx, PT_REGS_RC(ctx));
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
