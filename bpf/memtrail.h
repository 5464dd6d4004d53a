/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What crosses the BPF <-> user-space boundary: limits, map keys and values,
 * event records and counters. Only fixed-width types, no padding holes. */
#ifndef MEMTRAIL_H
#define MEMTRAIL_H

#define MT_STACK_DEPTH 64 /* user frames kept per stack */
#define MT_CGROUP_MAX_LEVEL 64 /* cgroup2 depths the filter can name (bits of a u64) */

/* Allocation kinds. A new event kind is a new value, flowing through
 * unchanged code (the profile model and writers take it as a label). */
enum mt_kind {
	MT_KIND_MALLOC = 0,
	MT_KIND_MMAP,	/* mapped by the user's own mmap/mremap/brk (kept in user space) */
	MT_KIND_FAULT,	/* pages first touched: growth, never decremented */
	MT_KIND__COUNT,
};

/* Allocator entry points, one BPF program pair each. */
enum mt_func {
	MT_FN_MALLOC = 0,
	MT_FN_CALLOC,
	MT_FN_REALLOC,
	MT_FN_REALLOCARRAY,
	MT_FN_FREE,
	MT_FN_POSIX_MEMALIGN,
	MT_FN_ALIGNED_ALLOC,
	MT_FN_MEMALIGN,
	MT_FN_VALLOC,
	MT_FN_PVALLOC,
	MT_FN__COUNT,
	/* syscall wrappers (mmap, munmap, mremap, brk): only their entry stack
	 * pointer is kept, so the kernel hooks can name the wrapper's caller */
	MT_FN_SYSCALL_WRAPPER = MT_FN__COUNT,
};

/* Per-CPU counters in the `stats` map. Every event that is not recorded
 * exactly is counted under a name here, and the report shows it. */
enum mt_stat {
	MT_STAT_ALLOCS = 0,	  /* allocations recorded */
	MT_STAT_FREES,		  /* frees that matched a recorded allocation */
	MT_STAT_UNMATCHED_FREES,  /* free of an address not recorded (allocated before tracing) */
	MT_STAT_FAILED_ALLOCS,	  /* allocator returned NULL / error: not an allocation */
	MT_STAT_NESTED,		  /* allocator calls made inside another one, counted once */
	MT_STAT_DROP_LIVE_FULL,	  /* `live` slots and `live_overflow` full: allocation
				     not recorded */
	MT_STAT_DROP_TOTALS_FULL,  /* `fault_totals` map full: a page fault not counted */
	MT_STAT_DROP_STACK_COLLISION, /* another stack has the same 64-bit id: recorded as lost */
	MT_STAT_DROP_STACK_ERROR, /* stack could not be read: recorded as lost */
	MT_STAT_DROP_STACKS_FULL, /* `stacks` map full: recorded as lost */
	MT_STAT_DROP_NO_TASK_STATE, /* per-thread state unavailable: call not traced,
				       or its stack recorded as lost */
	MT_STAT_INFERRED_FREES,	  /* address returned again without a free we saw: old record retired */
	MT_STAT_DROP_EVENTS,	  /* ring buffer full: exit/exec notification lost */
	MT_STAT_VM_CALLS,	  /* mmap/munmap/mremap/brk calls seen */
	MT_STAT_VM_INTERNAL,	  /* ... of those, made inside the allocator */
	MT_STAT_DROP_VM_EVENTS,	  /* ring buffer full: a mapping change was lost */
	MT_STAT_FAULTS,		  /* first-touch page faults counted */
	MT_STAT_RSS_EVENTS,	  /* RSS counter changes seen */
	MT_STAT_DROP_RSS_FULL,	  /* `rss` map full: a process's RSS not followed */
	MT_STAT_DROP_STACK_STORE, /* `stacks` refused a new stack for another reason
				     than being full (-EBUSY, -ENOMEM): recorded as lost */
	MT_STAT_STACK_PARTIAL,	  /* recorded with a partial stack: the unwinder stopped
				     early or went through frames it could not verify */
	MT_STAT_FREES_UNSAMPLED,  /* --sample: free of a block that was not sampled (or
				     allocated before tracing): expected, not a drop */
	MT_STAT_STACK_WALKS,	  /* stacks memtrail's unwinder walked (a stack replayed
				     from the thread's last walk is not walked again) */
	MT_STAT_THREAD_FALLBACKS, /* threads whose task storage could not be created
				     when they needed it: state kept by thread id */
	MT_STAT_LIVE_OVERFLOWS,	  /* allocations kept in live_overflow: their slots in
				     `live` were taken (many: raise --max-allocs) */
	MT_STAT__COUNT,
};

/* An outstanding allocation lives in one of two places (live_table.bpf.c):
 * a slot of `live`, an array probed at MT_LIVE_PROBES slots from
 * mt_live_slot(), claimed and released by compare-and-swap, without a lock;
 * or, when those slots are taken, `live_overflow`, a hash keyed by
 * mt_live_key. User space reads and deletes `live` through its mmap. */
#define MT_LIVE_PROBES 4
#define MT_LIVE_EMPTY 0 /* mt_live_slot.addr: free slot */
#define MT_LIVE_BUSY 1	/* ... claimed, being filled (never an allocation's address) */

struct mt_live_slot {
	__u64 addr;	/* the allocation, or MT_LIVE_EMPTY / MT_LIVE_BUSY; written last */
	__u32 tgid;
	__u32 kind;	/* enum mt_kind */
	__u64 size;
	__u64 ts_ns;
	__u64 stack_id;
};

/* The first of the MT_LIVE_PROBES slots (wrapping at nslots) where the
 * allocation at (tgid, addr) may be: a multiplicative hash, reduced to
 * [0, nslots) by a multiply so nslots need not be a power of two. */
static inline __u32 mt_live_slot(__u32 tgid, __u64 addr, __u32 nslots)
{
	__u64 h = (addr ^ ((__u64)tgid << 47)) * 0x9e3779b97f4a7c15ULL;

	return ((h >> 32) * nslots) >> 32;
}

/* live_overflow[(tgid, addr)]: an outstanding allocation that found its
 * slots taken. */
struct mt_live_key {
	__u32 tgid;
	__u32 _pad;
	__u64 addr;
};

struct mt_live_val {
	__u64 size;
	__u64 ts_ns;	/* bpf_ktime_get_ns() at allocation: the age */
	__u64 stack_id; /* key in `stacks`, or MT_STACK_LOST */
	__u32 kind;	/* enum mt_kind */
	__u32 _pad;
};

/* stacks[id]: a user stack, id = 64-bit hash of its frames. Stored and
 * compared whole, so two stacks never share an id silently (the kernel's
 * stack map loses or renames stacks once buckets collide, which happens
 * with a few dozen stacks in 16K buckets). */
struct mt_stack {
	__u32 nframes;
	__u32 flags;	/* MT_STACK_* */
	__u64 ips[MT_STACK_DEPTH]; /* ips[0]: the allocator's caller */
};

/* mt_stack.flags */
#define MT_STACK_WALKED	 (1u << 0) /* walked by memtrail's unwinder (else the
				      kernel's frame-pointer walk: not checked) */
#define MT_STACK_PARTIAL (1u << 1) /* the walk stopped before the outermost frame,
				      or went through code it could not verify */

#define MT_STACK_LOST 0 /* no stack: recorded, and counted in the drops */

/* fault_totals[(tgid, stack, kind)]: page-fault totals (MT_KIND_FAULT), added
 * to atomically. The malloc family's outstanding totals are summed from
 * the live records when a report is taken, so that neither malloc nor
 * free touches a per-stack entry that every thread allocating from that
 * stack would write. The key names a report's stack, whatever its kind. */
struct mt_stack_key {
	__u32 tgid;
	__u32 kind;
	__u64 stack_id;
};

struct mt_stack_val {
	__s64 bytes;
	__s64 allocs;
};

/* Ring-buffer records; each starts with its type. */
enum mt_event_type {
	MT_EV_EXIT = 1, /* a process exited: purge its entries */
	MT_EV_EXEC = 2, /* a process replaced its image: purge older entries */
	MT_EV_FORK = 8, /* a member of the target forked a new process: tgid (after the
			   mapping events, which took 3-7) */
	MT_EV_JOIN = 9, /* a process was moved into a target cgroup: tgid */
};

struct mt_event {
	__u32 type;
	__u32 tgid;
	__u64 ts_ns;
};

/* Mapping changes, in kernel order. A removal is sent at the syscall's
 * entry (before another thread can be handed the same range) and
 * confirmed at its exit, so user space never takes a newer mapping for an
 * older one. */
enum mt_vm_event_type {
	MT_EV_MMAP = 3,		/* [addr, addr+len) mapped (exit; MAP_FIXED replaces) */
	MT_EV_UNMAP_BEGIN = 4,	/* munmap [addr, addr+len) about to go (entry) */
	MT_EV_REMAP_BEGIN = 5,	/* mremap of [addr, addr+len) (entry) */
	MT_EV_SYSCALL_END = 6,	/* the BEGIN's call returned: addr = result, len = new length */
	MT_EV_BRK = 7,		/* program break moved from addr to addr+len (signed) */
	MT_EV_UNWIND_MISS = 10,	/* struct mt_unwind_miss: a file without unwind table (8, 9: FORK, JOIN) */
};

/* mt_vm_event.flags */
#define MT_VM_INTERNAL	(1u << 0) /* issued inside malloc & co: allocator's own */
#define MT_VM_ANON	(1u << 1) /* no file behind it */
#define MT_VM_SHARED	(1u << 2) /* MAP_SHARED */
#define MT_VM_FAILED	(1u << 3) /* SYSCALL_END: the call failed, nothing changed */

struct mt_vm_event {
	__u32 type;
	__u32 tgid;
	__u64 ts_ns;
	__u32 tid;	/* pairs BEGIN with its END */
	__u32 flags;
	__u64 addr;
	__s64 len;
	__u64 stack_id;	/* caller's stack for MMAP/BRK/END (growth), else 0 */
};

/* rss[mm_id]: a process's RSS counters as the kernel keeps them, from
 * kmem:rss_stat (it fires on every change, with the absolute value). */
enum mt_rss_member { MT_RSS_FILE = 0, MT_RSS_ANON, MT_RSS_SWAP, MT_RSS_SHMEM, MT_RSS__COUNT };

struct mt_rss {
	__u32 tgid;
	__u32 _pad;
	__s64 bytes[MT_RSS__COUNT]; /* -1: unchanged since tracing began */
	__s64 peak[MT_RSS__COUNT];  /* highest value seen, -1 likewise */
	__u64 ts_ns;		    /* last change: the newest mm of a tgid is its live one */
	__u64 member_ts[MT_RSS__COUNT]; /* when bytes[i] was read: an older value that
					   arrives late (another CPU) never overwrites it */
};

/* Unwinding (bpf/unwind.bpf.c). Per file, a table of rules sorted by file
 * offset, in one shared pool of rows; a file is named by what the kernel
 * knows of its mapping (device and inode), so every process that maps it
 * uses the same table. */
enum mt_unwind_mode {
	MT_UNWIND_KERNEL = 0,	/* bpf_get_stack: the kernel's frame-pointer walk */
	MT_UNWIND_FP,		/* memtrail's walk, frame pointers only */
	MT_UNWIND_DWARF,	/* tables wherever there are tables */
	MT_UNWIND_AUTO,		/* tables for files without frame pointers */
};

enum mt_row_kind {
	MT_ROW_NONE = 0,	/* no rule covers this range */
	MT_ROW_CFA_RSP,		/* CFA = rsp + 8*cfa_off8 */
	MT_ROW_CFA_RBP,		/* CFA = rbp + 8*cfa_off8 */
	MT_ROW_END,		/* return address undefined: the outermost frame */
	MT_ROW_UNSUPPORTED,	/* a rule the unwinder cannot follow (expression, ...) */
};

/* The return address is at CFA - 8 in every rule. */
struct mt_unwind_row {
	__u32 pc;	/* file offset where this rule begins; it ends at the next row */
	__u16 cfa_off8;
	__u8 kind;	/* enum mt_row_kind */
	__s8 rbp_off8;	/* the caller's rbp is at CFA + 8*rbp_off8; 0: rbp unchanged */
};

struct mt_unwind_file_key {
	__u64 ino;
	__u32 dev;	/* the kernel's encoding: major << 20 | minor */
	__u32 _pad;
};

/* unwind_files[key] */
/* the key of the vDSO's table (no file: the same image in every process) */
#define MT_VDSO_INO (~0ULL)

#define MT_UF_PENDING	(1u << 0) /* asked for (MT_EV_UNWIND_MISS sent), not loaded yet */
#define MT_UF_FP	(1u << 1) /* its code keeps frame pointers */
#define MT_UF_ROWS	(1u << 2) /* rows[row_start..row_start+nrows) are its rules */

struct mt_unwind_file {
	__u32 row_start;
	__u32 nrows;
	__u32 flags;	/* MT_UF_* */
	__u32 _pad;
};

struct mt_unwind_miss {
	__u32 type;	/* MT_EV_UNWIND_MISS */
	__u32 tgid;
	struct mt_unwind_file_key file;
	__u64 vm_start, vm_end; /* the mapping it was seen in (map_files name) */
};

#endif /* MEMTRAIL_H */
