// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Mapped ranges per process, kept sorted and disjoint, changed by the
 * events of the mmap family the way the kernel changes its own VMAs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "array.h"
#include "vm_map.h"

struct range_vec {
	struct vm_range *r;
	size_t n, cap;
};

struct vm_proc {
	pid_t pid;
	struct range_vec v;
};

/* A munmap or mremap between its entry and its exit: what it took out. */
struct pending {
	pid_t pid;
	uint32_t tid;
	bool remap;
	uint64_t addr, len;	/* the old range */
	struct range_vec taken;
};

struct vm_map {
	struct vm_proc *procs;
	size_t nprocs, procs_cap;
	struct pending *pend;
	size_t npend, pend_cap;
	uint64_t next_call;
	uint64_t lost;
};

struct vm_map *vm_map__new(void)
{
	return calloc(1, sizeof(struct vm_map));
}

void vm_map__free(struct vm_map *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->nprocs; i++)
		free(m->procs[i].v.r);
	for (i = 0; i < m->npend; i++)
		free(m->pend[i].taken.r);
	free(m->procs);
	free(m->pend);
	free(m);
}

static int push(struct range_vec *v, const struct vm_range *r)
{
	if (array_grow((void **)&v->r, &v->cap, v->n, sizeof(*v->r)))
		return -ENOMEM;
	v->r[v->n++] = *r;
	return 0;
}

static struct vm_proc *find_proc(const struct vm_map *m, pid_t pid)
{
	size_t i;

	for (i = 0; i < m->nprocs; i++)
		if (m->procs[i].pid == pid)
			return &m->procs[i];
	return NULL;
}

static struct vm_proc *get_proc(struct vm_map *m, pid_t pid)
{
	struct vm_proc *p = find_proc(m, pid);

	if (p)
		return p;
	if (array_grow((void **)&m->procs, &m->procs_cap, m->nprocs, sizeof(*m->procs)))
		return NULL;
	p = &m->procs[m->nprocs++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	return p;
}

/* Index of the first range that ends after addr. */
static size_t first_after(const struct range_vec *v, uint64_t addr)
{
	size_t lo = 0, hi = v->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v->r[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Takes [lo, hi) out of v, splitting ranges that stick out on either
 * side; the parts taken go to *taken when it is given. */
static int cut(struct range_vec *v, uint64_t lo, uint64_t hi, struct range_vec *taken)
{
	size_t i = first_after(v, lo);

	while (i < v->n && v->r[i].start < hi) {
		struct vm_range *r = &v->r[i], mid = *r;

		mid.start = r->start > lo ? r->start : lo;
		mid.end = r->end < hi ? r->end : hi;
		if (taken && push(taken, &mid))
			return -ENOMEM;
		if (r->start < lo && r->end > hi) {
			/* a hole in the middle: one range becomes two */
			struct vm_range right = *r;

			if (array_grow((void **)&v->r, &v->cap, v->n, sizeof(*v->r)))
				return -ENOMEM;
			r = &v->r[i];
			right.start = hi;
			r->end = lo;
			memmove(&v->r[i + 2], &v->r[i + 1], (v->n - i - 1) * sizeof(*v->r));
			v->r[i + 1] = right;
			v->n++;
			return 0;
		}
		if (r->start < lo) {
			r->end = lo;
			i++;
		} else if (r->end > hi) {
			r->start = hi;
			return 0;
		} else {
			memmove(&v->r[i], &v->r[i + 1], (v->n - i - 1) * sizeof(*v->r));
			v->n--;
		}
	}
	return 0;
}

/* Puts r in, replacing whatever it overlaps (as MAP_FIXED does). */
static int insert(struct range_vec *v, const struct vm_range *r)
{
	size_t i;
	int err;

	if (r->end <= r->start)
		return 0;
	err = cut(v, r->start, r->end, NULL);
	if (err)
		return err;
	if (array_grow((void **)&v->r, &v->cap, v->n, sizeof(*v->r)))
		return -ENOMEM;
	i = first_after(v, r->start);
	memmove(&v->r[i + 1], &v->r[i], (v->n - i) * sizeof(*v->r));
	v->r[i] = *r;
	v->n++;
	return 0;
}

/* Puts r back where nothing is mapped now: a failed call changed nothing,
 * so whatever another thread mapped there meanwhile is what is mapped. */
static int restore(struct range_vec *v, const struct vm_range *r)
{
	uint64_t at = r->start;
	int err = 0;

	while (at < r->end && !err) {
		size_t i = first_after(v, at);
		struct vm_range gap = *r;

		gap.start = at;
		gap.end = i < v->n && v->r[i].start < r->end ? v->r[i].start : r->end;
		if (gap.end > gap.start)
			err = insert(v, &gap);
		at = i < v->n && v->r[i].start < r->end ? v->r[i].end : r->end;
	}
	return err;
}

static struct pending *find_pending(struct vm_map *m, pid_t pid, uint32_t tid)
{
	size_t i;

	for (i = 0; i < m->npend; i++)
		if (m->pend[i].pid == pid && m->pend[i].tid == tid)
			return &m->pend[i];
	return NULL;
}

static void drop_pending(struct vm_map *m, struct pending *pd)
{
	free(pd->taken.r);
	*pd = m->pend[--m->npend];
}

static int begin(struct vm_map *m, struct vm_proc *p, const struct mt_vm_event *ev)
{
	struct pending *pd = find_pending(m, ev->tgid, ev->tid);

	if (pd) { /* a BEGIN whose END never came: its ranges are gone */
		m->lost++;
		drop_pending(m, pd);
	}
	if (array_grow((void **)&m->pend, &m->pend_cap, m->npend, sizeof(*m->pend)))
		return -ENOMEM;
	pd = &m->pend[m->npend++];
	memset(pd, 0, sizeof(*pd));
	pd->pid = ev->tgid;
	pd->tid = ev->tid;
	pd->remap = ev->type == MT_EV_REMAP_BEGIN;
	pd->addr = ev->addr;
	pd->len = ev->len;
	return cut(&p->v, ev->addr, ev->addr + ev->len, &pd->taken);
}

/* mremap done: the pieces move with the mapping, whatever lies beyond a
 * shrunk length goes, and growth is new memory of the caller's. */
static int remap(struct vm_map *m, struct vm_proc *p, struct pending *pd,
		 const struct mt_vm_event *ev)
{
	uint64_t to = ev->addr, new_end = ev->addr + ev->len;
	uint32_t flags = MT_VM_ANON; /* growth of a mapping we never saw */
	size_t i;
	int err;

	err = cut(&p->v, to, new_end, NULL);
	for (i = 0; i < pd->taken.n && !err; i++) {
		struct vm_range r = pd->taken.r[i];

		r.start = r.start - pd->addr + to;
		r.end = r.end - pd->addr + to;
		if (r.end > new_end)
			r.end = new_end;
		flags = r.flags;
		err = insert(&p->v, &r);
	}
	if (!err && (uint64_t)ev->len > pd->len) {
		struct vm_range grown = {
			.start = to + pd->len, .end = new_end, .stack_id = ev->stack_id,
			.ts_ns = ev->ts_ns, .call = ++m->next_call,
			.flags = (flags & ~MT_VM_INTERNAL) | (ev->flags & MT_VM_INTERNAL),
		};
		err = insert(&p->v, &grown);
	}
	return err;
}

static int end(struct vm_map *m, struct vm_proc *p, const struct mt_vm_event *ev)
{
	struct pending *pd = find_pending(m, ev->tgid, ev->tid);
	size_t i;
	int err = 0;

	if (!pd) {
		m->lost++;
		return 0;
	}
	if (ev->flags & MT_VM_FAILED) {
		for (i = 0; i < pd->taken.n && !err; i++)
			err = restore(&p->v, &pd->taken.r[i]);
	} else if (pd->remap) {
		err = remap(m, p, pd, ev);
	}
	drop_pending(m, pd);
	return err;
}

static int brk_moved(struct vm_map *m, struct vm_proc *p, const struct mt_vm_event *ev)
{
	struct vm_range r = {
		.start = ev->addr, .end = ev->addr + ev->len, .stack_id = ev->stack_id,
		.ts_ns = ev->ts_ns, .flags = (ev->flags & MT_VM_INTERNAL) | MT_VM_ANON,
	};

	if (ev->len < 0)
		return cut(&p->v, ev->addr + ev->len, ev->addr, NULL);
	r.call = ++m->next_call;
	return insert(&p->v, &r);
}

int vm_map__apply(struct vm_map *m, const struct mt_vm_event *ev)
{
	struct vm_proc *p = get_proc(m, ev->tgid);
	int err = -ENOMEM;

	if (p) {
		switch (ev->type) {
		case MT_EV_MMAP: {
			struct vm_range r = {
				.start = ev->addr, .end = ev->addr + ev->len,
				.stack_id = ev->stack_id, .ts_ns = ev->ts_ns,
				.call = ++m->next_call, .flags = ev->flags,
			};
			err = insert(&p->v, &r);
			break;
		}
		case MT_EV_UNMAP_BEGIN:
		case MT_EV_REMAP_BEGIN:
			err = begin(m, p, ev);
			break;
		case MT_EV_SYSCALL_END:
			err = end(m, p, ev);
			break;
		case MT_EV_BRK:
			err = brk_moved(m, p, ev);
			break;
		default:
			err = 0;
		}
	}
	if (err)
		m->lost++;
	return err;
}

void vm_map__forget(struct vm_map *m, pid_t pid)
{
	struct vm_proc *p = find_proc(m, pid);
	size_t i = 0;

	while (i < m->npend) {
		if (m->pend[i].pid == pid)
			drop_pending(m, &m->pend[i]);
		else
			i++;
	}
	if (!p)
		return;
	free(p->v.r);
	*p = m->procs[--m->nprocs];
}

const struct vm_range *vm_map__ranges(const struct vm_map *m, pid_t pid, size_t *n)
{
	const struct vm_proc *p = find_proc(m, pid);

	*n = p ? p->v.n : 0;
	return p && p->v.n ? p->v.r : NULL;
}

int vm_map__pids(const struct vm_map *m, pid_t **pids, size_t *n)
{
	size_t i, k = 0;

	*pids = calloc(m->nprocs + 1, sizeof(**pids));
	if (!*pids)
		return -ENOMEM;
	for (i = 0; i < m->nprocs; i++)
		if (m->procs[i].v.n)
			(*pids)[k++] = m->procs[i].pid;
	*n = k;
	return 0;
}

uint64_t vm_map__lost(const struct vm_map *m)
{
	return m->lost;
}

const char *vm_range__mapping(uint32_t flags)
{
	if (flags & MT_VM_ANON)
		return flags & MT_VM_SHARED ? "anon_shared" : "anon_private";
	return flags & MT_VM_SHARED ? "file_shared" : "file_private";
}
