// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The RSS account: smaps per mapping, traced ranges and thread stacks as
 * claims on parts of mappings, pagemap where a claim covers only part of
 * one. Classes and their order are described in rss_account.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "array.h"
#include "rss_account.h"

#define PROCFS_ROOT		"/proc"
#define SMALL_FILE_MAX		(4u << 10)
/* default vm.max_map_count is 65530: this walks every ordinary process */
#define MAX_VMAS		65536
/* pagemap entries (8 bytes each) read for one claimed part of a mapping,
 * and for the whole account: 4 GiB and 32 GiB of 4 KiB pages */
#define PART_MAX_PAGES		(1u << 20)
#define PAGEMAP_MAX_PAGES	(1u << 23)
#define PAGEMAP_CHUNK		1024
#define PM_PRESENT		(1ull << 63)
#define PM_PFN_MASK		((1ull << 55) - 1)
/* glibc's HEAP_MAX_SIZE on 64-bit: 2 * DEFAULT_MMAP_THRESHOLD_MAX */
#define ARENA_SIZE		(64ull << 20)
/* a thread running in user space shows "running": ask again a few times */
#define SYSCALL_TRIES		5
#define DEFAULT_TOP_FILES	10

/* Who owns a page. Claims are ARENA..STACK, weakest first: where claims
 * overlap the higher value wins. OTHER and HEAP are what a mapping is by
 * its name when no claim covers a page. */
enum owner {
	OWN_OTHER = 0,
	OWN_ARENA,
	OWN_MMAP,
	OWN_ALLOC,
	OWN_STACK,
	OWN_HEAP,
};

struct claim {
	uint64_t start, end;
	enum owner owner;
	uint64_t stack_id;
};

/* A claim cut to one mapping. */
struct piece {
	size_t vma;
	struct claim c;
};

/* Resident file pages of one mapping. */
struct file_part {
	const struct smaps_vma *v;
	uint64_t resident;
};

struct fs_kind {
	uint32_t major, minor;
	int shmem;		/* 1, 0, or -1: statfs failed */
};

struct ctx {
	const struct rss_input *in;
	const char *root;
	struct rss_account *a;
	struct smaps sm;
	uint64_t page;

	struct claim *claims;
	size_t nclaims, claims_cap;

	int pagemap_fd;		/* -1: not open yet; -2: cannot be read */
	uint64_t zero_pfn;	/* 0: unknown (PFNs need CAP_SYS_ADMIN) */
	uint64_t race_bytes;	/* pagemap saw more than smaps */
	uint64_t unmeasured_bytes;

	struct rss_stack_bytes *ids;	/* one entry per measured part */
	size_t nids, ids_cap;
	struct file_part *files;	/* one per file mapping */
	size_t nfiles, files_cap;
	struct fs_kind *fs;
	size_t nfs, fs_cap;
	size_t shmem_by_name;	/* mappings told apart by name only */
	size_t threads_unlocated;
};

static int add_note(struct rss_account *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int add_note(struct rss_account *a, const char *fmt, ...)
{
	size_t cap = a->nnotes; /* grown one at a time: a handful at most */
	char **tmp, *s;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	tmp = reallocarray(a->notes, cap + 1, sizeof(*tmp));
	if (!tmp) {
		free(s);
		return -ENOMEM;
	}
	a->notes = tmp;
	a->notes[a->nnotes++] = s;
	return 0;
}

static bool has_prefix(const char *s, const char *prefix)
{
	return s && !strncmp(s, prefix, strlen(prefix));
}

static bool is_named(const struct smaps_vma *v, const char *name)
{
	return v->map.path && !strcmp(v->map.path, name);
}

/* Private anonymous memory: the only kind traced claims cut into. */
static bool is_private_anon(const struct smaps_vma *v)
{
	const char *p = v->map.path;

	if (v->map.ino || v->map.perms[3] != 'p')
		return false;
	return !p || !strcmp(p, "[heap]") || !strcmp(p, "[stack]") || has_prefix(p, "[anon:");
}

/* Plain anonymous with no name, protections as given ("rw-p", "---p"). */
static bool is_bare_anon(const struct smaps_vma *v, const char *perms)
{
	return !v->map.ino && !v->map.path && !strcmp(v->map.perms, perms);
}

/* Index of the first mapping that ends above addr (sm->n: none). */
static size_t vma_after(const struct smaps *sm, uint64_t addr)
{
	size_t lo = 0, hi = sm->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sm->vmas[mid].map.end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The mapping holding addr, or NULL. */
static const struct smaps_vma *find_vma(const struct smaps *sm, uint64_t addr)
{
	size_t i = vma_after(sm, addr);

	return i < sm->n && sm->vmas[i].map.start <= addr ? &sm->vmas[i] : NULL;
}

static const struct smaps_vma *find_named(const struct smaps *sm, const char *name)
{
	size_t i;

	for (i = 0; i < sm->n; i++)
		if (is_named(&sm->vmas[i], name))
			return &sm->vmas[i];
	return NULL;
}

static int add_claim(struct ctx *c, uint64_t start, uint64_t end, enum owner owner,
		     uint64_t stack_id)
{
	int err;

	/* whole pages: brk ends need not be page-aligned */
	start &= ~(c->page - 1);
	end = (end + c->page - 1) & ~(c->page - 1);
	if (start >= end)
		return 0;
	err = array_grow((void **)&c->claims, &c->claims_cap, c->nclaims, sizeof(*c->claims));
	if (err)
		return err;
	c->claims[c->nclaims++] = (struct claim){ start, end, owner, stack_id };
	return 0;
}

static int claim_ranges(struct ctx *c)
{
	const struct rss_range *r;
	size_t i;
	int err;

	for (i = 0; i < c->in->nranges; i++) {
		r = &c->in->ranges[i];
		if (r->end <= r->start)
			continue;
		err = add_claim(c, r->start, r->end,
				r->cls == RSS_RANGE_ALLOCATOR ? OWN_ALLOC : OWN_MMAP, r->stack_id);
		if (err)
			return err;
	}
	return 0;
}

/* glibc arenas other than the main one live in heaps that are
 * ARENA_SIZE-aligned mmaps: the used part rw-p, the rest ---p. An arena
 * made before tracing started has no allocator range; this layout names it.
 * A fully grown heap (no ---p left) is not recognised. */
static int claim_arenas(struct ctx *c)
{
	const struct smaps_vma *v, *next;
	uint64_t a;
	size_t i;
	int err;

	for (i = 0; i + 1 < c->sm.n; i++) {
		v = &c->sm.vmas[i];
		next = &c->sm.vmas[i + 1];
		if (!is_bare_anon(v, "rw-p") || !is_bare_anon(next, "---p") ||
		    next->map.start != v->map.end)
			continue;
		a = (v->map.start + ARENA_SIZE - 1) & ~(ARENA_SIZE - 1);
		/* a thread stack's rw-p followed by the next one's guard
		 * page stops long before the aligned region ends */
		if (a >= v->map.end || next->map.end < a + ARENA_SIZE)
			continue;
		if ((err = add_claim(c, a, v->map.end, OWN_ARENA, 0)))
			return err;
	}
	return 0;
}

static const struct claim *stack_claim_at(const struct ctx *c, uint64_t addr)
{
	size_t i;

	for (i = 0; i < c->nclaims; i++)
		if (c->claims[i].owner == OWN_STACK && c->claims[i].start <= addr &&
		    addr < c->claims[i].end)
			return &c->claims[i];
	return NULL;
}

/* The thread stack around sp: its mapping, cut to the smallest traced
 * range around sp (a stack mapping may have merged with its neighbours;
 * the mmap that made it did not). Several threads on one stack count it
 * once. */
static int claim_stack(struct ctx *c, const struct smaps_vma *v, uint64_t sp)
{
	uint64_t start = v->map.start, end = v->map.end;
	const struct rss_range *r;
	size_t i;

	if (stack_claim_at(c, sp))
		return 0;
	for (i = 0; i < c->in->nranges; i++) {
		r = &c->in->ranges[i];
		if (r->start <= sp && sp < r->end && r->end - r->start < end - start) {
			start = r->start > v->map.start ? r->start : v->map.start;
			end = r->end < v->map.end ? r->end : v->map.end;
		}
	}
	return add_claim(c, start, end, OWN_STACK, 0);
}

/* The user stack pointer of a thread from task/TID/syscall: "nr args... sp
 * pc", or "-1 sp pc" outside a syscall. -EAGAIN while it runs. */
static int read_sp(struct ctx *c, pid_t tid, uint64_t *sp)
{
	char name[64], *text = NULL, *last, *prev, *end;
	size_t len;
	int err, tries;

	snprintf(name, sizeof(name), "task/%d/syscall", (int)tid);
	for (tries = 0; tries < SYSCALL_TRIES; tries++) {
		free(text);
		text = NULL;
		err = procfs__read_pid_file(c->root, c->in->pid, name, SMALL_FILE_MAX, &text, &len);
		if (err)
			return err;
		if (!has_prefix(text, "running"))
			break;
		sched_yield();
	}
	err = -EAGAIN;
	if (tries == SYSCALL_TRIES)
		goto out;
	err = -EINVAL;
	while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
		text[--len] = '\0';
	last = strrchr(text, ' ');
	if (!last)
		goto out;
	*last = '\0';
	prev = strrchr(text, ' ');
	if (!prev)
		goto out;
	errno = 0;
	*sp = strtoull(prev + 1, &end, 16);
	if (!errno && end != prev + 1 && !*end)
		err = 0;
out:
	free(text);
	return err;
}

/* Running threads: an rw-p mapping right after a ---p guard, as glibc lays
 * out pthread stacks, that no stack or arena claims yet. Which thread owns
 * which is not known; the count and the bytes are what matter. */
static int guess_stacks(struct ctx *c, size_t n)
{
	const struct smaps_vma *v, *prev;
	size_t i, j;
	bool taken;
	int err;

	for (i = 1; i < c->sm.n && n; i++) {
		v = &c->sm.vmas[i];
		prev = &c->sm.vmas[i - 1];
		if (!is_bare_anon(v, "rw-p") || !is_bare_anon(prev, "---p") ||
		    prev->map.end != v->map.start)
			continue;
		taken = false;
		for (j = 0; j < c->nclaims && !taken; j++)
			taken = (c->claims[j].owner == OWN_STACK || c->claims[j].owner == OWN_ARENA) &&
				c->claims[j].start < v->map.end && v->map.start < c->claims[j].end;
		if (taken)
			continue;
		if ((err = claim_stack(c, v, v->map.start)))
			return err;
		c->a->thread_stacks++;
		c->a->threads_guessed++;
		n--;
	}
	c->threads_unlocated += n;
	return 0;
}

static int claim_stacks(struct ctx *c)
{
	const struct smaps_vma *v;
	struct dirent *de;
	size_t running = 0;
	char *path = NULL;
	uint64_t sp;
	DIR *d;
	long tid;
	char *end;
	int err = 0;

	if (asprintf(&path, "%s/%d/task", c->root, (int)c->in->pid) < 0)
		return -ENOMEM;
	d = opendir(path);
	free(path);
	if (!d)
		return errno == ENOENT ? -ESRCH : -errno;
	while ((de = readdir(d))) {
		errno = 0;
		tid = strtol(de->d_name, &end, 10);
		if (errno || *end || tid <= 0 || end == de->d_name)
			continue;
		v = NULL;
		err = read_sp(c, (pid_t)tid, &sp);
		if (err == -ENOENT)
			continue; /* exited since readdir */
		if (err == -ENOMEM)
			break;
		c->a->threads++;
		if (!err) {
			v = find_vma(&c->sm, sp);
		} else if (tid == c->in->pid) {
			/* the main thread's stack has a name */
			v = find_named(&c->sm, "[stack]");
			sp = v ? v->map.start : 0;
		}
		err = 0;
		if (v && is_private_anon(v)) {
			if ((err = claim_stack(c, v, sp)))
				break;
			c->a->thread_stacks++;
		} else if (v) {
			c->threads_unlocated++;
		} else {
			running++;
		}
	}
	closedir(d);
	if (!err)
		err = guess_stacks(c, running);
	return err;
}

/* The PFN of the shared zero page: pagemap shows it present where a page
 * was read but never written, smaps and VmRSS do not count it. */
static uint64_t find_zero_pfn(uint64_t page)
{
	volatile const char *p;
	uint64_t e = 0;
	int fd;

	p = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 0;
	(void)*p;
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (pread(fd, &e, sizeof(e), (off_t)((uintptr_t)p / page * sizeof(e))) != sizeof(e))
			e = 0;
		close(fd);
	}
	munmap((void *)p, page);
	return (e & PM_PRESENT) ? e & PM_PFN_MASK : 0;
}

static int open_pagemap(struct ctx *c)
{
	char *path = NULL;

	if (c->pagemap_fd != -1)
		return c->pagemap_fd;
	if (asprintf(&path, "%s/%d/pagemap", c->root, (int)c->in->pid) < 0)
		return -1;
	c->pagemap_fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (c->pagemap_fd < 0) {
		c->pagemap_fd = -2;
		add_note(c->a, "pagemap unreadable (%s): parts of mappings not measured",
			 strerror(errno));
		return -1;
	}
	c->zero_pfn = find_zero_pfn(c->page);
	return c->pagemap_fd;
}

/* Present pages of [start, end) times the page size; -1 when over budget
 * or unreadable. */
static int64_t count_present(struct ctx *c, uint64_t start, uint64_t end)
{
	uint64_t buf[PAGEMAP_CHUNK], first = start / c->page, n = (end - start) / c->page;
	uint64_t done = 0, present = 0, want, i;
	ssize_t r;
	int fd;

	if (n > PART_MAX_PAGES || c->a->pagemap_pages + n > PAGEMAP_MAX_PAGES)
		return -1;
	fd = open_pagemap(c);
	if (fd < 0)
		return -1;
	while (done < n) {
		want = n - done < PAGEMAP_CHUNK ? n - done : PAGEMAP_CHUNK;
		r = pread(fd, buf, want * sizeof(*buf), (off_t)((first + done) * sizeof(*buf)));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || r % sizeof(*buf))
			return -1;
		want = (uint64_t)r / sizeof(*buf);
		for (i = 0; i < want; i++)
			if ((buf[i] & PM_PRESENT) &&
			    !(c->zero_pfn && (buf[i] & PM_PFN_MASK) == c->zero_pfn))
				present++;
		done += want;
	}
	c->a->pagemap_pages += n;
	return (int64_t)(present * c->page);
}

/* Resident bytes of [start, end) inside v; -1 when not measured. The
 * mapping's own figures answer without pagemap where they can. */
static int64_t measure(struct ctx *c, const struct smaps_vma *v, uint64_t start, uint64_t end)
{
	if (!v->rss)
		return 0;
	if (start == v->map.start && end == v->map.end)
		return (int64_t)v->rss;
	if (v->rss == v->size)
		return (int64_t)(end - start);
	return count_present(c, start, end);
}

static int credit(struct ctx *c, enum owner owner, uint64_t stack_id, uint64_t bytes)
{
	struct rss_account *a = c->a;
	int err;

	switch (owner) {
	case OWN_ARENA:
		a->heap_guessed += bytes;
		/* fall through */
	case OWN_ALLOC:
	case OWN_HEAP:
		a->heap_resident += bytes;
		return 0;
	case OWN_STACK:
		a->thread_stack_resident += bytes;
		return 0;
	case OWN_MMAP:
		a->mmap_anon_resident += bytes;
		if (!bytes)
			return 0;
		err = array_grow((void **)&c->ids, &c->ids_cap, c->nids, sizeof(*c->ids));
		if (err)
			return err;
		c->ids[c->nids++] = (struct rss_stack_bytes){ stack_id, bytes };
		return 0;
	default:
		a->other_anon += bytes;
		return 0;
	}
}

/* What a private anonymous mapping is by its name. */
static enum owner default_owner(const struct smaps_vma *v)
{
	if (is_named(v, "[heap]") || has_prefix(v->map.path, "[anon: glibc: malloc"))
		return OWN_HEAP;
	if (is_named(v, "[stack]"))
		return OWN_STACK;
	return OWN_OTHER;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_piece(const void *a, const void *b)
{
	const struct piece *x = a, *y = b;

	if (x->vma != y->vma)
		return x->vma < y->vma ? -1 : 1;
	if (x->c.owner != y->c.owner)
		return x->c.owner < y->c.owner ? -1 : 1;
	return cmp_u64(&x->c.start, &y->c.start);
}

/* One private anonymous mapping and the claims on it (weakest first):
 * each page goes to the strongest claim, the rest to the mapping's own
 * class. bounds and owners are scratch of room 2 * n. */
static int account_claimed(struct ctx *c, const struct smaps_vma *v, const struct piece *p,
			   size_t n, uint64_t *bounds, const struct claim **owners)
{
	uint64_t claimed = 0, end;
	size_t nb = 0, i, j, k;
	int64_t got;
	int err;

	for (i = 0; i < n; i++) {
		bounds[nb++] = p[i].c.start;
		bounds[nb++] = p[i].c.end;
	}
	qsort(bounds, nb, sizeof(*bounds), cmp_u64);
	for (i = j = 0; i < nb; i++)
		if (!j || bounds[j - 1] != bounds[i])
			bounds[j++] = bounds[i];
	nb = j;
	for (i = 0; i + 1 < nb; i++)
		owners[i] = NULL;
	/* paint weakest first: the strongest claim is painted last */
	for (i = 0; i < n; i++) {
		j = (size_t)((uint64_t *)bsearch(&p[i].c.start, bounds, nb, sizeof(*bounds),
						 cmp_u64) - bounds);
		for (; j + 1 < nb && bounds[j] < p[i].c.end; j++)
			owners[j] = &p[i].c;
	}
	for (i = 0; i + 1 < nb; i = k) {
		/* a run of segments with the same owner: one measurement */
		for (k = i + 1; k + 1 < nb && owners[k] && owners[i] &&
			     owners[k]->owner == owners[i]->owner &&
			     owners[k]->stack_id == owners[i]->stack_id; k++)
			;
		if (!owners[i])
			continue;
		end = bounds[k];
		got = measure(c, v, bounds[i], end);
		if (got < 0) {
			c->a->ranges_unmeasured++;
			c->unmeasured_bytes += end - bounds[i];
			continue;
		}
		claimed += (uint64_t)got;
		if ((err = credit(c, owners[i]->owner, owners[i]->stack_id, (uint64_t)got)))
			return err;
	}
	/* pagemap is read after smaps: a page faulted in between is seen
	 * by one only. The larger figure stands; the gap to VmRSS shows it. */
	if (claimed > v->rss) {
		c->race_bytes += claimed - v->rss;
		c->a->smaps_rss += claimed - v->rss;
		return 0;
	}
	return credit(c, default_owner(v), 0, v->rss - claimed);
}

/* tmpfs and the kernel's internal shmem mount both say TMPFS_MAGIC; one
 * statfs per device, through map_files (needs CAP_SYS_ADMIN). */
static int fs_is_shmem(struct ctx *c, const struct smaps_vma *v)
{
	char *path = NULL;
	struct statfs st;
	size_t i;
	int shmem = -1;

	for (i = 0; i < c->nfs; i++)
		if (c->fs[i].major == v->map.dev_major && c->fs[i].minor == v->map.dev_minor)
			return c->fs[i].shmem;
	if (asprintf(&path, "%s/%d/map_files/%" PRIx64 "-%" PRIx64, c->root, (int)c->in->pid,
		     v->map.start, v->map.end) >= 0) {
		if (!statfs(path, &st))
			shmem = st.f_type == TMPFS_MAGIC;
		free(path);
	}
	if (!array_grow((void **)&c->fs, &c->fs_cap, c->nfs, sizeof(*c->fs)))
		c->fs[c->nfs++] = (struct fs_kind){ v->map.dev_major, v->map.dev_minor, shmem };
	return shmem;
}

static bool is_shmem(struct ctx *c, const struct smaps_vma *v)
{
	const char *p = v->map.path;
	int fs;

	if (has_prefix(p, "[anon_shmem:") || (!v->map.ino && !p))
		return true;
	if (!v->map.ino)
		return false; /* [vdso] and other kernel pages */
	fs = fs_is_shmem(c, v);
	if (fs >= 0)
		return fs;
	c->shmem_by_name++;
	return (v->map.deleted && !strcmp(p, "/dev/zero")) || has_prefix(p, "/SYSV") ||
	       has_prefix(p, "/memfd:") || has_prefix(p, "/dev/shm/");
}

/* File, shared or kernel mappings: anonymous copies are other anon, the
 * rest is shmem or the file's. */
static int account_mapped(struct ctx *c, const struct smaps_vma *v)
{
	uint64_t rest = v->rss - v->anonymous;
	int err;

	c->a->other_anon += v->anonymous;
	if (!rest)
		return 0;
	if (is_shmem(c, v)) {
		c->a->shmem_resident += rest;
		return 0;
	}
	c->a->file_resident += rest;
	err = array_grow((void **)&c->files, &c->files_cap, c->nfiles, sizeof(*c->files));
	if (err)
		return err;
	c->files[c->nfiles++] = (struct file_part){ v, rest };
	return 0;
}

/* Every claim cut to the private anonymous mappings it covers. */
static int cut_claims(struct ctx *c, struct piece **out, size_t *nout)
{
	struct piece *p = NULL;
	const struct claim *cl;
	size_t n = 0, cap = 0, i, j;
	const struct smaps_vma *v;
	int err;

	for (i = 0; i < c->nclaims; i++) {
		cl = &c->claims[i];
		for (j = vma_after(&c->sm, cl->start); j < c->sm.n && c->sm.vmas[j].map.start < cl->end; j++) {
			v = &c->sm.vmas[j];
			if (!is_private_anon(v))
				continue;
			if ((err = array_grow((void **)&p, &cap, n, sizeof(*p)))) {
				free(p);
				return err;
			}
			p[n].vma = j;
			p[n].c = *cl;
			if (p[n].c.start < v->map.start)
				p[n].c.start = v->map.start;
			if (p[n].c.end > v->map.end)
				p[n].c.end = v->map.end;
			n++;
		}
	}
	qsort(p, n, sizeof(*p), cmp_piece);
	*out = p;
	*nout = n;
	return 0;
}

static int walk_vmas(struct ctx *c)
{
	const struct claim **owners = NULL;
	struct piece *p = NULL;
	uint64_t *bounds = NULL;
	size_t np = 0, i, k, next = 0;
	int err;

	if ((err = cut_claims(c, &p, &np)))
		return err;
	bounds = calloc(2 * np + 1, sizeof(*bounds));
	owners = calloc(2 * np + 1, sizeof(*owners));
	if (!bounds || !owners) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < c->sm.n && !err; i++) {
		const struct smaps_vma *v = &c->sm.vmas[i];

		c->a->smaps_rss += v->rss;
		for (k = next; k < np && p[k].vma == i; k++)
			;
		if (k > next)
			err = account_claimed(c, v, p + next, k - next, bounds, owners);
		else if (is_private_anon(v))
			err = credit(c, default_owner(v), 0, v->rss);
		else
			err = account_mapped(c, v);
		next = k;
	}
cleanup:
	free(owners);
	free(bounds);
	free(p);
	return err;
}

static int cmp_id(const void *a, const void *b)
{
	const struct rss_stack_bytes *x = a, *y = b;

	return cmp_u64(&x->stack_id, &y->stack_id);
}

static int cmp_resident_desc(uint64_t x, uint64_t y)
{
	return x > y ? -1 : x < y;
}

static int cmp_id_bytes(const void *a, const void *b)
{
	const struct rss_stack_bytes *x = a, *y = b;
	int d = cmp_resident_desc(x->resident, y->resident);

	return d ? d : cmp_id(a, b);
}

/* by path; a deleted file is not the one now at its path */
static int cmp_file(const void *a, const void *b)
{
	const struct smaps_vma *x = ((const struct file_part *)a)->v;
	const struct smaps_vma *y = ((const struct file_part *)b)->v;
	int d = strcmp(x->map.path, y->map.path);

	return d ? d : (int)x->map.deleted - (int)y->map.deleted;
}

static int cmp_file_bytes(const void *a, const void *b)
{
	const struct file_part *x = a, *y = b;
	int d = cmp_resident_desc(x->resident, y->resident);

	return d ? d : cmp_file(a, b);
}

/* One entry per stack id, largest first. */
static void merge_ids(struct ctx *c)
{
	size_t i, n = 0;

	qsort(c->ids, c->nids, sizeof(*c->ids), cmp_id);
	for (i = 0; i < c->nids; i++) {
		if (n && c->ids[n - 1].stack_id == c->ids[i].stack_id)
			c->ids[n - 1].resident += c->ids[i].resident;
		else
			c->ids[n++] = c->ids[i];
	}
	qsort(c->ids, n, sizeof(*c->ids), cmp_id_bytes);
	c->a->mmap_by_stack = c->ids;
	c->a->nmmap_by_stack = n;
	c->ids = NULL;
}

/* One entry per file, largest first, the top ones kept with their own
 * copy of the path. */
static int merge_files(struct ctx *c)
{
	size_t i, n = 0, top = c->in->top_files ? c->in->top_files : DEFAULT_TOP_FILES;
	struct rss_account *a = c->a;
	const struct smaps_vma *v;

	qsort(c->files, c->nfiles, sizeof(*c->files), cmp_file);
	for (i = 0; i < c->nfiles; i++) {
		if (n && !cmp_file(&c->files[n - 1], &c->files[i]))
			c->files[n - 1].resident += c->files[i].resident;
		else
			c->files[n++] = c->files[i];
	}
	qsort(c->files, n, sizeof(*c->files), cmp_file_bytes);
	a->files_total = n;
	if (top > n)
		top = n;
	a->files = calloc(top ? top : 1, sizeof(*a->files));
	if (!a->files)
		return -ENOMEM;
	for (i = 0; i < top; i++) {
		v = c->files[i].v;
		if (asprintf(&a->files[i].path, "%s%s", v->map.path,
			     v->map.deleted ? " (deleted)" : "") < 0)
			return -ENOMEM;
		a->files[i].resident = c->files[i].resident;
		a->nfiles++;
	}
	return 0;
}

static int finish(struct ctx *c)
{
	struct rss_account *a = c->a;
	int err;

	merge_ids(c);
	if ((err = merge_files(c)))
		return err;
	if (a->heap_resident > a->malloc_live)
		a->allocator_retention = a->heap_resident - a->malloc_live;
	else
		a->heap_unbacked_live = a->malloc_live - a->heap_resident;
	a->rss_gap = (int64_t)a->status.vm_rss - (int64_t)a->smaps_rss;
	a->unexplained_bytes = (int64_t)a->other_anon + a->rss_gap;
	if (a->status.vm_rss)
		a->unexplained_pct = (double)a->unexplained_bytes * 100.0 / (double)a->status.vm_rss;

	if (a->vmas_skipped)
		add_note(a, "%zu mappings past the first %u not walked: their pages are in the "
			 "status/smaps difference", a->vmas_skipped, MAX_VMAS);
	if (a->ranges_unmeasured)
		add_note(a, "%zu traced parts of mappings (%" PRIu64 " bytes of address space) "
			 "not measured (pagemap budget or access): their pages count as other "
			 "anonymous", a->ranges_unmeasured, c->unmeasured_bytes);
	if (a->heap_guessed)
		add_note(a, "%" PRIu64 " bytes of heap are glibc arenas recognised by their layout "
			 "(64 MiB-aligned rw-p then ---p), not by tracing", a->heap_guessed);
	if (a->threads_guessed)
		add_note(a, "%zu threads were running while read: their stacks are taken to be "
			 "unclaimed rw-p mappings after a ---p guard (a guess)", a->threads_guessed);
	if (c->threads_unlocated)
		add_note(a, "%zu of %zu threads: stack not found", c->threads_unlocated, a->threads);
	if (c->shmem_by_name)
		add_note(a, "%zu mappings told shmem from file by name only (statfs failed)",
			 c->shmem_by_name);
	if (c->race_bytes)
		add_note(a, "%" PRIu64 " bytes faulted in between the smaps and pagemap reads",
			 c->race_bytes);
	if (a->rss_gap)
		add_note(a, "status VmRSS and the smaps sum differ by %" PRId64 " bytes: the "
			 "process changed between the reads, or the kernel had not folded its "
			 "batched RSS counters", a->rss_gap);
	return 0;
}

int rss_account__compute(const struct rss_input *in, struct rss_account *out)
{
	struct ctx c = { .in = in, .a = out, .pagemap_fd = -1 };
	long page = sysconf(_SC_PAGESIZE);
	int err;

	if (!in || !out || in->pid <= 0 || (in->nranges && !in->ranges) || page <= 0)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->pid = in->pid;
	out->malloc_live = in->malloc_live_bytes;
	c.root = in->proc_root ? in->proc_root : PROCFS_ROOT;
	c.page = (uint64_t)page;

	/* status first: the figure everything else is measured against */
	if ((err = smaps__read_status(c.root, in->pid, &out->status)) ||
	    (err = smaps__read_rollup(c.root, in->pid, &out->rollup)) ||
	    (err = smaps__read(c.root, in->pid, MAX_VMAS, &c.sm)))
		goto cleanup;
	out->vmas = c.sm.n;
	out->vmas_skipped = c.sm.skipped;

	if ((err = claim_ranges(&c)) || (err = claim_arenas(&c)) ||
	    (err = claim_stacks(&c)) || (err = walk_vmas(&c)) || (err = finish(&c)))
		goto cleanup;
cleanup:
	if (c.pagemap_fd >= 0)
		close(c.pagemap_fd);
	free(c.fs);
	free(c.files);
	free(c.ids);
	free(c.claims);
	smaps__free(&c.sm);
	if (err)
		rss_account__free(out);
	return err;
}

void rss_account__free(struct rss_account *a)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; i < a->nfiles; i++)
		free(a->files[i].path);
	free(a->files);
	free(a->mmap_by_stack);
	for (i = 0; i < a->nnotes; i++)
		free(a->notes[i]);
	free(a->notes);
	memset(a, 0, sizeof(*a));
}
