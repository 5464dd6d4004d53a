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

/* --sample: the mean number of bytes between two sampled allocations of
 * a thread (0: every call is recorded). The loader sets it. */
const volatile __u64 sample_bytes = 0;
/* --sample with kernel events: every call keeps its depth (and so its
 * return probe), since the mmap hooks tell the allocator's own mappings
 * by it */
const volatile bool sample_every_return = false;

#define LN2_Q16 45426 /* ln 2 in 16.16 fixed point */

/* 1 when v != 0, for v < 2^63, without a branch */
#define NONZERO(v) (((v) | -(v)) >> 63)

/* The index of the highest set bit of x (0 < x < 2^63): floor(log2 x).
 * Branch-free, like the squaring below: a branch per step would give the
 * verifier one path per outcome to walk (2^16 for the fraction), which
 * 6.1's does not prune. */
static __u64 highest_bit(__u64 x)
{
	__u64 k = 0, s;

	s = NONZERO(x >> 32) << 5; x >>= s; k += s;
	s = NONZERO(x >> 16) << 4; x >>= s; k += s;
	s = NONZERO(x >> 8) << 3; x >>= s; k += s;
	s = NONZERO(x >> 4) << 2; x >>= s; k += s;
	s = NONZERO(x >> 2) << 1; x >>= s; k += s;
	return k + NONZERO(x >> 1);
}

/* A random exponential interval of mean `mean` bytes: -mean * ln(u), u
 * uniform in (0, 1], so the sampled bytes form a Poisson process and each
 * allocation of s bytes is sampled with probability 1 - exp(-s/mean),
 * whatever came before it (the way tcmalloc and Go sample). */
static __s64 sample_interval(void)
{
	__u64 r = (__u64)bpf_get_prandom_u32() + 1, k, m, frac = 0;
	int i;

	/* log2(r) = k + log2(m / 2^31), m in [2^31, 2^32); the fraction's 16
	 * bits by repeated squaring */
	k = highest_bit(r);
	m = (r << 31) >> k;	/* r < 2^33: no overflow */
#pragma unroll
	for (i = 15; i >= 0; i--) {
		__u64 bit;

		m = (m * m) >> 31;	/* in [2^31, 2^33) */
		bit = m >> 32;
		m >>= bit;
		frac |= bit << i;
	}
	/* -ln(u) = (32 - log2 r) * ln 2 */
	return (sample_bytes * ((((32 - k) << 16) - frac) * LN2_Q16 >> 16)) >> 16;
}

/* Counts size bytes off the thread's countdown: true when this
 * allocation holds the next sample point. */
static bool sample_hit(struct mt_thread *t, __u64 size)
{
	if (!size)
		return false;
	if (!t->sample_armed) {
		t->sample_left = sample_interval();
		t->sample_armed = 1;
	}
	t->sample_left -= size;
	if (t->sample_left > 0)
		return false;
	t->sample_left = sample_interval();
	return true;
}

/* realloc owns the old block from here: take its record now, so a thread
 * that gets the same address back before our return probe runs cannot
 * lose its record to us. A failed realloc restores it. */
static bool take_old(struct mt_thread *t, __u64 ptr)
{
	if (!mt_record_free(ptr, &t->old, !sample_bytes))
		return true;
	if (sample_bytes)
		mt_stat_inc(MT_STAT_FREES_UNSAMPLED);
	return false;
}

/* An allocating call's entry. Returns 1 when its return need not run (a
 * session skips it): an unsampled call with nothing to restore. */
static int enter(__u32 func, __u64 size, __u64 ptr)
{
	bool resize = (func == MT_FN_REALLOC || func == MT_FN_REALLOCARRAY) && ptr;
	bool sampled = true, old_found = false, decided = false;
	struct mt_thread *t;

	if (mt_skip_current())
		return 1;
	t = mt_thread_state(true);
	if (!t) {
		mt_stat_inc(MT_STAT_DROP_NO_TASK_STATE);
		return 1; /* nothing changed: the return has nothing to undo */
	}
	if (sample_bytes) {
		/* decided here, before any map write or stack capture */
		if (t->depth == 0) {
			decided = true;
			sampled = sample_hit(t, size);
			if (resize)
				old_found = take_old(t, ptr);
			/* a call that may enter another family member keeps
			 * its return, so the depth tells that inner call
			 * apart (else it would count its bytes off the
			 * countdown again): in glibc, reallocarray calls
			 * realloc, and realloc(NULL, n) calls malloc */
			if (!sampled && !old_found && !sample_every_return &&
			    func != MT_FN_REALLOCARRAY && !(func == MT_FN_REALLOC && !ptr))
				return 1;
		}
	}
	if (!mt_call_enter(t, func))
		return 0; /* nested: its return unwinds the depth */
	t->size = size;
	t->ptr = ptr;
	t->unsampled = !sampled;
	if (decided)
		t->old_found = old_found;
	else if (resize)
		t->old_found = take_old(t, ptr);
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
	if (t->unsampled)
		return 0; /* --sample: not this one */
	if (!addr) {
		mt_stat_inc(MT_STAT_FAILED_ALLOCS);
		return 0;
	}
	mt_record_alloc(ctx, t, addr, t->size, MT_KIND_MALLOC);
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

/* Returns 1: free has no return probe. */
static int on_free(__u64 ptr)
{
	if (mt_skip_current() || !ptr)
		return 1;
	/* The record goes first: a free inside another allocator call
	 * (realloc(p, 0) frees p through free) finds none, since that call
	 * took its block's record at entry, so only a miss asks the thread
	 * whether it is nested, and the common free looks up no thread state */
	if (!mt_record_free(ptr, NULL, false))
		return 1;
	if (sample_bytes) /* most blocks were never recorded: an expected miss */
		mt_stat_inc(MT_STAT_FREES_UNSAMPLED);
	else if (mt_in_call()) /* the outer call accounts */
		mt_stat_inc(MT_STAT_NESTED);
	else
		mt_stat_inc(MT_STAT_UNMATCHED_FREES);
	return 1;
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
		return 1;
	t = mt_thread_state(true);
	if (t)
		t->wrapper_sp = PT_REGS_SP(ctx) + sp_delta;
	return 1; /* no return probe */
}

/* Decodes the arguments of allocator function fn at its probe (the
 * argument registers still hold them there). With a constant fn (one
 * program per function) the switch folds away. The attach cookie is
 * fn | sp_delta << 32. Returns 1 when the call needs no return probe. */
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
	return 1;
}

/* Classic uprobes: one program per function (every kernel with uprobes).
 * Each returns 0: a perf-event uprobe program's non-zero return would
 * also write a perf sample. */
SEC("uprobe")
int malloc_enter(struct pt_regs *ctx) { on_call(ctx, MT_FN_MALLOC); return 0; }
SEC("uprobe")
int calloc_enter(struct pt_regs *ctx) { on_call(ctx, MT_FN_CALLOC); return 0; }
SEC("uprobe")
int realloc_enter(struct pt_regs *ctx) { on_call(ctx, MT_FN_REALLOC); return 0; }
SEC("uprobe")
int reallocarray_enter(struct pt_regs *ctx) { on_call(ctx, MT_FN_REALLOCARRAY); return 0; }
SEC("uprobe")
int posix_memalign_enter(struct pt_regs *ctx) { on_call(ctx, MT_FN_POSIX_MEMALIGN); return 0; }
/* aligned_alloc and memalign: one signature (in glibc, one address) */
SEC("uprobe")
int memalign_enter(struct pt_regs *ctx) { on_call(ctx, MT_FN_MEMALIGN); return 0; }
SEC("uprobe")
int valloc_enter(struct pt_regs *ctx) { on_call(ctx, MT_FN_VALLOC); return 0; }
SEC("uprobe")
int pvalloc_enter(struct pt_regs *ctx) { on_call(ctx, MT_FN_PVALLOC); return 0; }
SEC("uprobe")
int free_enter(struct pt_regs *ctx) { on_call(ctx, MT_FN_FREE); return 0; }

SEC("uprobe")
int wrapper_enter(struct pt_regs *ctx) { on_call(ctx, MT_FN_SYSCALL_WRAPPER); return 0; }

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
	/* 0: on 6.6 a consumer's non-zero return may remove the probe */
	on_call(ctx, (__u32)bpf_get_attach_cookie(ctx));
	return 0;
}

SEC("kprobe")
int multi_return(struct pt_regs *ctx)
{
	return leave(ctx, PT_REGS_RC(ctx));
}

/* Uprobe sessions (kernel 6.13+), --sample only: one program for the
 * entries and the returns, and an entry that returns 1 skips its
 * return, so an unsampled call costs one probe hit instead of two. The
 * kfunc is weak: on older kernels the loader does not load this program. */
extern bool bpf_session_is_return(void) __ksym __weak;

SEC("kprobe")
int session_call(struct pt_regs *ctx)
{
	if (bpf_session_is_return())
		return leave(ctx, PT_REGS_RC(ctx));
	return on_call(ctx, (__u32)bpf_get_attach_cookie(ctx));
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
