// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* vm_map: hand-made mmap/munmap/mremap/brk event sequences, and after each
 * step the exact list of ranges (start, end, stack, call identity, flags)
 * the process must have. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm_map.h"

#define PID 4242
#define PID2 4343
#define TID PID		/* the main thread */
#define TID2 (PID + 1)	/* another thread of PID */

/* addresses in pages */
#define PG(n) ((uint64_t)(n) * 0x1000)

#define ANON MT_VM_ANON
#define SHARED MT_VM_SHARED
#define INTERNAL MT_VM_INTERNAL
#define FAILED MT_VM_FAILED

static struct vm_map *m;
static uint64_t now_ns;

/* Call identity: tests name calls by a small label; the first time a label
 * is seen it is bound to the call the map gave that range, and from then on
 * ranges with that label must carry that call and no other range may. */
#define MAX_LABELS 32
static uint64_t label_call[MAX_LABELS];
static bool label_bound[MAX_LABELS];

static void setup(void)
{
	m = vm_map__new();
	cr_assert_not_null(m);
	now_ns = 0;
	memset(label_call, 0, sizeof(label_call));
	memset(label_bound, 0, sizeof(label_bound));
}

static void teardown(void)
{
	vm_map__free(m);
	m = NULL;
}

TestSuite(vm_map, .init = setup, .fini = teardown, .timeout = 10);

/* ---- building events ---------------------------------------------------- */

static struct mt_vm_event vm_ev(uint32_t type, pid_t pid, uint32_t tid, uint64_t addr,
				int64_t len, uint64_t stack_id, uint32_t flags)
{
	struct mt_vm_event ev = {
		.type = type, .tgid = (uint32_t)pid, .ts_ns = (now_ns += 1000), .tid = tid,
		.flags = flags, .addr = addr, .len = len, .stack_id = stack_id,
	};

	return ev;
}

static void feed(struct mt_vm_event ev)
{
	cr_assert(eq(int, vm_map__apply(m, &ev), 0), "apply(type %u, addr %#llx, len %lld)",
		  ev.type, (unsigned long long)ev.addr, (long long)ev.len);
}

static void do_mmap(pid_t pid, uint64_t addr, int64_t len, uint64_t stack_id, uint32_t flags)
{
	feed(vm_ev(MT_EV_MMAP, pid, (uint32_t)pid, addr, len, stack_id, flags));
}

static void unmap_begin(pid_t pid, uint32_t tid, uint64_t addr, int64_t len)
{
	feed(vm_ev(MT_EV_UNMAP_BEGIN, pid, tid, addr, len, 0, 0));
}

static void remap_begin(pid_t pid, uint32_t tid, uint64_t addr, int64_t len, uint32_t flags)
{
	feed(vm_ev(MT_EV_REMAP_BEGIN, pid, tid, addr, len, 0, flags));
}

/* END as the BPF side sends it: addr = result, len = new length */
static void sys_end(pid_t pid, uint32_t tid, uint64_t addr, int64_t len, uint64_t stack_id,
		    uint32_t flags)
{
	feed(vm_ev(MT_EV_SYSCALL_END, pid, tid, addr, len, stack_id, flags));
}

static void do_brk(pid_t pid, uint64_t addr, int64_t len, uint64_t stack_id, uint32_t flags)
{
	feed(vm_ev(MT_EV_BRK, pid, (uint32_t)pid, addr, len, stack_id, flags));
}

/* ---- comparing ranges --------------------------------------------------- */

struct want {
	uint64_t start, end, stack_id;
	int call;	/* label, see label_call */
	uint32_t flags;
};

static char *describe(const struct vm_range *r, size_t n)
{
	char *buf = NULL;
	size_t sz = 0, i;
	FILE *f = open_memstream(&buf, &sz);

	cr_assert_not_null(f);
	fprintf(f, "%zu range(s)", n);
	for (i = 0; i < n; i++)
		fprintf(f, "\n    [%#llx, %#llx) stack %llu call %llu flags %#x ts %llu",
			(unsigned long long)r[i].start, (unsigned long long)r[i].end,
			(unsigned long long)r[i].stack_id, (unsigned long long)r[i].call,
			r[i].flags, (unsigned long long)r[i].ts_ns);
	fclose(f);
	return buf;
}

static char *describe_want(const struct want *w, size_t n)
{
	char *buf = NULL;
	size_t sz = 0, i;
	FILE *f = open_memstream(&buf, &sz);

	cr_assert_not_null(f);
	fprintf(f, "%zu range(s)", n);
	for (i = 0; i < n; i++)
		fprintf(f, "\n    [%#llx, %#llx) stack %llu call <%d> flags %#x",
			(unsigned long long)w[i].start, (unsigned long long)w[i].end,
			(unsigned long long)w[i].stack_id, w[i].call, w[i].flags);
	fclose(f);
	return buf;
}

/* "" when r[] matches w[], else why not */
static const char *mismatch(const struct vm_range *r, const struct want *w, size_t n)
{
	uint64_t bound[MAX_LABELS];
	bool is_bound[MAX_LABELS];
	size_t i;
	int l;

	memcpy(bound, label_call, sizeof(bound));
	memcpy(is_bound, label_bound, sizeof(is_bound));
	for (i = 0; i < n; i++) {
		if (r[i].start != w[i].start || r[i].end != w[i].end)
			return "bounds";
		if (r[i].stack_id != w[i].stack_id)
			return "stack_id";
		if (r[i].flags != w[i].flags)
			return "flags";
		cr_assert(w[i].call > 0 && w[i].call < MAX_LABELS, "bad label %d", w[i].call);
		if (is_bound[w[i].call]) {
			if (r[i].call != bound[w[i].call])
				return "call (differs from the label's call)";
			continue;
		}
		for (l = 0; l < MAX_LABELS; l++)
			if (is_bound[l] && bound[l] == r[i].call)
				return "call (shared with another label)";
		is_bound[w[i].call] = true;
		bound[w[i].call] = r[i].call;
	}
	/* commit the new bindings only on a full match */
	memcpy(label_call, bound, sizeof(bound));
	memcpy(label_bound, is_bound, sizeof(is_bound));
	return "";
}

static void check_at(int line, pid_t pid, const struct want *w, size_t nw)
{
	size_t n = 99;
	const struct vm_range *r = vm_map__ranges(m, pid, &n);
	const char *why = "count";
	char *got, *exp;

	if (n == nw) {
		if (!n) {
			if (!r)
				return;
			why = "non-NULL list for no ranges";
		} else if (!r) {
			why = "NULL list";
		} else {
			why = mismatch(r, w, n);
			if (!*why)
				return;
		}
	}
	got = describe(r, r ? n : 0);
	exp = describe_want(w, nw);
	cr_fail("line %d, pid %d: ranges differ (%s)\n  actual: %s\n  expected: %s", line,
		(int)pid, why, got, exp);
	free(got);
	free(exp);
}

#define CHECK(pid, ...)                                                           \
	do {                                                                      \
		const struct want w_[] = { __VA_ARGS__ };                           \
		check_at(__LINE__, (pid), w_, sizeof(w_) / sizeof(w_[0]));          \
	} while (0)
#define CHECK_NONE(pid) check_at(__LINE__, (pid), NULL, 0)

#define LOST(n) cr_assert(eq(u64, vm_map__lost(m), (n)), "lost")

/* ---- mmap ----------------------------------------------------------------- */

Test(vm_map, empty_map)
{
	pid_t *pids = NULL;
	size_t n = 7;

	CHECK_NONE(PID);
	cr_assert(eq(int, vm_map__pids(m, &pids, &n), 0));
	cr_assert(eq(sz, n, 0));
	free(pids);
	LOST(0);
}

Test(vm_map, mmap_inserts_sorted)
{
	do_mmap(PID, PG(0x30), PG(1), 11, ANON);
	CHECK(PID, { PG(0x30), PG(0x31), 11, 1, ANON });
	do_mmap(PID, PG(0x10), PG(2), 12, ANON | SHARED);
	CHECK(PID, { PG(0x10), PG(0x12), 12, 2, ANON | SHARED },
	      { PG(0x30), PG(0x31), 11, 1, ANON });
	do_mmap(PID, PG(0x50), PG(4), 13, 0);
	CHECK(PID, { PG(0x10), PG(0x12), 12, 2, ANON | SHARED },
	      { PG(0x30), PG(0x31), 11, 1, ANON },
	      { PG(0x50), PG(0x54), 13, 3, 0 });
	/* adjacent on both sides: a range of its own, not merged */
	do_mmap(PID, PG(0x12), PG(0x1e), 14, SHARED | INTERNAL);
	CHECK(PID, { PG(0x10), PG(0x12), 12, 2, ANON | SHARED },
	      { PG(0x12), PG(0x30), 14, 4, SHARED | INTERNAL },
	      { PG(0x30), PG(0x31), 11, 1, ANON },
	      { PG(0x50), PG(0x54), 13, 3, 0 });
	/* the same stack again is still another call */
	do_mmap(PID, PG(0x40), PG(1), 11, ANON);
	CHECK(PID, { PG(0x10), PG(0x12), 12, 2, ANON | SHARED },
	      { PG(0x12), PG(0x30), 14, 4, SHARED | INTERNAL },
	      { PG(0x30), PG(0x31), 11, 1, ANON },
	      { PG(0x40), PG(0x41), 11, 5, ANON },
	      { PG(0x50), PG(0x54), 13, 3, 0 });
	LOST(0);
}

Test(vm_map, mmap_keeps_timestamp)
{
	const struct vm_range *r;
	size_t n;

	now_ns = 5000;
	do_mmap(PID, PG(0x10), PG(1), 11, ANON);
	r = vm_map__ranges(m, PID, &n);
	cr_assert(eq(sz, n, 1));
	cr_assert(eq(u64, r[0].ts_ns, 6000));
}

Test(vm_map, mmap_fixed_replaces_overlap)
{
	do_mmap(PID, PG(0x10), PG(4), 11, ANON);
	do_mmap(PID, PG(0x16), PG(4), 12, ANON);
	CHECK(PID, { PG(0x10), PG(0x14), 11, 1, ANON }, { PG(0x16), PG(0x1a), 12, 2, ANON });
	/* over the tail of one, the gap and the head of the next */
	do_mmap(PID, PG(0x12), PG(6), 13, SHARED);
	CHECK(PID, { PG(0x10), PG(0x12), 11, 1, ANON },
	      { PG(0x12), PG(0x18), 13, 3, SHARED },
	      { PG(0x18), PG(0x1a), 12, 2, ANON });
	/* inside one range: it becomes two pieces of the same call */
	do_mmap(PID, PG(0x14), PG(2), 14, ANON);
	CHECK(PID, { PG(0x10), PG(0x12), 11, 1, ANON },
	      { PG(0x12), PG(0x14), 13, 3, SHARED },
	      { PG(0x14), PG(0x16), 14, 4, ANON },
	      { PG(0x16), PG(0x18), 13, 3, SHARED },
	      { PG(0x18), PG(0x1a), 12, 2, ANON });
	/* exactly over one range */
	do_mmap(PID, PG(0x14), PG(2), 15, 0);
	CHECK(PID, { PG(0x10), PG(0x12), 11, 1, ANON },
	      { PG(0x12), PG(0x14), 13, 3, SHARED },
	      { PG(0x14), PG(0x16), 15, 5, 0 },
	      { PG(0x16), PG(0x18), 13, 3, SHARED },
	      { PG(0x18), PG(0x1a), 12, 2, ANON });
	/* over everything and beyond on both sides */
	do_mmap(PID, PG(0x0f), PG(0x0c), 16, ANON);
	CHECK(PID, { PG(0x0f), PG(0x1b), 16, 6, ANON });
	LOST(0);
}

/* ---- munmap ------------------------------------------------------------- */

Test(vm_map, munmap_exact)
{
	do_mmap(PID, PG(0x10), PG(2), 11, ANON);
	do_mmap(PID, PG(0x20), PG(2), 12, ANON);
	unmap_begin(PID, TID, PG(0x10), PG(2));
	/* gone at the entry already */
	CHECK(PID, { PG(0x20), PG(0x22), 12, 2, ANON });
	sys_end(PID, TID, 0, 0, 0, 0);
	CHECK(PID, { PG(0x20), PG(0x22), 12, 2, ANON });
	unmap_begin(PID, TID, PG(0x20), PG(2));
	sys_end(PID, TID, 0, 0, 0, 0);
	CHECK_NONE(PID);
	LOST(0);
}

Test(vm_map, munmap_hole_in_middle)
{
	do_mmap(PID, PG(0x10), PG(8), 11, ANON | SHARED);
	do_mmap(PID, PG(0x30), PG(1), 12, ANON);
	unmap_begin(PID, TID, PG(0x13), PG(2));
	sys_end(PID, TID, 0, 0, 0, 0);
	CHECK(PID, { PG(0x10), PG(0x13), 11, 1, ANON | SHARED },
	      { PG(0x15), PG(0x18), 11, 1, ANON | SHARED },
	      { PG(0x30), PG(0x31), 12, 2, ANON });
	/* the head and the tail of the pieces */
	unmap_begin(PID, TID, PG(0x10), PG(1));
	sys_end(PID, TID, 0, 0, 0, 0);
	unmap_begin(PID, TID, PG(0x17), PG(1));
	sys_end(PID, TID, 0, 0, 0, 0);
	CHECK(PID, { PG(0x11), PG(0x13), 11, 1, ANON | SHARED },
	      { PG(0x15), PG(0x17), 11, 1, ANON | SHARED },
	      { PG(0x30), PG(0x31), 12, 2, ANON });
	LOST(0);
}

Test(vm_map, munmap_spanning_mappings_and_gaps)
{
	do_mmap(PID, PG(0x01), PG(2), 11, ANON);
	do_mmap(PID, PG(0x04), PG(2), 12, 0);
	do_mmap(PID, PG(0x07), PG(2), 13, SHARED);
	do_mmap(PID, PG(0x0a), PG(2), 14, ANON);
	do_mmap(PID, PG(0x20), PG(1), 15, ANON);
	unmap_begin(PID, TID, PG(0x02), PG(9));
	CHECK(PID, { PG(0x01), PG(0x02), 11, 1, ANON },
	      { PG(0x0b), PG(0x0c), 14, 4, ANON },
	      { PG(0x20), PG(0x21), 15, 5, ANON });
	sys_end(PID, TID, 0, 0, 0, 0);
	CHECK(PID, { PG(0x01), PG(0x02), 11, 1, ANON },
	      { PG(0x0b), PG(0x0c), 14, 4, ANON },
	      { PG(0x20), PG(0x21), 15, 5, ANON });
	/* starting and ending in gaps, covering whole ranges */
	unmap_begin(PID, TID, PG(0), PG(0x30));
	sys_end(PID, TID, 0, 0, 0, 0);
	CHECK_NONE(PID);
	LOST(0);
}

Test(vm_map, munmap_where_nothing_is_mapped)
{
	pid_t *pids = NULL;
	size_t n = 7;

	/* a process with nothing at all */
	unmap_begin(PID2, PID2, PG(0x10), PG(4));
	sys_end(PID2, PID2, 0, 0, 0, 0);
	CHECK_NONE(PID2);
	/* a gap between ranges, touching both */
	do_mmap(PID, PG(0x10), PG(2), 11, ANON);
	do_mmap(PID, PG(0x14), PG(2), 12, ANON);
	unmap_begin(PID, TID, PG(0x12), PG(2));
	sys_end(PID, TID, 0, 0, 0, 0);
	/* past the end, and before the start */
	unmap_begin(PID, TID, PG(0x16), PG(0x10));
	sys_end(PID, TID, 0, 0, 0, 0);
	unmap_begin(PID, TID, PG(0), PG(0x10));
	sys_end(PID, TID, 0, 0, 0, 0);
	/* zero length */
	unmap_begin(PID, TID, PG(0x10), 0);
	sys_end(PID, TID, 0, 0, 0, 0);
	CHECK(PID, { PG(0x10), PG(0x12), 11, 1, ANON }, { PG(0x14), PG(0x16), 12, 2, ANON });
	cr_assert(eq(int, vm_map__pids(m, &pids, &n), 0));
	cr_assert(eq(sz, n, 1));
	cr_assert(eq(int, pids[0], PID));
	free(pids);
	LOST(0);
}

Test(vm_map, munmap_failed_restores_exact_range)
{
	do_mmap(PID, PG(0x10), PG(2), 11, ANON);
	do_mmap(PID, PG(0x20), PG(2), 12, ANON);
	unmap_begin(PID, TID, PG(0x10), PG(2));
	CHECK(PID, { PG(0x20), PG(0x22), 12, 2, ANON });
	sys_end(PID, TID, (uint64_t)-12, 0, 0, FAILED);
	CHECK(PID, { PG(0x10), PG(0x12), 11, 1, ANON }, { PG(0x20), PG(0x22), 12, 2, ANON });
	LOST(0);
}

Test(vm_map, munmap_failed_restores_spanning)
{
	const struct vm_range *r;
	size_t n, i;

	do_mmap(PID, PG(0x01), PG(2), 11, ANON);
	do_mmap(PID, PG(0x04), PG(2), 12, 0);
	do_mmap(PID, PG(0x07), PG(2), 13, SHARED | INTERNAL);
	do_mmap(PID, PG(0x0a), PG(2), 14, ANON);
	unmap_begin(PID, TID, PG(0x02), PG(9));
	sys_end(PID, TID, (uint64_t)-22, 0, 0, FAILED);
	/* the same memory with the same attribution; the ranges cut at the
	 * edges of the failed call come back as pieces of their call */
	CHECK(PID, { PG(0x01), PG(0x02), 11, 1, ANON },
	      { PG(0x02), PG(0x03), 11, 1, ANON },
	      { PG(0x04), PG(0x06), 12, 2, 0 },
	      { PG(0x07), PG(0x09), 13, 3, SHARED | INTERNAL },
	      { PG(0x0a), PG(0x0b), 14, 4, ANON },
	      { PG(0x0b), PG(0x0c), 14, 4, ANON });
	/* timestamps come back too */
	r = vm_map__ranges(m, PID, &n);
	for (i = 0; i < n; i++)
		cr_assert(eq(u64, r[i].ts_ns, 1000 * (r[i].stack_id - 10)), "range %zu", i);
	LOST(0);
}

Test(vm_map, munmap_failed_restores_hole)
{
	do_mmap(PID, PG(0x10), PG(8), 11, ANON);
	unmap_begin(PID, TID, PG(0x13), PG(2));
	CHECK(PID, { PG(0x10), PG(0x13), 11, 1, ANON }, { PG(0x15), PG(0x18), 11, 1, ANON });
	sys_end(PID, TID, (uint64_t)-22, 0, 0, FAILED);
	CHECK(PID, { PG(0x10), PG(0x13), 11, 1, ANON },
	      { PG(0x13), PG(0x15), 11, 1, ANON },
	      { PG(0x15), PG(0x18), 11, 1, ANON });
	LOST(0);
}

/* ---- mremap ------------------------------------------------------------- */

Test(vm_map, mremap_grow_in_place)
{
	const struct vm_range *r;
	size_t n;

	do_mmap(PID, PG(0x10), PG(2), 11, ANON);
	do_mmap(PID, PG(0x20), PG(1), 12, ANON);
	remap_begin(PID, TID, PG(0x10), PG(2), 0);
	CHECK(PID, { PG(0x20), PG(0x21), 12, 2, ANON });
	sys_end(PID, TID, PG(0x10), PG(5), 21, 0);
	/* the old part keeps its call and stack, the growth is a new call of
	 * the END's stack, with the mapping's type */
	CHECK(PID, { PG(0x10), PG(0x12), 11, 1, ANON },
	      { PG(0x12), PG(0x15), 21, 3, ANON },
	      { PG(0x20), PG(0x21), 12, 2, ANON });
	r = vm_map__ranges(m, PID, &n);
	cr_assert(eq(sz, n, 3));
	cr_assert(eq(u64, r[0].ts_ns, 1000));
	cr_assert(eq(u64, r[1].ts_ns, 4000));
	/* a file-backed shared mapping grows as one */
	do_mmap(PID, PG(0x40), PG(1), 13, SHARED);
	remap_begin(PID, TID, PG(0x40), PG(1), 0);
	sys_end(PID, TID, PG(0x40), PG(2), 22, 0);
	CHECK(PID, { PG(0x10), PG(0x12), 11, 1, ANON },
	      { PG(0x12), PG(0x15), 21, 3, ANON },
	      { PG(0x20), PG(0x21), 12, 2, ANON },
	      { PG(0x40), PG(0x41), 13, 4, SHARED },
	      { PG(0x41), PG(0x42), 22, 5, SHARED });
	LOST(0);
}

Test(vm_map, mremap_move)
{
	/* one mapping in two pieces of different calls (a MAP_FIXED over its
	 * tail), moved whole */
	do_mmap(PID, PG(0x10), PG(4), 11, ANON);
	do_mmap(PID, PG(0x12), PG(2), 12, ANON);
	do_mmap(PID, PG(0x30), PG(1), 13, ANON);
	remap_begin(PID, TID, PG(0x10), PG(4), 0);
	sys_end(PID, TID, PG(0x50), PG(4), 21, 0);
	CHECK(PID, { PG(0x30), PG(0x31), 13, 3, ANON },
	      { PG(0x50), PG(0x52), 11, 1, ANON },
	      { PG(0x52), PG(0x54), 12, 2, ANON });
	/* moved onto something (MREMAP_FIXED): that is replaced */
	do_mmap(PID, PG(0x60), PG(0x10), 14, SHARED);
	remap_begin(PID, TID, PG(0x50), PG(4), 0);
	sys_end(PID, TID, PG(0x62), PG(4), 22, 0);
	CHECK(PID, { PG(0x30), PG(0x31), 13, 3, ANON },
	      { PG(0x60), PG(0x62), 14, 4, SHARED },
	      { PG(0x62), PG(0x64), 11, 1, ANON },
	      { PG(0x64), PG(0x66), 12, 2, ANON },
	      { PG(0x66), PG(0x70), 14, 4, SHARED });
	/* moved and grown: the growth follows the new place */
	remap_begin(PID, TID, PG(0x30), PG(1), 0);
	sys_end(PID, TID, PG(0x80), PG(3), 23, 0);
	CHECK(PID, { PG(0x60), PG(0x62), 14, 4, SHARED },
	      { PG(0x62), PG(0x64), 11, 1, ANON },
	      { PG(0x64), PG(0x66), 12, 2, ANON },
	      { PG(0x66), PG(0x70), 14, 4, SHARED },
	      { PG(0x80), PG(0x81), 13, 3, ANON },
	      { PG(0x81), PG(0x83), 23, 5, ANON });
	LOST(0);
}

Test(vm_map, mremap_move_part_of_range)
{
	/* mremap of the middle of a mapping: the rest stays, the middle moves */
	do_mmap(PID, PG(0x10), PG(6), 11, ANON);
	remap_begin(PID, TID, PG(0x12), PG(2), 0);
	sys_end(PID, TID, PG(0x40), PG(2), 21, 0);
	CHECK(PID, { PG(0x10), PG(0x12), 11, 1, ANON },
	      { PG(0x14), PG(0x16), 11, 1, ANON },
	      { PG(0x40), PG(0x42), 11, 1, ANON });
	LOST(0);
}

Test(vm_map, mremap_shrink)
{
	do_mmap(PID, PG(0x10), PG(4), 11, ANON);
	remap_begin(PID, TID, PG(0x10), PG(4), 0);
	sys_end(PID, TID, PG(0x10), PG(1), 21, 0);
	CHECK(PID, { PG(0x10), PG(0x11), 11, 1, ANON });
	/* the tail is another call: it is cut, then dropped whole */
	do_mmap(PID, PG(0x20), PG(2), 12, ANON);
	do_mmap(PID, PG(0x22), PG(2), 13, ANON);
	do_mmap(PID, PG(0x24), PG(2), 14, ANON);
	remap_begin(PID, TID, PG(0x20), PG(6), 0);
	sys_end(PID, TID, PG(0x20), PG(3), 22, 0);
	CHECK(PID, { PG(0x10), PG(0x11), 11, 1, ANON },
	      { PG(0x20), PG(0x22), 12, 2, ANON },
	      { PG(0x22), PG(0x23), 13, 3, ANON });
	/* shrunk and moved */
	remap_begin(PID, TID, PG(0x20), PG(3), 0);
	sys_end(PID, TID, PG(0x50), PG(1), 23, 0);
	CHECK(PID, { PG(0x10), PG(0x11), 11, 1, ANON }, { PG(0x50), PG(0x51), 12, 2, ANON });
	LOST(0);
}

Test(vm_map, mremap_grow_unknown_mapping)
{
	/* mapped before tracing: only the growth is the caller's */
	remap_begin(PID, TID, PG(0x10), PG(2), 0);
	CHECK_NONE(PID);
	sys_end(PID, TID, PG(0x10), PG(5), 21, 0);
	CHECK(PID, { PG(0x12), PG(0x15), 21, 1, ANON });
	/* moved and grown: the growth at the new place only */
	remap_begin(PID, TID, PG(0x30), PG(1), 0);
	sys_end(PID, TID, PG(0x60), PG(2), 22, 0);
	CHECK(PID, { PG(0x12), PG(0x15), 21, 1, ANON }, { PG(0x61), PG(0x62), 22, 2, ANON });
	/* unknown and the same size: nothing */
	remap_begin(PID, TID, PG(0x70), PG(2), 0);
	sys_end(PID, TID, PG(0x80), PG(2), 23, 0);
	CHECK(PID, { PG(0x12), PG(0x15), 21, 1, ANON }, { PG(0x61), PG(0x62), 22, 2, ANON });
	LOST(0);
}

Test(vm_map, mremap_failed_restores)
{
	do_mmap(PID, PG(0x10), PG(4), 11, ANON);
	do_mmap(PID, PG(0x12), PG(1), 12, SHARED);
	remap_begin(PID, TID, PG(0x10), PG(4), 0);
	CHECK_NONE(PID);
	sys_end(PID, TID, (uint64_t)-12, 0, 21, FAILED);
	CHECK(PID, { PG(0x10), PG(0x12), 11, 1, ANON },
	      { PG(0x12), PG(0x13), 12, 2, SHARED },
	      { PG(0x13), PG(0x14), 11, 1, ANON });
	/* a failed grow of an unknown mapping adds nothing */
	remap_begin(PID, TID, PG(0x40), PG(1), 0);
	sys_end(PID, TID, (uint64_t)-12, 0, 22, FAILED);
	CHECK(PID, { PG(0x10), PG(0x12), 11, 1, ANON },
	      { PG(0x12), PG(0x13), 12, 2, SHARED },
	      { PG(0x13), PG(0x14), 11, 1, ANON });
	LOST(0);
}

/* ---- brk ---------------------------------------------------------------- */

Test(vm_map, brk_grow_and_shrink)
{
	do_brk(PID, PG(0x100), PG(4), 31, 0);
	CHECK(PID, { PG(0x100), PG(0x104), 31, 1, ANON });
	do_brk(PID, PG(0x104), PG(2), 32, INTERNAL);
	CHECK(PID, { PG(0x100), PG(0x104), 31, 1, ANON },
	      { PG(0x104), PG(0x106), 32, 2, ANON | INTERNAL });
	/* negative: the break moves down from addr */
	do_brk(PID, PG(0x106), -(int64_t)PG(3), 33, 0);
	CHECK(PID, { PG(0x100), PG(0x103), 31, 1, ANON });
	do_brk(PID, PG(0x103), PG(1), 34, 0);
	CHECK(PID, { PG(0x100), PG(0x103), 31, 1, ANON }, { PG(0x103), PG(0x104), 34, 3, ANON });
	do_brk(PID, PG(0x104), -(int64_t)PG(4), 35, 0);
	CHECK_NONE(PID);
	/* zero: nothing */
	do_brk(PID, PG(0x100), 0, 36, 0);
	CHECK_NONE(PID);
	LOST(0);
}

/* ---- the allocator's own mappings ------------------------------------------ */

Test(vm_map, internal_flag_kept)
{
	do_mmap(PID, PG(0x10), PG(2), 11, ANON | INTERNAL);
	CHECK(PID, { PG(0x10), PG(0x12), 11, 1, ANON | INTERNAL });
	/* the allocator grows its own mapping in place */
	remap_begin(PID, TID, PG(0x10), PG(2), INTERNAL);
	sys_end(PID, TID, PG(0x10), PG(3), 21, INTERNAL);
	CHECK(PID, { PG(0x10), PG(0x12), 11, 1, ANON | INTERNAL },
	      { PG(0x12), PG(0x13), 21, 2, ANON | INTERNAL });
	/* ... and moves it: both pieces keep the flag */
	remap_begin(PID, TID, PG(0x10), PG(3), INTERNAL);
	sys_end(PID, TID, PG(0x40), PG(4), 22, INTERNAL);
	CHECK(PID, { PG(0x40), PG(0x42), 11, 1, ANON | INTERNAL },
	      { PG(0x42), PG(0x43), 21, 2, ANON | INTERNAL },
	      { PG(0x43), PG(0x44), 22, 3, ANON | INTERNAL });
	/* the user grows it: the growth is the user's */
	remap_begin(PID, TID, PG(0x40), PG(4), 0);
	sys_end(PID, TID, PG(0x40), PG(5), 23, 0);
	CHECK(PID, { PG(0x40), PG(0x42), 11, 1, ANON | INTERNAL },
	      { PG(0x42), PG(0x43), 21, 2, ANON | INTERNAL },
	      { PG(0x43), PG(0x44), 22, 3, ANON | INTERNAL },
	      { PG(0x44), PG(0x45), 23, 4, ANON });
	/* the allocator grows a user mapping: the growth is the allocator's */
	do_mmap(PID, PG(0x60), PG(1), 12, SHARED);
	remap_begin(PID, TID, PG(0x60), PG(1), INTERNAL);
	sys_end(PID, TID, PG(0x60), PG(2), 24, INTERNAL);
	CHECK(PID, { PG(0x40), PG(0x42), 11, 1, ANON | INTERNAL },
	      { PG(0x42), PG(0x43), 21, 2, ANON | INTERNAL },
	      { PG(0x43), PG(0x44), 22, 3, ANON | INTERNAL },
	      { PG(0x44), PG(0x45), 23, 4, ANON },
	      { PG(0x60), PG(0x61), 12, 5, SHARED },
	      { PG(0x61), PG(0x62), 24, 6, SHARED | INTERNAL });
	/* unknown mapping grown by the allocator */
	remap_begin(PID, TID, PG(0x80), PG(1), INTERNAL);
	sys_end(PID, TID, PG(0x80), PG(2), 25, INTERNAL);
	CHECK(PID, { PG(0x40), PG(0x42), 11, 1, ANON | INTERNAL },
	      { PG(0x42), PG(0x43), 21, 2, ANON | INTERNAL },
	      { PG(0x43), PG(0x44), 22, 3, ANON | INTERNAL },
	      { PG(0x44), PG(0x45), 23, 4, ANON },
	      { PG(0x60), PG(0x61), 12, 5, SHARED },
	      { PG(0x61), PG(0x62), 24, 6, SHARED | INTERNAL },
	      { PG(0x81), PG(0x82), 25, 7, ANON | INTERNAL });
	LOST(0);
}

/* ---- threads, lost changes ------------------------------------------------ */

Test(vm_map, two_threads_interleaved)
{
	do_mmap(PID, PG(0x10), PG(2), 11, ANON);
	do_mmap(PID, PG(0x20), PG(2), 12, ANON);
	do_mmap(PID, PG(0x30), PG(2), 13, ANON);
	unmap_begin(PID, TID, PG(0x10), PG(2));
	remap_begin(PID, TID2, PG(0x20), PG(2), 0);
	CHECK(PID, { PG(0x30), PG(0x32), 13, 3, ANON });
	/* the second thread's END first: it moves what it took, not the
	 * first thread's range */
	sys_end(PID, TID2, PG(0x50), PG(3), 22, 0);
	CHECK(PID, { PG(0x30), PG(0x32), 13, 3, ANON },
	      { PG(0x50), PG(0x52), 12, 2, ANON },
	      { PG(0x52), PG(0x53), 22, 4, ANON });
	/* the first thread's munmap failed: its range only comes back */
	sys_end(PID, TID, (uint64_t)-22, 0, 0, FAILED);
	CHECK(PID, { PG(0x10), PG(0x12), 11, 1, ANON },
	      { PG(0x30), PG(0x32), 13, 3, ANON },
	      { PG(0x50), PG(0x52), 12, 2, ANON },
	      { PG(0x52), PG(0x53), 22, 4, ANON });
	LOST(0);
}

Test(vm_map, two_threads_mirror_order)
{
	/* the same, ENDs in the order of the BEGINs, with the failure on the
	 * remap */
	do_mmap(PID, PG(0x10), PG(2), 11, ANON);
	do_mmap(PID, PG(0x20), PG(2), 12, ANON);
	remap_begin(PID, TID2, PG(0x20), PG(2), 0);
	unmap_begin(PID, TID, PG(0x10), PG(2));
	sys_end(PID, TID2, (uint64_t)-12, 0, 22, FAILED);
	CHECK(PID, { PG(0x20), PG(0x22), 12, 2, ANON });
	sys_end(PID, TID, 0, 0, 0, 0);
	CHECK(PID, { PG(0x20), PG(0x22), 12, 2, ANON });
	LOST(0);
}

/* BUG (vm_map.c, end(): a failed call puts back what it took with insert(),
 * which replaces whatever is there by then). Another thread's MAP_FIXED
 * mmap lands between the munmap's entry and its failed exit: the kernel
 * changed nothing for the failed munmap, so the newer mapping is what is
 * mapped, yet the old range comes back over it. */
Test(vm_map, munmap_failed_keeps_newer_mapping)
{
	do_mmap(PID, PG(0x10), PG(4), 11, ANON);
	unmap_begin(PID, TID, PG(0x10), PG(4));
	/* another thread's mmap(MAP_FIXED) into the range */
	do_mmap(PID, PG(0x11), PG(2), 12, SHARED);
	sys_end(PID, TID, (uint64_t)-12, 0, 0, FAILED);
	CHECK(PID, { PG(0x10), PG(0x11), 11, 1, ANON },
	      { PG(0x11), PG(0x13), 12, 2, SHARED },
	      { PG(0x13), PG(0x14), 11, 1, ANON });
}

/* BUG: the same with a failed mremap (see above). */
Test(vm_map, mremap_failed_keeps_newer_mapping)
{
	do_mmap(PID, PG(0x10), PG(4), 11, ANON);
	remap_begin(PID, TID, PG(0x10), PG(4), 0);
	do_mmap(PID, PG(0x10), PG(1), 12, 0);
	sys_end(PID, TID, (uint64_t)-12, 0, 21, FAILED);
	CHECK(PID, { PG(0x10), PG(0x11), 12, 2, 0 },
	      { PG(0x11), PG(0x14), 11, 1, ANON });
}

Test(vm_map, end_without_begin_is_lost)
{
	do_mmap(PID, PG(0x10), PG(2), 11, ANON);
	sys_end(PID, TID, PG(0x10), PG(4), 21, 0);
	LOST(1);
	CHECK(PID, { PG(0x10), PG(0x12), 11, 1, ANON });
	/* an END of another thread than the BEGIN's */
	unmap_begin(PID, TID, PG(0x10), PG(1));
	sys_end(PID, TID2, 0, 0, 0, FAILED);
	LOST(2);
	CHECK(PID, { PG(0x11), PG(0x12), 11, 1, ANON });
	/* its own END still finds it; a second END is lost again */
	sys_end(PID, TID, 0, 0, 0, FAILED);
	CHECK(PID, { PG(0x10), PG(0x11), 11, 1, ANON }, { PG(0x11), PG(0x12), 11, 1, ANON });
	LOST(2);
	sys_end(PID, TID, 0, 0, 0, FAILED);
	LOST(3);
	CHECK(PID, { PG(0x10), PG(0x11), 11, 1, ANON }, { PG(0x11), PG(0x12), 11, 1, ANON });
	/* an END in another process with the same tid does not match */
	unmap_begin(PID, TID, PG(0x10), PG(1));
	sys_end(PID2, TID, 0, 0, 0, FAILED);
	LOST(4);
	CHECK(PID, { PG(0x11), PG(0x12), 11, 1, ANON });
	CHECK_NONE(PID2);
}

Test(vm_map, begin_replaced_by_begin_is_lost)
{
	do_mmap(PID, PG(0x10), PG(2), 11, ANON);
	do_mmap(PID, PG(0x20), PG(2), 12, ANON);
	unmap_begin(PID, TID, PG(0x10), PG(2));
	LOST(0);
	remap_begin(PID, TID, PG(0x20), PG(2), 0);
	LOST(1);
	CHECK_NONE(PID);
	/* the END belongs to the second BEGIN; the first one's range is gone */
	sys_end(PID, TID, (uint64_t)-12, 0, 0, FAILED);
	CHECK(PID, { PG(0x20), PG(0x22), 12, 2, ANON });
	LOST(1);
	/* and a remap BEGIN replaced by an unmap BEGIN: the END is an unmap's */
	remap_begin(PID, TID, PG(0x20), PG(1), 0);
	unmap_begin(PID, TID, PG(0x21), PG(1));
	LOST(2);
	sys_end(PID, TID, PG(0x40), PG(4), 21, 0);
	CHECK_NONE(PID);
	LOST(2);
}

/* ---- processes ------------------------------------------------------------ */

static void sort_pids(pid_t *p, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++)
		for (j = i; j > 0 && p[j - 1] > p[j]; j--) {
			pid_t t = p[j];

			p[j] = p[j - 1];
			p[j - 1] = t;
		}
}

Test(vm_map, processes_are_separate)
{
	do_mmap(PID, PG(0x10), PG(2), 11, ANON);
	do_mmap(PID2, PG(0x10), PG(4), 12, SHARED);
	CHECK(PID, { PG(0x10), PG(0x12), 11, 1, ANON });
	CHECK(PID2, { PG(0x10), PG(0x14), 12, 2, SHARED });
	unmap_begin(PID2, PID2, PG(0x10), PG(1));
	sys_end(PID2, PID2, 0, 0, 0, 0);
	CHECK(PID, { PG(0x10), PG(0x12), 11, 1, ANON });
	CHECK(PID2, { PG(0x11), PG(0x14), 12, 2, SHARED });
	LOST(0);
}

Test(vm_map, forget_drops_one_process)
{
	do_mmap(PID, PG(0x10), PG(2), 11, ANON);
	do_mmap(PID, PG(0x20), PG(2), 12, ANON);
	do_mmap(PID2, PG(0x10), PG(2), 13, ANON);
	do_mmap(PID2, PG(0x20), PG(2), 14, ANON);
	/* pending operations in both, with the same tid */
	unmap_begin(PID, TID, PG(0x10), PG(2));
	unmap_begin(PID2, TID, PG(0x10), PG(2));
	remap_begin(PID, TID2, PG(0x20), PG(2), 0);
	vm_map__forget(m, PID);
	CHECK_NONE(PID);
	CHECK(PID2, { PG(0x20), PG(0x22), 14, 4, ANON });
	/* PID's operations went with it: their ENDs are unmatched */
	sys_end(PID, TID, (uint64_t)-22, 0, 0, FAILED);
	LOST(1);
	sys_end(PID, TID2, PG(0x40), PG(4), 21, 0);
	LOST(2);
	CHECK_NONE(PID);
	/* PID2's is still there */
	sys_end(PID2, TID, (uint64_t)-22, 0, 0, FAILED);
	LOST(2);
	CHECK(PID2, { PG(0x10), PG(0x12), 13, 3, ANON }, { PG(0x20), PG(0x22), 14, 4, ANON });
	/* forgetting an unknown process, and one twice: nothing */
	vm_map__forget(m, 999);
	vm_map__forget(m, PID);
	CHECK(PID2, { PG(0x10), PG(0x12), 13, 3, ANON }, { PG(0x20), PG(0x22), 14, 4, ANON });
	/* the pid comes back (exec): a fresh start */
	do_mmap(PID, PG(0x10), PG(1), 15, 0);
	CHECK(PID, { PG(0x10), PG(0x11), 15, 5, 0 });
	LOST(2);
}

Test(vm_map, forget_many_pending)
{
	uint32_t tid;

	/* several pending operations of the forgotten process, between those
	 * of another one */
	for (tid = 1; tid <= 6; tid++) {
		do_mmap(tid % 2 ? PID : PID2, PG(0x10 * tid), PG(1), tid, ANON);
		unmap_begin(tid % 2 ? PID : PID2, tid, PG(0x10 * tid), PG(1));
	}
	vm_map__forget(m, PID);
	for (tid = 1; tid <= 6; tid++)
		sys_end(tid % 2 ? PID : PID2, tid, 0, 0, 0, FAILED);
	LOST(3);
	CHECK_NONE(PID);
	CHECK(PID2, { PG(0x20), PG(0x21), 2, 2, ANON },
	      { PG(0x40), PG(0x41), 4, 4, ANON },
	      { PG(0x60), PG(0x61), 6, 6, ANON });
}

Test(vm_map, pids_lists_processes_with_ranges)
{
	pid_t *pids = NULL;
	size_t n = 99;

	do_mmap(100, PG(0x10), PG(1), 11, ANON);
	do_mmap(300, PG(0x10), PG(1), 12, ANON);
	do_mmap(200, PG(0x10), PG(1), 13, ANON);
	/* 400: events, never a range */
	unmap_begin(400, 400, PG(0x10), PG(1));
	sys_end(400, 400, 0, 0, 0, 0);
	/* 500: had a range, unmapped it all */
	do_mmap(500, PG(0x10), PG(1), 14, ANON);
	unmap_begin(500, 500, PG(0x10), PG(1));
	sys_end(500, 500, 0, 0, 0, 0);
	/* 600: all in a pending munmap */
	do_mmap(600, PG(0x10), PG(1), 15, ANON);
	unmap_begin(600, 600, PG(0x10), PG(1));
	cr_assert(eq(int, vm_map__pids(m, &pids, &n), 0));
	cr_assert(eq(sz, n, 3));
	sort_pids(pids, n);
	cr_assert(eq(int, pids[0], 100));
	cr_assert(eq(int, pids[1], 200));
	cr_assert(eq(int, pids[2], 300));
	free(pids);

	vm_map__forget(m, 100);
	sys_end(600, 600, 0, 0, 0, FAILED);
	cr_assert(eq(int, vm_map__pids(m, &pids, &n), 0));
	cr_assert(eq(sz, n, 3));
	sort_pids(pids, n);
	cr_assert(eq(int, pids[0], 200));
	cr_assert(eq(int, pids[1], 300));
	cr_assert(eq(int, pids[2], 600));
	free(pids);
	LOST(0);
}

/* ---- names ---------------------------------------------------------------- */

Test(vm_map, mapping_names)
{
	cr_assert_str_eq(vm_range__mapping(0), "file_private");
	cr_assert_str_eq(vm_range__mapping(MT_VM_SHARED), "file_shared");
	cr_assert_str_eq(vm_range__mapping(MT_VM_ANON), "anon_private");
	cr_assert_str_eq(vm_range__mapping(MT_VM_ANON | MT_VM_SHARED), "anon_shared");
	/* the other bits do not change the name */
	cr_assert_str_eq(vm_range__mapping(MT_VM_INTERNAL), "file_private");
	cr_assert_str_eq(vm_range__mapping(MT_VM_INTERNAL | MT_VM_SHARED), "file_shared");
	cr_assert_str_eq(vm_range__mapping(MT_VM_INTERNAL | MT_VM_ANON), "anon_private");
	cr_assert_str_eq(vm_range__mapping(MT_VM_FAILED | MT_VM_ANON | MT_VM_SHARED),
			 "anon_shared");
}
