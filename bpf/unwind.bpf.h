/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The user-stack unwinder, run at the allocator's return (included by
 * state.bpf.c, which owns the stack store: one compilation unit, so the
 * loop's callback reaches the stack scratch directly).
 *
 * Each frame: find the mapping of the return address (bpf_find_vma, the
 * last one cached), the file's table by (device, inode) in unwind_files,
 * then one step: a table row (binary search over the file's rows in the
 * shared pool), or the frame pointer. A file without a table yet is asked
 * for (MT_EV_UNWIND_MISS) and walked by frame pointer meanwhile. What the
 * walk could not verify marks the stack partial; it stops rather than
 * guess where a file without frame pointers has no rule. */
#ifndef UNWIND_BPF_H
#define UNWIND_BPF_H

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

const volatile __u32 unwind_mode = MT_UNWIND_KERNEL;

/* every file's rows, each file's a contiguous run (user space allocates) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* resized by the loader */
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct mt_unwind_row);
} unwind_rows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, struct mt_unwind_file_key);
	__type(value, struct mt_unwind_file);
} unwind_files SEC(".maps");

extern MT_EVENTS_RING;

#define UNWIND_SEARCH_STEPS 24 /* rows per file: at most 2^24 (user space checks) */

#define EBUSY 16

struct mt_unwind_vma {
	__u64 start, end;
	__u64 pgoff;
	__u64 ino;
	__u32 dev;
	__u32 has_file;
	__u64 seq;	/* mm_change_seq() when found (0: none) */
};

/* Per thread, the mappings its walks found last. An entry found under
 * the address space's current change count (mm_change_seq) is what
 * bpf_find_vma would return: walks use it first. Any entry is what a walk
 * uses when bpf_find_vma cannot take the mmap lock (another thread maps or
 * unmaps, as thread creation and arena growth do): a return address on a
 * live stack points into code still mapped, so an entry of the same
 * address space stays right unless a library was unloaded and another
 * loaded in its place meanwhile. Each thread publishes its cache, whole, per
 * process (unwind_proc_vmas), for threads that have no entry yet: a hash
 * update replaces the value at once, so no reader sees half of one. */
#define UNWIND_VMA_CACHE 8

struct mt_unwind_vma_cache {
	__u64 mm;	/* the address space of the entries (exec makes a new one) */
	__u32 next;	/* slot to replace next */
	__u32 _pad;
	struct mt_unwind_vma v[UNWIND_VMA_CACHE];
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct mt_unwind_vma_cache);
} unwind_vma_cache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* old values freed after RCU: never torn */
	__uint(max_entries, 16384);
	__type(key, __u32); /* tgid; user space deletes it at exit */
	__type(value, struct mt_unwind_vma_cache);
} unwind_proc_vmas SEC(".maps");

struct mt_unwind_walk {
	__u64 ip, sp, bp;	/* the frame being unwound */
	__u64 pc;		/* where its rule is looked up: ip, or ip - 1 for a return address */
	struct mt_unwind_vma vma;	/* the mapping of the last lookup (cache) */
	struct mt_unwind_file file; /* its table; flags 0: none */
	__u32 tgid;
	__u32 n;		/* frames written */
	__u32 exact;		/* ip is the instruction running, not a return address */
	__u32 skip;		/* frames to walk through without writing them */
	__u32 flags;		/* MT_STACK_PARTIAL */
	__u32 vma_known;
	__u64 seq;		/* mm_change_seq() at the walk's start */
	__u64 mm;		/* the address space walked */
	__u64 tramp;		/* the uretprobe trampoline's address (0: none) */
	__u32 vma_exact;	/* vma is what bpf_find_vma returns now */
	__u32 file_final;	/* file is its table for good (not pending, not missing) */
	__u32 replayable;	/* the walk followed from its start and the words it read alone */
	__u32 windows;		/* windows it read */
};

/* How the walk got past each address it met last (direct-mapped by
 * address): a pure function of the address while the address space's
 * mappings stay the same (one change count) and the file's table is
 * loaded. Hot allocation sites repeat their stacks, so most frames skip
 * the mapping search, the table lookup and the binary search over rows. */
#define UNWIND_MEMO 32

struct mt_unwind_memo {
	__u64 mm, seq;		/* valid for this address space at this count */
	struct {
		__u64 pc;
		struct mt_unwind_row row; /* row.pc holds the enum unwind_how */
	} e[UNWIND_MEMO];
};

/* The user stack is read in windows: one bpf_probe_read_user costs
 * about as much for 2 KiB as for 8 bytes (about 130 ns here), and the
 * frames of most walks lie within one window. */
#define UNWIND_WINDOW 2048

/* A thread's last walk from an allocator's return, to be replayed: a hot
 * allocation site returns to the same address with the same stack
 * pointer again and again, and where the address space's mappings have
 * not changed (its change count) and every stack word that walk read
 * holds what it held, the walk goes the same way, to the same stack. One
 * read of its window and a few compares then stand for the walk, the
 * hash and the stack map lookup. A walk that depended on anything else
 * (a table not loaded yet, a mapping bpf_find_vma could not confirm, a
 * pending uretprobe's return address, a failed read, more than one
 * window or REPLAY_WORDS words) is not kept. The replay reads only the
 * window's bytes up to its last word (2 KiB cost about 30 ns more than a
 * few words here), into the BPF stack where they are few (see
 * replay_words_match): the window begins at the walk's first word. */
#define REPLAY_WORDS 64

struct mt_unwind_replay {
	__u64 ip, sp, bp;	/* where the walk started */
	__u64 mm, seq;		/* in this address space, at this change count */
	__u64 id;		/* the stack it gave; 0: nothing to replay */
	__u32 base_off;		/* its window began at sp + base_off */
	__u32 end;		/* its words lie in [0, end) of that window */
	__u32 nwords;		/* the words of the window the walk read */
	__u32 partial;		/* the stack is partial: counted again when replayed */
	__u16 off[REPLAY_WORDS]; /* each word's place in the window */
	__u64 val[REPLAY_WORDS]; /* and what it held */
};

/* Where a stack is read before it is hashed, with the state of its walk,
 * the memo and the window: too big for the BPF stack (6.1's verifier
 * limits the stack of the whole call chain, from the program through the
 * loop's callback to the mapping search's, to 512 bytes), and per thread,
 * not per CPU: where the kernel preempts BPF programs (preempt=full),
 * another thread's read would run into a preempted one's on the same CPU.
 * Kept in the thread's task storage (state.bpf.c: struct thread_state). */
struct stack_scratch {
	__u64 win_base;		/* user address of win[0] */
	__u64 win_len;		/* bytes of win read from there; 0: none */
	struct mt_stack st;
	struct mt_unwind_walk walk;
	struct mt_unwind_memo memo;
	struct mt_unwind_replay replay;
	__u8 win[UNWIND_WINDOW];
};

/* bpf_loop's context: the walking thread's scratch */
struct unwind_loop_ctx {
	struct stack_scratch *s;
};

/* vma is a trusted pointer here: plain loads, no probe reads */
static long unwind_vma_cb(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	struct mt_unwind_vma *v = data;
	struct file *f = vma->vm_file;

	v->start = vma->vm_start;
	v->end = vma->vm_end;
	v->pgoff = vma->vm_pgoff;
	v->has_file = f != NULL;
	if (f) {
		v->ino = f->f_inode->i_ino;
		v->dev = f->f_inode->i_sb->s_dev;
	} else if (bpf_core_field_exists(vma->vm_mm->context.vdso) &&
		   (__u64)vma->vm_mm->context.vdso == v->start) {
		/* the vDSO: one image per kernel, its table under one key */
		v->has_file = 1;
		v->ino = MT_VDSO_INO;
		v->dev = 0;
		v->pgoff = 0;
	}
	return 0;
}

/* The kernel's count of mapping changes of an address space (6.4+:
 * bumped whenever its mmap write lock is released; 6.13+ also odd while
 * it is held). A cached mapping is still right while the count has not
 * moved, so a walk need not search the mappings again. 0: no count (or
 * a change in progress), and every walk searches. */
struct mm_struct___seqcount {
	seqcount_t mm_lock_seq;
} __attribute__((preserve_access_index));
struct mm_struct___int {
	int mm_lock_seq;
} __attribute__((preserve_access_index));

static __u64 mm_change_seq(struct task_struct *task)
{
	struct mm_struct *mm = task->mm; /* plain loads: a BTF pointer */
	__u32 seq;

	if (!mm)
		return 0;
	if (bpf_core_field_exists(struct mm_struct___seqcount, mm_lock_seq)) {
		seq = ((struct mm_struct___seqcount *)mm)->mm_lock_seq.sequence;
		if (seq & 1)
			return 0;
	} else if (bpf_core_field_exists(struct mm_struct___int, mm_lock_seq)) {
		seq = ((struct mm_struct___int *)mm)->mm_lock_seq;
	} else {
		return 0;
	}
	return (1ULL << 32) | seq; /* never 0 */
}

static struct mt_unwind_vma_cache *vma_cache(struct task_struct *task, bool create)
{
	__u64 mm = (__u64)task->mm;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct mt_unwind_vma_cache *c, *p;

	c = bpf_task_storage_get(&unwind_vma_cache, task, 0,
				 create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
	if (c && c->mm != mm) {
		/* a new thread (or a new image) starts from what the
		 * process's threads found: what it publishes then never
		 * holds less than what it replaces */
		p = bpf_map_lookup_elem(&unwind_proc_vmas, &tgid);
		if (p && p->mm == mm) {
			*c = *p;
		} else {
			__builtin_memset(c->v, 0, sizeof(c->v));
			c->mm = mm;
		}
	}
	return c;
}

static __always_inline void vma_cache_put(struct task_struct *task, const struct mt_unwind_vma *v)
{
	struct mt_unwind_vma_cache *c = vma_cache(task, true);
	__u32 i;

	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (!c)
		return;
	for (i = 0; i < UNWIND_VMA_CACHE; i++) {
		if (c->v[i].start == v->start && c->v[i].end == v->end) {
			if (c->v[i].seq == v->seq)
				return;
			c->v[i] = *v; /* confirmed under the current count */
			goto publish;
		}
	}
	c->v[c->next & (UNWIND_VMA_CACHE - 1)] = *v;
	c->next++;
publish:
	bpf_map_update_elem(&unwind_proc_vmas, &tgid, c, BPF_ANY);
}

/* The entry whose range holds pc: 0 none, 1 one (maybe stale), 2 one
 * found under count seq (seq != 0) */
static int vma_cache_scan(const struct mt_unwind_vma_cache *c, __u64 pc,
			  struct mt_unwind_vma *out, __u64 seq)
{
	__u32 i;

	for (i = 0; i < UNWIND_VMA_CACHE; i++) {
		if (pc >= c->v[i].start && pc < c->v[i].end) {
			*out = c->v[i];
			return seq && out->seq == seq ? 2 : 1;
		}
	}
	return 0;
}

static __always_inline int vma_cache_get(struct task_struct *task, __u64 pc, struct mt_unwind_vma *out,
			 __u64 seq)
{
	struct mt_unwind_vma_cache *c = vma_cache(task, false), *p;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	int found;

	if (c && (found = vma_cache_scan(c, pc, out, seq)))
		return found;
	p = bpf_map_lookup_elem(&unwind_proc_vmas, &tgid);
	if (!p || p->mm != (__u64)task->mm)
		return 0;
	return vma_cache_scan(p, pc, out, seq);
}

/* The file's table entry, asking user space for it on first sight. */
static __always_inline void unwind_lookup_file(struct mt_unwind_walk *u)
{
	struct mt_unwind_file_key key = { .ino = u->vma.ino, .dev = u->vma.dev };
	struct mt_unwind_file pending = { .flags = MT_UF_PENDING }, *f;
	struct mt_unwind_miss *ev;

	__builtin_memset(&u->file, 0, sizeof(u->file));
	u->file_final = !u->vma.has_file; /* anonymous code (JIT) never gets a table */
	if (!u->vma.has_file)
		return;
	f = bpf_map_lookup_elem(&unwind_files, &key);
	if (f) {
		u->file = *f;
		u->file_final = !(f->flags & MT_UF_PENDING);
		return;
	}
	/* the first CPU to insert asks; the others see it pending */
	if (bpf_map_update_elem(&unwind_files, &key, &pending, BPF_NOEXIST))
		return;
	ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		bpf_map_delete_elem(&unwind_files, &key); /* ask again next time */
		stat_add(MT_STAT_DROP_EVENTS, 1);
		return;
	}
	ev->type = MT_EV_UNWIND_MISS;
	ev->tgid = u->tgid;
	ev->file = key;
	ev->vm_start = u->vma.start;
	ev->vm_end = u->vma.end;
	bpf_ringbuf_submit(ev, 0);
}

/* The row for file offset off, or NULL (before the first row). */
static __always_inline struct mt_unwind_row *unwind_find_row(const struct mt_unwind_file *f, __u32 off)
{
	__u32 lo = f->row_start, hi = f->row_start + f->nrows, i;

	for (i = 0; i < UNWIND_SEARCH_STEPS && lo < hi; i++) {
		__u32 mid = lo + (hi - lo) / 2;
		struct mt_unwind_row *r = bpf_map_lookup_elem(&unwind_rows, &mid);

		if (!r)
			return NULL;
		if (r->pc <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == f->row_start)
		return NULL;
	lo--;
	return bpf_map_lookup_elem(&unwind_rows, &lo);
}

enum unwind_how { HOW_STOP, HOW_END, HOW_ROW, HOW_FP, HOW_FP_GUESS };

/* How to get past the current frame, worked out; *out gets the row for
 * HOW_ROW. */
static __always_inline int choose_uncached(struct mt_unwind_walk *u, struct mt_unwind_row *out)
{
	struct mt_unwind_row *found = NULL, **row = &found;
	struct task_struct *task;
	int cached;
	__u64 pc;
	long err;

	pc = u->pc;
	if (!u->vma_known || pc < u->vma.start || pc >= u->vma.end) {
		task = bpf_get_current_task_btf();
		cached = vma_cache_get(task, pc, &u->vma, u->seq);
		if (cached != 2) {
			struct mt_unwind_vma found_vma = {}; /* find_vma wants the stack */

			err = bpf_find_vma(task, pc, unwind_vma_cb, &found_vma, 0);
			if (!err) {
				found_vma.seq = u->seq;
				u->vma = found_vma;
				vma_cache_put(task, &found_vma);
			} else if (err != -EBUSY || !cached) {
				/* not mapped: no return address; -EBUSY
				 * (another thread holds the mmap lock) and
				 * not seen before: the stack ends here */
				u->vma_known = 0;
				return HOW_STOP;
			}
		}
		u->vma_known = 1;
		u->vma_exact = cached == 2 || !err;
		unwind_lookup_file(u);
	}
	if (!(u->file.flags & (MT_UF_FP | MT_UF_ROWS)))
		return HOW_FP_GUESS; /* no file (JIT), no table yet, or none */
	if (unwind_mode == MT_UNWIND_FP)
		return u->file.flags & MT_UF_FP ? HOW_FP : HOW_FP_GUESS;
	if (unwind_mode == MT_UNWIND_AUTO && (u->file.flags & MT_UF_FP))
		return HOW_FP;
	if (!(u->file.flags & MT_UF_ROWS))
		return u->file.flags & MT_UF_FP ? HOW_FP : HOW_FP_GUESS;
	*row = unwind_find_row(&u->file, (__u32)(pc - u->vma.start + (u->vma.pgoff << 12)));
	if (!*row || (*row)->kind == MT_ROW_NONE)
		/* code without unwind information (assembly): its frame
		 * pointer is only worth trying where the file keeps them */
		return u->file.flags & MT_UF_FP ? HOW_FP_GUESS : HOW_STOP;
	if ((*row)->kind == MT_ROW_END)
		return HOW_END;
	if ((*row)->kind == MT_ROW_UNSUPPORTED)
		return HOW_STOP;
	*out = **row;
	return HOW_ROW;
}

static __u32 memo_slot(__u64 ip)
{
	return (ip ^ (ip >> 5) ^ (ip >> 12)) & (UNWIND_MEMO - 1);
}

/* How to get past the current frame; *out gets the row for HOW_ROW.
 * A global function: the verifier checks it once, on its own, rather
 * than once per path of the walk that reaches it. */
__noinline int unwind_choose(struct stack_scratch *s, struct mt_unwind_row *out)
{
	struct mt_unwind_memo *m;
	struct mt_unwind_walk *u;
	__u32 slot;
	int how;

	if (!s || !out)
		return HOW_STOP;
	u = &s->walk;
	m = &s->memo;
	slot = memo_slot(u->pc);
	if (u->seq && m->seq == u->seq && m->mm == u->mm && m->e[slot].pc == u->pc) {
		*out = m->e[slot].row;
		return out->pc;
	}
	/* file_final stays the current file's: a frame in the same mapping
	 * as the last one looks no file up (clearing it here made every walk
	 * with two uncached frames in one file unreplayable) */
	how = choose_uncached(u, out);
	if (!u->seq || !u->vma_known || !u->vma_exact || !u->file_final) {
		u->replayable = 0;
		return how; /* may change without a mapping change */
	}
	if (m->seq != u->seq || m->mm != u->mm) {
		__builtin_memset(m->e, 0, sizeof(m->e));
		m->seq = u->seq;
		m->mm = u->mm;
	}
	m->e[slot].pc = u->pc;
	m->e[slot].row = how == HOW_ROW ? *out : (struct mt_unwind_row){};
	m->e[slot].row.pc = how;
	return how;
}

/* Where return probes are pending (inside a probed allocator: a fault,
 * its mmap), the kernel has replaced the return address on the stack with
 * its trampoline's and keeps the original per thread: the return address
 * stored at slot, or 0. Plain loads through the task's trusted pointer. */
#define UNWIND_MAX_URETPROBES 16

static __u64 uretprobe_trampoline(struct task_struct *task)
{
	struct xol_area *xa;

	if (!bpf_core_field_exists(task->mm->uprobes_state))
		return 0;
	xa = task->mm->uprobes_state.xol_area;
	return xa ? xa->vaddr : 0;
}

__noinline __u64 uretprobe_original(__u64 slot)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct return_instance *ri;
	int i;

	if (!task->utask)
		return 0;
	ri = task->utask->return_instances;
	for (i = 0; i < UNWIND_MAX_URETPROBES && ri; i++) {
		if (ri->stack == slot)
			return ri->orig_ret_vaddr;
		ri = ri->next;
	}
	return 0;
}

/* An instruction the kernel runs out of line for a probe (in the xol
 * page, next to the trampoline) stands for the probed one: a fault there
 * is the probed instruction's. */
static __u64 xol_original(struct task_struct *task, __u64 ip, __u64 tramp)
{
	struct uprobe_task *ut = task->utask;

	if (!tramp || ip < tramp || ip >= tramp + 4096 || !ut || !ut->active_uprobe ||
	    ip < ut->xol_vaddr)
		return ip;
	return ut->vaddr + (ip - ut->xol_vaddr);
}

/* Keeps word v, at off in the window, for a replay of this walk. */
static __always_inline void replay_note(struct stack_scratch *s, __u64 off, __u64 v)
{
	__u32 k = s->replay.nwords;

	asm volatile("" : "+r"(k));
	/* a word off the 8-byte grid of the window's start: the replay
	 * compares whole words of it */
	if (k >= REPLAY_WORDS || (off & 7)) {
		s->walk.replayable = 0;
		return;
	}
	s->replay.off[k] = off;
	s->replay.val[k] = v;
	s->replay.nwords = k + 1;
	if (off + 8 > s->replay.end)
		s->replay.end = off + 8;
}

/* Reads n (8 or 16) bytes of the user stack at addr into out: from the
 * window when they lie in it, else from a new window there (2 KiB, or up
 * to the page's end where 2 KiB run past the stack's top), else alone. */
static __always_inline long stack_read(struct stack_scratch *s, __u64 addr, __u64 out[2],
				       __u32 n)
{
	struct mt_unwind_walk *u = &s->walk;
	__u64 off = addr - s->win_base, len;

	if (addr < s->win_base || off + n > s->win_len) {
		len = UNWIND_WINDOW;
		if (bpf_probe_read_user(s->win, UNWIND_WINDOW, (void *)addr)) {
			len = 4096 - (addr & 4095);
			asm volatile("" : "+r"(len));
			if (len < n || len > UNWIND_WINDOW ||
			    bpf_probe_read_user(s->win, len, (void *)addr)) {
				s->win_len = 0;
				u->replayable = 0;
				return bpf_probe_read_user(out, n, (void *)addr);
			}
		}
		s->win_base = addr;
		s->win_len = len;
		off = 0;
		if (u->windows++ || addr < u->sp || addr - u->sp > 0xffffffff)
			u->replayable = 0;
		if (u->replayable)
			s->replay.base_off = addr - u->sp;
	}
	/* opaque to clang, so the bound checked is the register indexed with */
	asm volatile("" : "+r"(off));
	if (off > UNWIND_WINDOW - 16)
		return -1;
	out[0] = *(__u64 *)(s->win + off);
	if (n > 8)
		out[1] = *(__u64 *)(s->win + off + 8);
	if (u->replayable) {
		replay_note(s, off, out[0]);
		if (n > 8)
			replay_note(s, off + 8, out[1]);
	}
	return 0;
}

static long unwind_step(__u32 i, struct unwind_loop_ctx *ctx)
{
	struct stack_scratch *s = ctx->s;
	struct mt_unwind_row row = {};
	__u64 cfa, ra = 0, bp, sp, pair[2];
	struct mt_unwind_walk *u;
	struct mt_stack *st;
	enum unwind_how how;
	__u64 idx;

	u = &s->walk;
	st = &s->st;
	bp = u->bp;
	idx = u->n;
	/* opaque to clang, so it bounds the register it then indexes with
	 * (else it re-derives the index, which the verifier does not see
	 * checked) */
	asm volatile("" : "+r"(idx));
	if (idx >= MT_STACK_DEPTH)
		return 1;
	if (u->skip) {
		u->skip--;
	} else {
		st->ips[idx] = u->ip;
		u->n = idx + 1;
	}

	u->pc = u->exact ? u->ip : u->ip - 1; /* a return address: inside the call */
	u->exact = 0;
	how = unwind_choose(s, &row);
	switch (how) {
	case HOW_END:
		return 1;
	case HOW_STOP:
		u->flags |= MT_STACK_PARTIAL;
		return 1;
	case HOW_ROW:
		cfa = (row.kind == MT_ROW_CFA_RSP ? u->sp : u->bp) + (__u64)row.cfa_off8 * 8;
		sp = cfa;
		if (row.rbp_off8 == -2)
			goto read_pair; /* push %rbp right after the call */
		if (row.rbp_off8) {
			if (stack_read(s, cfa + (__s64)row.rbp_off8 * 8, pair, 8))
				goto unreadable;
			bp = pair[0];
		}
		if (stack_read(s, cfa - 8, pair, 8))
			goto unreadable;
		ra = pair[0];
		goto have_ra;
	default: /* HOW_FP, HOW_FP_GUESS */
		if (!u->bp) {
			/* rbp 0: the outermost frame (_start and thread
			 * starts clear it), if rbp is a frame pointer here */
			if (how == HOW_FP_GUESS)
				u->flags |= MT_STACK_PARTIAL;
			return 1;
		}
		if (how == HOW_FP_GUESS)
			u->flags |= MT_STACK_PARTIAL;
		cfa = u->bp + 16;
		sp = cfa;
		goto read_pair;
	}
read_pair:
	/* the saved rbp and the return address side by side: one read */
	if (stack_read(s, cfa - 16, pair, 16))
		goto unreadable;
	bp = pair[0];
	ra = pair[1];
have_ra:
	if (ra && ra == u->tramp) {
		u->replayable = 0; /* the kernel's record, not a stack word */
		if (!(ra = uretprobe_original(cfa - 8)))
			goto unreadable;
	}
	if (!ra)
		return 1; /* a zero return address ends some stacks */
	if (sp <= u->sp)
		goto unreadable; /* callers live above: a loop or garbage */
	if (u->n >= MT_STACK_DEPTH) {
		u->flags |= MT_STACK_PARTIAL; /* deeper than we keep */
		return 1;
	}
	u->ip = ra;
	u->sp = sp;
	u->bp = bp;
	return 0;
unreadable:
	u->flags |= MT_STACK_PARTIAL;
	u->replayable = 0;
	return 1;
}

#define UNWIND_EXACT	(1u << 0) /* ip is the instruction running (a fault, a syscall) */
#define UNWIND_SKIP1	(1u << 1) /* walk through the first frame without writing it */

/* Unwinds the user stack from registers ip, sp, bp into s->st. ip is a
 * return address (at an allocator's return, in its caller) unless
 * UNWIND_EXACT; UNWIND_SKIP1 for a syscall that came through a libc
 * wrapper. A walk from a return is noted for unwind_replay (kept by
 * unwind_replay_keep once its stack is stored). */
static __always_inline void unwind_user(__u64 ip, __u64 sp, __u64 bp, __u32 how,
					struct stack_scratch *s)
{
	struct mt_unwind_walk *u = &s->walk;
	struct mt_unwind_replay *r = &s->replay;
	struct task_struct *task = bpf_get_current_task_btf();
	struct unwind_loop_ctx ctx = { .s = s };

	__builtin_memset(u, 0, sizeof(*u));
	u->ip = ip;
	u->sp = sp;
	u->bp = bp;
	u->exact = !!(how & UNWIND_EXACT);
	u->skip = !!(how & UNWIND_SKIP1);
	u->tgid = bpf_get_current_pid_tgid() >> 32;
	u->seq = mm_change_seq(task);
	u->mm = (__u64)task->mm;
	u->tramp = uretprobe_trampoline(task);
	if (u->exact)
		u->ip = xol_original(task, u->ip, u->tramp);
	u->replayable = !how && u->seq;
	if (u->replayable) {
		r->id = 0;
		r->ip = ip;
		r->sp = sp;
		r->bp = bp;
		r->mm = u->mm;
		r->seq = u->seq;
		r->nwords = 0;
		r->end = 0;
	}
	bpf_loop(MT_STACK_DEPTH + 1, unwind_step, &ctx, 0);
	mt_stat_inc(MT_STAT_STACK_WALKS);
	s->st.nframes = u->n;
	s->st.flags = MT_STACK_WALKED | u->flags;
	if (u->flags & MT_STACK_PARTIAL)
		mt_stat_inc(MT_STAT_STACK_PARTIAL);
}

/* The walk just made can be replayed, as stack id: its words came from
 * the one window it read. Only a walk from a return writes the replay's
 * record: a fault's or a syscall's walk between two leaves it as it was. */
static __always_inline void unwind_replay_keep(struct stack_scratch *s, __u64 id)
{
	if (!s->walk.replayable || s->walk.windows != 1 || !s->replay.nwords)
		return;
	s->replay.partial = !!(s->st.flags & MT_STACK_PARTIAL);
	s->replay.id = id;
}

/* Span of user stack a replay reads into its own frame rather than into
 * the thread's window: the kernel's hardened-usercopy check of a read's
 * destination costs about 80 ns more for heap memory (the task storage)
 * than for the stack, most of a short read. Shallow stacks fit (the
 * bench's churn thread needs 192 bytes); a 20-frame walk (576 bytes)
 * takes the window. The bound is 6.1's: its verifier limits the stack of
 * the whole call chain to 512 bytes, and the return's is the program,
 * leave, mt_record_alloc and store_stack (32 + 32 + 128 + 64, rounded
 * up as it counts them) before this one, whose frame is this buffer
 * alone (480 in all). */
#define REPLAY_NEAR_BYTES 224

/* True when the words of the thread's last walk hold what they held: the
 * window's first len bytes are read from the user stack at src. */
static __noinline bool replay_words_match(struct stack_scratch *s, __u64 src, __u64 len)
{
	struct mt_unwind_replay *r = &s->replay;
	__u64 near[REPLAY_NEAR_BYTES / 8];
	__u64 w, words = len / 8;
	__u64 *buf = near;
	__u32 k, n;

	if (len > REPLAY_NEAR_BYTES)
		buf = (__u64 *)s->win;
	if (len < 8 || len > UNWIND_WINDOW || bpf_probe_read_user(buf, len, (void *)src))
		return false;
	n = r->nwords; /* loaded after the read, not kept across it in this frame */
	for (k = 0; k < REPLAY_WORDS && k < n; k++) {
		w = r->off[k] / 8; /* a multiple of 8: replay_note */
		asm volatile("" : "+r"(w));
		if (w >= words || buf[w] != r->val[k])
			return false;
	}
	return true;
}

/* The stack id a walk from ip, sp, bp would give, when the thread's last
 * walk from a return started there and would go the same way now; 0
 * otherwise. What it read is not left as a window for the walk that
 * follows a mismatch: that walk reads its own, so that the words it
 * notes for the next replay lie in one window, at one base. */
static __always_inline __u64 unwind_replay(struct stack_scratch *s, __u64 ip, __u64 sp, __u64 bp)
{
	struct mt_unwind_replay *r = &s->replay;
	struct task_struct *task;
	__u64 seq;

	if (!r->id || r->ip != ip || r->sp != sp || r->bp != bp)
		return 0;
	task = bpf_get_current_task_btf();
	seq = mm_change_seq(task);
	if (!seq || seq != r->seq || r->mm != (__u64)task->mm)
		return 0;
	if (!replay_words_match(s, sp + r->base_off, r->end))
		return 0;
	if (r->partial)
		mt_stat_inc(MT_STAT_STACK_PARTIAL);
	return r->id;
}

#endif /* UNWIND_BPF_H */
