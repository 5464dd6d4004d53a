// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Skeleton lifecycle, uprobe attachment, exit-event polling and the drain
 * of the BPF maps into the profile model. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "memtrail.skel.h"
#include "memtrail.h"
#include "elf_file.h"
#include "log.h"
#include "tracer.h"

/* One attachment: the allocator file (by identity) and the pid filter. */
struct attached_file {
	dev_t dev;
	ino_t ino;
	pid_t pid;
};

struct tracer {
	struct tracer_opts opts;
	struct attached_file *files;
	size_t nfiles, files_cap;
	struct memtrail_bpf *skel;
	struct ring_buffer *events;
	struct bpf_link **links;
	size_t nlinks, links_cap;
	pid_t *exited; /* exits seen during one poll, purged together */
	size_t nexited, exited_cap;
	struct mt_event *execs; /* image replacements seen during one poll */
	size_t nexecs, execs_cap;
	int ncpus;
};

/* The allocator functions and the program that decodes each one's
 * arguments. Every allocating function also gets the shared return probe. */
enum { NO_RETURN = 0, WITH_RETURN = 1 };

static struct bpf_program *entry_prog(struct memtrail_bpf *skel, enum mt_func fn)
{
	switch (fn) {
	case MT_FN_MALLOC: return skel->progs.malloc_enter;
	case MT_FN_CALLOC: return skel->progs.calloc_enter;
	case MT_FN_REALLOC: return skel->progs.realloc_enter;
	case MT_FN_REALLOCARRAY: return skel->progs.reallocarray_enter;
	case MT_FN_FREE: return skel->progs.free_enter;
	case MT_FN_POSIX_MEMALIGN: return skel->progs.posix_memalign_enter;
	case MT_FN_ALIGNED_ALLOC: /* same signature as memalign */
	case MT_FN_MEMALIGN: return skel->progs.memalign_enter;
	case MT_FN_VALLOC: return skel->progs.valloc_enter;
	case MT_FN_PVALLOC: return skel->progs.pvalloc_enter;
	default: return NULL;
	}
}

static const char *const fn_names[MT_FN__COUNT] = {
	[MT_FN_MALLOC] = "malloc",
	[MT_FN_CALLOC] = "calloc",
	[MT_FN_REALLOC] = "realloc",
	[MT_FN_REALLOCARRAY] = "reallocarray",
	[MT_FN_FREE] = "free",
	[MT_FN_POSIX_MEMALIGN] = "posix_memalign",
	[MT_FN_ALIGNED_ALLOC] = "aligned_alloc",
	[MT_FN_MEMALIGN] = "memalign",
	[MT_FN_VALLOC] = "valloc",
	[MT_FN_PVALLOC] = "pvalloc",
};

static const char *const stat_names[MT_STAT__COUNT] = {
	[MT_STAT_DROP_LIVE_FULL] = "live_map_full",
	[MT_STAT_DROP_STACK_FULL] = "stack_totals_map_full",
	[MT_STAT_DROP_STACK_COLLISION] = "stack_collision",
	[MT_STAT_DROP_STACK_ERROR] = "stack_unreadable",
	[MT_STAT_DROP_STACKS_FULL] = "stack_map_full",
	[MT_STAT_DROP_NO_TASK_STATE] = "no_thread_state",
	[MT_STAT_DROP_EVENTS] = "exit_events_lost",
};

static int grow(void **arr, size_t *cap, size_t n, size_t sz)
{
	void *tmp;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 32;
	tmp = reallocarray(*arr, ncap, sz);
	if (!tmp)
		return -ENOMEM;
	*arr = tmp;
	*cap = ncap;
	return 0;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct tracer *t = ctx;
	const struct mt_event *ev = data;

	if (size < sizeof(*ev))
		return 0;
	switch (ev->type) {
	case MT_EV_EXIT:
		if (grow((void **)&t->exited, &t->exited_cap, t->nexited, sizeof(pid_t)))
			return 0; /* the entries stay until the next exit of this pid */
		t->exited[t->nexited++] = ev->tgid;
		break;
	case MT_EV_EXEC:
		if (grow((void **)&t->execs, &t->execs_cap, t->nexecs, sizeof(*ev)))
			return 0;
		t->execs[t->nexecs++] = *ev;
		break;
	}
	return 0;
}

struct tracer *tracer__new(const struct tracer_opts *opts)
{
	struct tracer *t;
	int err;

	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	memcpy(&t->opts, opts, opts->sz < sizeof(t->opts) ? opts->sz : sizeof(t->opts));
	t->ncpus = libbpf_num_possible_cpus();
	if (t->ncpus <= 0) {
		err = t->ncpus ? t->ncpus : -EINVAL;
		goto fail;
	}

	t->skel = memtrail_bpf__open();
	if (!t->skel) {
		err = -errno;
		goto fail;
	}
	t->skel->rodata->self_tgid = getpid();
	t->skel->rodata->empty_programs = opts->empty_programs;
	t->skel->rodata->page_size = sysconf(_SC_PAGESIZE);
	if (opts->max_allocs &&
	    (err = bpf_map__set_max_entries(t->skel->maps.live, opts->max_allocs)))
		goto fail;
	if (opts->max_stacks &&
	    ((err = bpf_map__set_max_entries(t->skel->maps.stacks, opts->max_stacks)) ||
	     (err = bpf_map__set_max_entries(t->skel->maps.by_stack, opts->max_stacks * 4))))
		goto fail;

	err = memtrail_bpf__load(t->skel);
	if (err)
		goto fail;
	err = memtrail_bpf__attach(t->skel); /* the exit tracepoint */
	if (err)
		goto fail;
	t->events = ring_buffer__new(bpf_map__fd(t->skel->maps.events), on_event, t, NULL);
	if (!t->events) {
		err = -errno;
		goto fail;
	}
	return t;
fail:
	tracer__free(t);
	errno = -err;
	return NULL;
}

void tracer__free(struct tracer *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->nlinks; i++)
		bpf_link__destroy(t->links[i]);
	free(t->links);
	ring_buffer__free(t->events);
	memtrail_bpf__destroy(t->skel);
	free(t->exited);
	free(t->execs);
	free(t->files);
	free(t);
}

static int attach_one(struct tracer *t, struct bpf_program *prog, bool retprobe,
		      const char *path, uint64_t offset, pid_t pid)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uopts, .retprobe = retprobe);
	struct bpf_link *link;

	if (grow((void **)&t->links, &t->links_cap, t->nlinks, sizeof(*t->links)))
		return -ENOMEM;
	link = bpf_program__attach_uprobe_opts(prog, pid, path, offset, &uopts);
	if (!link)
		return -errno;
	t->links[t->nlinks++] = link;
	return 0;
}

int tracer__attach_elf(struct tracer *t, const char *path, pid_t pid)
{
	uint64_t offsets[MT_FN__COUNT];
	struct elf_file *ef = NULL;
	size_t nattached = 0, i;
	struct stat st;
	int fn, err;

	/* a probe per (file, pid) stays valid across the pid's execs: a
	 * second one would count every call twice */
	if (stat(path, &st))
		return -errno;
	for (i = 0; i < t->nfiles; i++) {
		if (t->files[i].dev == st.st_dev && t->files[i].ino == st.st_ino &&
		    t->files[i].pid == pid) {
			debug("%s: already probed for pid %d", path, pid);
			return 0;
		}
	}
	if (grow((void **)&t->files, &t->files_cap, t->nfiles, sizeof(*t->files)))
		return -ENOMEM;
	err = elf_file__open(path, &ef);
	if (err)
		return err;
	if (!elf_file__find_func(ef, "malloc") || !elf_file__find_func(ef, "free")) {
		err = -ENOENT;
		goto out;
	}
	for (fn = 0; fn < MT_FN__COUNT; fn++) {
		const struct elf_sym *sym = elf_file__find_func(ef, fn_names[fn]);
		bool dup = false;
		uint64_t off;

		if (!sym) {
			debug("%s: no %s, not probed", path, fn_names[fn]);
			continue;
		}
		err = elf_file__vaddr_to_offset(ef, sym->vaddr, &off);
		if (err)
			goto out;
		/* aliases (glibc's aligned_alloc is memalign): one probe */
		for (i = 0; i < nattached; i++)
			dup |= offsets[i] == off;
		if (dup) {
			debug("%s: %s is an alias, probed once", path, fn_names[fn]);
			continue;
		}
		offsets[nattached++] = off;
		err = attach_one(t, entry_prog(t->skel, fn), false, path, off, pid);
		if (!err && fn != MT_FN_FREE)
			err = attach_one(t, t->skel->progs.alloc_return, true, path, off, pid);
		if (err)
			goto out;
		debug("%s: %s probed at file offset 0x%llx (pid %d)", path,
		      fn_names[fn], (unsigned long long)off, pid);
	}
	t->files[t->nfiles++] = (struct attached_file){ st.st_dev, st.st_ino, pid };
out:
	elf_file__close(ef);
	return err;
}

size_t tracer__nprobes(const struct tracer *t)
{
	return t->nlinks;
}

/* ---- map iteration -------------------------------------------------------- */

typedef void (*map_visit_fn)(const void *key, const void *val, void *ctx);

/* Visits every entry of a hash map in batches (few syscalls for big maps). */
static int map_for_each(int fd, size_t ksz, size_t vsz, map_visit_fn visit, void *ctx)
{
	uint32_t chunk = 4096, count, i;
	uint64_t in_batch = 0, out_batch = 0;
	char *keys = NULL, *vals = NULL;
	bool first = true, done = false;
	int err = 0;

	keys = malloc(ksz * chunk);
	vals = malloc(vsz * chunk);
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	while (!done) {
		count = chunk;
		err = bpf_map_lookup_batch(fd, first ? NULL : &in_batch, &out_batch,
					   keys, vals, &count, NULL);
		if (err == -ENOENT) {
			done = true;
			err = 0;
		} else if (err) {
			goto out;
		}
		for (i = 0; i < count; i++)
			visit(keys + i * ksz, vals + i * vsz, ctx);
		in_batch = out_batch;
		first = false;
	}
out:
	free(keys);
	free(vals);
	return err;
}

/* ---- purge of exited processes ------------------------------------------- */

struct purge_ctx {
	const pid_t *pids;
	size_t npids;
	void *keys;	/* keys to delete */
	size_t nkeys, cap, ksz;
	int64_t *bytes, *allocs; /* per pid: what it held */
	int err;
};

static int pid_index(const struct purge_ctx *pc, uint32_t tgid)
{
	size_t i;

	for (i = 0; i < pc->npids; i++)
		if ((uint32_t)pc->pids[i] == tgid)
			return i;
	return -1;
}

static void collect_key(struct purge_ctx *pc, const void *key)
{
	if (grow(&pc->keys, &pc->cap, pc->nkeys, pc->ksz)) {
		pc->err = -ENOMEM;
		return;
	}
	memcpy((char *)pc->keys + pc->nkeys++ * pc->ksz, key, pc->ksz);
}

static void visit_purge_stack(const void *key, const void *val, void *ctx)
{
	const struct mt_stack_key *k = key;
	const struct mt_stack_val *v = val;
	struct purge_ctx *pc = ctx;
	int i = pid_index(pc, k->tgid);

	if (i < 0)
		return;
	pc->bytes[i] += v->bytes;
	pc->allocs[i] += v->allocs;
	collect_key(pc, key);
}

static void visit_purge_live(const void *key, const void *val, void *ctx)
{
	const struct mt_live_key *k = key;
	struct purge_ctx *pc = ctx;

	(void)val;
	if (pid_index(pc, k->tgid) >= 0)
		collect_key(pc, key);
}

static void delete_keys(int fd, struct purge_ctx *pc)
{
	size_t i;

	for (i = 0; i < pc->nkeys; i++)
		bpf_map_delete_elem(fd, (char *)pc->keys + i * pc->ksz);
	pc->nkeys = 0;
}

static void purge_pids(struct tracer *t, const pid_t *pids, size_t n)
{
	struct purge_ctx pc = { .pids = pids, .npids = n };
	int live_fd = bpf_map__fd(t->skel->maps.live);
	int stack_fd = bpf_map__fd(t->skel->maps.by_stack);
	bool any = false;
	size_t i;

	pc.bytes = calloc(n, sizeof(*pc.bytes));
	pc.allocs = calloc(n, sizeof(*pc.allocs));
	if (!pc.bytes || !pc.allocs)
		goto out;
	/* totals first: they tell whether the big live map needs a scan */
	pc.ksz = sizeof(struct mt_stack_key);
	map_for_each(stack_fd, pc.ksz, sizeof(struct mt_stack_val),
		     visit_purge_stack, &pc);
	any = pc.nkeys > 0;
	delete_keys(stack_fd, &pc);
	if (any) {
		pc.ksz = sizeof(struct mt_live_key);
		free(pc.keys);
		pc.keys = NULL;
		pc.cap = 0;
		map_for_each(live_fd, pc.ksz, sizeof(struct mt_live_val),
			     visit_purge_live, &pc);
		delete_keys(live_fd, &pc);
	}
	if (pc.err)
		warn("purging exited processes: %s", strerror(-pc.err));
	for (i = 0; i < n && t->opts.on_exit; i++)
		t->opts.on_exit(pids[i], pc.bytes[i], pc.allocs[i], t->opts.ctx);
out:
	free(pc.keys);
	free(pc.bytes);
	free(pc.allocs);
}

void tracer__purge(struct tracer *t, pid_t pid)
{
	purge_pids(t, &pid, 1);
}

/* ---- purge of a replaced image (exec) --------------------------------------- */

struct old_entry {
	struct mt_live_key key;
	struct mt_live_val val;
};

struct image_ctx {
	const struct mt_event *execs; /* tgid and when it exec'd */
	size_t nexecs;
	bool any;		/* one of them has entries at all */
	struct old_entry *old;	/* entries older than their process's exec */
	size_t n, cap;
	int err;
};

/* The latest exec of tgid in this poll (a chain of execs: the last image
 * is the one that lives), or NULL. */
static const struct mt_event *exec_of(const struct image_ctx *ic, uint32_t tgid)
{
	const struct mt_event *last = NULL;
	size_t i;

	for (i = 0; i < ic->nexecs; i++)
		if (ic->execs[i].tgid == tgid && (!last || ic->execs[i].ts_ns > last->ts_ns))
			last = &ic->execs[i];
	return last;
}

static void visit_exec_totals(const void *key, const void *val, void *ctx)
{
	const struct mt_stack_key *k = key;
	struct image_ctx *ic = ctx;

	(void)val;
	ic->any |= exec_of(ic, k->tgid) != NULL;
}

static void visit_old_image(const void *key, const void *val, void *ctx)
{
	const struct mt_live_key *k = key;
	const struct mt_live_val *v = val;
	struct image_ctx *ic = ctx;
	const struct mt_event *ev = exec_of(ic, k->tgid);

	if (!ev || v->ts_ns >= ev->ts_ns)
		return;
	if (grow((void **)&ic->old, &ic->cap, ic->n, sizeof(*ic->old))) {
		ic->err = -ENOMEM;
		return;
	}
	ic->old[ic->n].key = *k;
	ic->old[ic->n++].val = *v;
}

/* Runs apply_deltas on deltas[0..n): the totals change atomically with
 * the hooks' own updates of the same keys. */
static int apply_deltas(struct tracer *t, const struct mt_delta *d, uint32_t n)
{
	struct mt_delta_args args = { .n = n };
	LIBBPF_OPTS(bpf_test_run_opts, run, .ctx_in = &args, .ctx_size_in = sizeof(args));
	int fd = bpf_map__fd(t->skel->maps.deltas);
	uint32_t i;
	int err;

	for (i = 0; i < n; i++) {
		err = bpf_map_update_elem(fd, &i, &d[i], BPF_ANY);
		if (err)
			return err;
	}
	return bpf_prog_test_run_opts(bpf_program__fd(t->skel->progs.apply_deltas), &run);
}

/* Removes the allocations each process made before its exec (its previous
 * image); only those this call deletes itself are taken off the totals.
 * One pass over the maps for all the execs of a poll. */
static void purge_images(struct tracer *t, const struct mt_event *execs, size_t nexecs)
{
	struct image_ctx ic = { .execs = execs, .nexecs = nexecs };
	int live_fd = bpf_map__fd(t->skel->maps.live);
	struct mt_delta batch[MT_DELTA_BATCH];
	uint32_t nbatch = 0;
	size_t i;
	int err;

	/* the small totals map tells whether the big one needs a scan */
	err = map_for_each(bpf_map__fd(t->skel->maps.by_stack), sizeof(struct mt_stack_key),
			   sizeof(struct mt_stack_val), visit_exec_totals, &ic);
	if (err || !ic.any)
		goto out;
	err = map_for_each(live_fd, sizeof(struct mt_live_key), sizeof(struct mt_live_val),
			   visit_old_image, &ic);
	if (!err)
		err = ic.err;
	for (i = 0; i < ic.n && !err; i++) {
		const struct old_entry *o = &ic.old[i];
		struct mt_delta *d;

		if (bpf_map_delete_elem(live_fd, &o->key))
			continue; /* freed meanwhile: the hook accounted it */
		d = &batch[nbatch++];
		d->key = (struct mt_stack_key){ .tgid = o->key.tgid, .stack_id = o->val.stack_id,
						.kind = o->val.kind };
		d->bytes = -(int64_t)o->val.size;
		d->allocs = -1;
		if (nbatch == MT_DELTA_BATCH) {
			err = apply_deltas(t, batch, nbatch);
			nbatch = 0;
		}
	}
	if (!err && nbatch)
		err = apply_deltas(t, batch, nbatch);
	if (!err && ic.n)
		debug("%zu allocations of replaced process images removed", ic.n);
out:
	if (err)
		warn("removing the allocations of replaced process images: %s", strerror(-err));
	free(ic.old);
}

int tracer__poll(struct tracer *t, int timeout_ms)
{
	int err;

	err = ring_buffer__poll(t->events, timeout_ms);
	if (err < 0 && err != -EINTR)
		return err;
	if (t->nexecs) {
		purge_images(t, t->execs, t->nexecs);
		t->nexecs = 0;
	}
	if (t->nexited) {
		purge_pids(t, t->exited, t->nexited);
		t->nexited = 0;
	}
	return err < 0 ? err : 0;
}

/* ---- snapshot into the profile -------------------------------------------- */

struct agg {
	struct mt_stack_key key;
	int64_t bytes, allocs;	 /* from by_stack, or from live with min-age */
	uint64_t oldest_ts;	 /* 0: none seen in live */
};

struct snap_ctx {
	struct agg *aggs;
	size_t n, cap;
	uint64_t now_ns, min_age_ns;
	bool (*keep)(pid_t pid, void *ctx);
	void *keep_ctx;
	int err;
};

static int cmp_key(const void *a, const void *b)
{
	const struct mt_stack_key *x = a, *y = b;

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	if (x->stack_id != y->stack_id)
		return x->stack_id < y->stack_id ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return 0;
}

static void visit_snap_stack(const void *key, const void *val, void *ctx)
{
	const struct mt_stack_val *v = val;
	struct snap_ctx *sc = ctx;
	const struct mt_stack_key *k = key;
	struct agg *a;

	if (v->allocs <= 0 && v->bytes <= 0)
		return;
	if (sc->keep && !sc->keep(k->tgid, sc->keep_ctx))
		return;
	if (grow((void **)&sc->aggs, &sc->cap, sc->n, sizeof(*sc->aggs))) {
		sc->err = -ENOMEM;
		return;
	}
	a = &sc->aggs[sc->n++];
	memset(a, 0, sizeof(*a));
	a->key = *k;
	a->bytes = v->bytes;
	a->allocs = v->allocs;
}

static void visit_snap_live(const void *key, const void *val, void *ctx)
{
	const struct mt_live_key *lk = key;
	const struct mt_live_val *v = val;
	struct snap_ctx *sc = ctx;
	struct mt_stack_key k = { .tgid = lk->tgid, .stack_id = v->stack_id, .kind = v->kind };
	struct agg *a;

	a = bsearch(&k, sc->aggs, sc->n, sizeof(*sc->aggs), cmp_key);
	if (!a)
		return; /* raced with a purge, or a process we do not keep */
	if (!a->oldest_ts || v->ts_ns < a->oldest_ts)
		a->oldest_ts = v->ts_ns;
	if (sc->min_age_ns && sc->now_ns - v->ts_ns >= sc->min_age_ns) {
		a->bytes += v->size; /* with --min-age the live map is the source */
		a->allocs += 1;
	}
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int read_stats(struct tracer *t, struct mt_profile *p)
{
	uint64_t *percpu, sum[MT_STAT__COUNT] = {};
	int fd = bpf_map__fd(t->skel->maps.stats);
	uint32_t key;
	int cpu, err = 0;

	percpu = calloc(t->ncpus, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	for (key = 0; key < MT_STAT__COUNT; key++) {
		err = bpf_map_lookup_elem(fd, &key, percpu);
		if (err)
			goto out;
		for (cpu = 0; cpu < t->ncpus; cpu++)
			sum[key] += percpu[cpu];
	}
	p->allocs = sum[MT_STAT_ALLOCS];
	p->frees = sum[MT_STAT_FREES];
	p->unmatched_frees = sum[MT_STAT_UNMATCHED_FREES];
	p->failed_allocs = sum[MT_STAT_FAILED_ALLOCS];
	p->nested_calls = sum[MT_STAT_NESTED];
	p->inferred_frees = sum[MT_STAT_INFERRED_FREES];
	for (key = 0; key < MT_STAT__COUNT; key++) {
		if (stat_names[key] && (err = mt_profile__add_drop(p, stat_names[key], sum[key])))
			goto out;
	}
out:
	free(percpu);
	return err;
}

static int add_sample(struct tracer *t, struct mt_profile *p, const struct agg *a,
		      uint64_t now_ns)
{
	static const char *const kind_names[MT_KIND__COUNT] = {
		[MT_KIND_MALLOC] = "malloc",
	};
	struct mt_stack st = {};
	struct mt_sample *s;
	size_t n = 0;
	bool lost = true;

	if (a->key.stack_id != MT_STACK_LOST &&
	    !bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.stacks), &a->key.stack_id, &st)) {
		lost = false;
		n = st.nframes < MT_STACK_DEPTH ? st.nframes : MT_STACK_DEPTH;
	}
	s = mt_profile__add_sample(p, a->key.tgid, NULL,
				   a->key.kind < MT_KIND__COUNT ? kind_names[a->key.kind] : "unknown",
				   (const uint64_t *)st.ips, n);
	if (!s)
		return -errno;
	s->bytes = a->bytes;
	s->allocs = a->allocs;
	s->stack_lost = lost;
	s->oldest_age_s = a->oldest_ts ? (now_ns - a->oldest_ts) / 1e9 : 0;
	return 0;
}

int tracer__snapshot(struct tracer *t, struct mt_profile *p, uint64_t min_age_ns,
		     bool (*keep)(pid_t pid, void *ctx), void *ctx)
{
	struct snap_ctx sc = { .min_age_ns = min_age_ns, .keep = keep, .keep_ctx = ctx };
	size_t i;
	int err;

	err = read_stats(t, p);
	if (err)
		return err;
	sc.now_ns = monotonic_ns();
	err = map_for_each(bpf_map__fd(t->skel->maps.by_stack), sizeof(struct mt_stack_key),
			   sizeof(struct mt_stack_val), visit_snap_stack, &sc);
	if (!err)
		err = sc.err;
	if (err)
		goto out;
	if (sc.n)
		qsort(sc.aggs, sc.n, sizeof(*sc.aggs), cmp_key);
	if (min_age_ns) {
		for (i = 0; i < sc.n; i++)
			sc.aggs[i].bytes = sc.aggs[i].allocs = 0;
	}
	err = map_for_each(bpf_map__fd(t->skel->maps.live), sizeof(struct mt_live_key),
			   sizeof(struct mt_live_val), visit_snap_live, &sc);
	if (err)
		goto out;
	for (i = 0; i < sc.n && !err; i++) {
		if (sc.aggs[i].allocs > 0 || sc.aggs[i].bytes > 0)
			err = add_sample(t, p, &sc.aggs[i], sc.now_ns);
	}
	p->min_age_ns = min_age_ns;
out:
	free(sc.aggs);
	return err;
}
