// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The drain: counters, outstanding totals, ages and stacks from the maps
 * into a profile. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "array.h"
#include "live_table.h"

/* The counters reported as drops, by the names the report gives them. */
static const char *const stat_names[MT_STAT__COUNT] = {
	[MT_STAT_DROP_LIVE_FULL] = "live_map_full",
	[MT_STAT_DROP_TOTALS_FULL] = "stack_totals_map_full",
	[MT_STAT_DROP_STACK_COLLISION] = "stack_collision",
	[MT_STAT_DROP_STACK_ERROR] = "stack_unreadable",
	[MT_STAT_DROP_STACKS_FULL] = "stack_map_full",
	[MT_STAT_DROP_NO_TASK_STATE] = "no_thread_state",
	[MT_STAT_DROP_EVENTS] = "process_events_lost",
	[MT_STAT_DROP_VM_EVENTS] = "mapping_events_lost",
	[MT_STAT_DROP_RSS_FULL] = "rss_map_full",
	[MT_STAT_DROP_STACK_STORE] = "stack_store_refused",
	[MT_STAT_STACK_PARTIAL] = "stack_partial",
};

/* One stack of one process and kind: a report's sample. */
struct agg {
	struct mt_stack_key key;
	int64_t bytes, allocs;	 /* summed from the live records (faults: fault_totals) */
	uint64_t oldest_ts;	 /* 0: no age (faults) */
	/* --sample: the scaled estimates from the live samples */
	double est_bytes, est_allocs;
	uint64_t samples;
	bool dropped;		 /* a process the caller does not keep */
};

struct snap_ctx {
	struct agg *aggs;
	size_t n, cap;
	/* the aggs of live records by key: open addressing, each slot
	 * 1 + an index into aggs (0: empty); a power of two, at most half full */
	uint32_t *index;
	size_t index_cap;
	uint64_t now_ns, min_age_ns;
	uint64_t since_ns;	/* window: only allocations made from then on */
	uint64_t sample_bytes;	 /* --sample, 0: exact */
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

/* A new agg for key, or NULL (out of memory, counted in sc->err). */
static struct agg *new_agg(struct snap_ctx *sc, const struct mt_stack_key *key)
{
	struct agg *a;

	if (array_grow((void **)&sc->aggs, &sc->cap, sc->n, sizeof(*sc->aggs))) {
		sc->err = -ENOMEM;
		return NULL;
	}
	a = &sc->aggs[sc->n++];
	memset(a, 0, sizeof(*a));
	a->key = *key;
	a->dropped = sc->keep && !sc->keep(key->tgid, sc->keep_ctx);
	return a;
}

/* Page-fault totals: growth, with no age; a window cannot hold them. */
static void visit_snap_stack(const void *key, const void *val, void *ctx)
{
	const struct mt_stack_val *v = val;
	struct snap_ctx *sc = ctx;
	struct agg *a;

	if ((v->allocs <= 0 && v->bytes <= 0) || sc->since_ns)
		return;
	a = new_agg(sc, key);
	if (a) {
		a->bytes = v->bytes;
		a->allocs = v->allocs;
	}
}

static size_t key_hash(const struct mt_stack_key *k)
{
	uint64_t h = (k->stack_id ^ ((uint64_t)k->tgid << 32 | k->kind)) * 0x9e3779b97f4a7c15ULL;

	return h >> 20;
}

/* Doubles the index (or makes its first 1024 slots). */
static int grow_index(struct snap_ctx *sc)
{
	size_t cap = sc->index_cap ? sc->index_cap * 2 : 1024, i, j;
	uint32_t *index = calloc(cap, sizeof(*index));

	if (!index)
		return -ENOMEM;
	for (i = 0; i < sc->index_cap; i++) {
		if (!sc->index[i])
			continue;
		for (j = key_hash(&sc->aggs[sc->index[i] - 1].key); index[j & (cap - 1)]; j++)
			;
		index[j & (cap - 1)] = sc->index[i];
	}
	free(sc->index);
	sc->index = index;
	sc->index_cap = cap;
	return 0;
}

/* The agg of a live record's key, made on first sight. */
static struct agg *agg_of(struct snap_ctx *sc, const struct mt_stack_key *key)
{
	size_t j;
	struct agg *a;

	if (sc->n * 2 >= sc->index_cap && (sc->err = grow_index(sc)))
		return NULL;
	for (j = key_hash(key);; j++) {
		uint32_t *slot = &sc->index[j & (sc->index_cap - 1)];

		if (!*slot) {
			a = new_agg(sc, key);
			if (a)
				*slot = sc->n;
			return a;
		}
		a = &sc->aggs[*slot - 1];
		if (!cmp_key(&a->key, key))
			return a;
	}
}

double tracer_sample_weight(uint64_t size, uint64_t mean)
{
	double p = -expm1(-(double)size / (double)mean);

	return p > 0 ? 1 / p : 0; /* a zero-size block is never sampled */
}

/* Summing size/p and 1/p over the samples estimates the bytes and the
 * allocations without bias. */
static void sample_estimate(struct agg *a, uint64_t size, uint64_t mean)
{
	double w = tracer_sample_weight(size, mean);

	if (!w)
		return;
	a->est_bytes += size * w;
	a->est_allocs += w;
	a->samples++;
}

static void visit_snap_live(const void *key, const void *val, void *ctx)
{
	const struct mt_live_key *lk = key;
	const struct mt_live_val *v = val;
	struct snap_ctx *sc = ctx;
	struct mt_stack_key k = { .tgid = lk->tgid, .stack_id = v->stack_id, .kind = v->kind };
	struct agg *a;

	if (v->ts_ns > sc->now_ns)
		return; /* made after the snapshot's instant, during the walk */
	if (sc->since_ns && v->ts_ns < sc->since_ns)
		return; /* before the window */
	if (sc->min_age_ns && sc->now_ns - v->ts_ns < sc->min_age_ns)
		return; /* too young */
	a = agg_of(sc, &k);
	if (!a || a->dropped)
		return;
	a->bytes += v->size;
	a->allocs++;
	if (!a->oldest_ts || v->ts_ns < a->oldest_ts)
		a->oldest_ts = v->ts_ns;
	if (sc->sample_bytes && v->kind == MT_KIND_MALLOC)
		sample_estimate(a, v->size, sc->sample_bytes);
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
	p->frees_unsampled = sum[MT_STAT_FREES_UNSAMPLED];
	p->stack_walks = sum[MT_STAT_STACK_WALKS];
	p->thread_fallbacks = sum[MT_STAT_THREAD_FALLBACKS];
	p->live_overflows = sum[MT_STAT_LIVE_OVERFLOWS];
	p->sample_bytes = t->opts.sample_bytes;
	for (key = 0; key < MT_STAT__COUNT; key++) {
		if (stat_names[key] && (err = mt_profile__add_drop(p, stat_names[key], sum[key])))
			goto out;
	}
out:
	free(percpu);
	return err;
}

/* The frames of a stack as the report keeps them: a walk that ended on
 * a zero return address loses its zero tail. */
static size_t stack_depth(const struct mt_stack *st)
{
	size_t n = st->nframes < MT_STACK_DEPTH ? st->nframes : MT_STACK_DEPTH;

	while (n > 1 && !st->ips[n - 1])
		n--;
	return n;
}

/* A sample of a with frames ips[0..n) (lost: its stack was not stored;
 * flags: its MT_STACK_*). */
static struct mt_sample *add_sample_frames(struct mt_profile *p, const struct agg *a,
					   uint64_t now_ns, const uint64_t *ips, size_t n,
					   bool lost, uint32_t flags)
{
	static const char *const kind_names[MT_KIND__COUNT] = {
		[MT_KIND_MALLOC] = "malloc",
		[MT_KIND_MMAP] = "mmap",
		[MT_KIND_FAULT] = "fault",
	};
	struct mt_sample *s;

	s = mt_profile__add_sample(p, a->key.tgid, NULL,
				   a->key.kind < MT_KIND__COUNT ? kind_names[a->key.kind] : "unknown",
				   ips, n);
	if (!s)
		return NULL;
	s->bytes = a->bytes;
	s->allocs = a->allocs;
	s->stack_id = a->key.stack_id;
	s->stack_lost = lost;
	s->stack_walked = !lost && (flags & MT_STACK_WALKED);
	s->stack_partial = s->stack_walked && (flags & MT_STACK_PARTIAL);
	s->oldest_age_s = a->oldest_ts ? (now_ns - a->oldest_ts) / 1e9 : 0;
	return s;
}

/* A sample of a with the frames of its stack (none when it was lost),
 * looked up on its own. */
static struct mt_sample *add_sample(struct tracer *t, struct mt_profile *p,
				    const struct agg *a, uint64_t now_ns)
{
	struct mt_stack st = {};

	if (a->key.stack_id != MT_STACK_LOST &&
	    !bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.stacks), &a->key.stack_id, &st))
		return add_sample_frames(p, a, now_ns, (const uint64_t *)st.ips,
					 stack_depth(&st), false, st.flags);
	return add_sample_frames(p, a, now_ns, NULL, 0, true, 0);
}

/* The stacks a snapshot needs, read in one batched walk of `stacks`
 * rather than one lookup each (100,000 lookups took about 1 s here). */
struct stack_set {
	uint64_t *ids;		/* sorted, distinct */
	uint64_t **ips;		/* parallel: the frames, NULL until seen */
	size_t *depth;
	uint32_t *flags;	/* parallel: MT_STACK_* */
	size_t n;
	int err;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void visit_stack(const void *key, const void *val, void *ctx)
{
	struct stack_set *ss = ctx;
	const uint64_t *id = key, *pos;
	size_t i, n;

	pos = bsearch(id, ss->ids, ss->n, sizeof(*ss->ids), cmp_u64);
	if (!pos || ss->err)
		return;
	i = (size_t)(pos - ss->ids);
	n = stack_depth(val);
	ss->ips[i] = malloc((n ? n : 1) * sizeof(uint64_t));
	if (!ss->ips[i]) {
		ss->err = -ENOMEM;
		return;
	}
	memcpy(ss->ips[i], ((const struct mt_stack *)val)->ips, n * sizeof(uint64_t));
	ss->depth[i] = n;
	ss->flags[i] = ((const struct mt_stack *)val)->flags;
}

static void stack_set_free(struct stack_set *ss)
{
	size_t i;

	for (i = 0; ss->ips && i < ss->n; i++)
		free(ss->ips[i]);
	free(ss->ips);
	free(ss->depth);
	free(ss->flags);
	free(ss->ids);
}

/* The samples of aggs[0..n) with their frames. 0 or -errno. */
static int add_samples(struct tracer *t, struct mt_profile *p, const struct agg *aggs,
		       size_t n, uint64_t now_ns)
{
	struct stack_set ss = {};
	size_t i, k = 0;
	int err;

	ss.ids = calloc(n + 1, sizeof(*ss.ids));
	if (!ss.ids)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		if (aggs[i].key.stack_id != MT_STACK_LOST)
			ss.ids[k++] = aggs[i].key.stack_id;
	qsort(ss.ids, k, sizeof(*ss.ids), cmp_u64);
	for (i = 0; i < k; i++)
		if (!ss.n || ss.ids[ss.n - 1] != ss.ids[i])
			ss.ids[ss.n++] = ss.ids[i];
	ss.ips = calloc(ss.n + 1, sizeof(*ss.ips));
	ss.depth = calloc(ss.n + 1, sizeof(*ss.depth));
	ss.flags = calloc(ss.n + 1, sizeof(*ss.flags));
	err = ss.ips && ss.depth && ss.flags ? 0 : -ENOMEM;
	if (!err && ss.n)
		err = map_for_each(bpf_map__fd(t->skel->maps.stacks), sizeof(uint64_t),
				   sizeof(struct mt_stack), visit_stack, &ss);
	if (!err)
		err = ss.err;
	for (i = 0; i < n && !err; i++) {
		const struct agg *a = &aggs[i];
		const uint64_t *pos = NULL;
		struct mt_sample *s;
		size_t j;

		if (a->allocs <= 0 && a->bytes <= 0)
			continue;
		if (a->key.stack_id != MT_STACK_LOST)
			pos = bsearch(&a->key.stack_id, ss.ids, ss.n, sizeof(*ss.ids), cmp_u64);
		j = pos ? (size_t)(pos - ss.ids) : 0;
		/* a stack not in the map (never stored, or lost) has no frames */
		s = pos && ss.ips[j] ?
		    add_sample_frames(p, a, now_ns, ss.ips[j], ss.depth[j], false, ss.flags[j]) :
		    add_sample_frames(p, a, now_ns, NULL, 0, true, 0);
		if (!s)
			err = -errno;
		else
			s->samples = a->samples;
	}
	stack_set_free(&ss);
	return err;
}

/* One range group: a stack's mappings of one type in one process. */
struct vm_group {
	uint64_t stack_id, bytes, oldest_ts;
	uint32_t mapping;	/* MT_VM_ANON | MT_VM_SHARED */
	uint64_t calls;		/* distinct calls with something still mapped */
	uint64_t last_call;
};

static int cmp_vm_range(const void *a, const void *b)
{
	const struct vm_range *x = a, *y = b;
	uint32_t mx = x->flags & (MT_VM_ANON | MT_VM_SHARED), my = y->flags & (MT_VM_ANON | MT_VM_SHARED);

	if (x->stack_id != y->stack_id)
		return x->stack_id < y->stack_id ? -1 : 1;
	if (mx != my)
		return mx < my ? -1 : 1;
	return x->call < y->call ? -1 : x->call > y->call;
}

/* The user's own mappings of pid (not the allocator's), one sample per
 * stack and mapping type; pieces of one split mapping count as one call. */
static int add_vm_samples(struct tracer *t, struct mt_profile *p, pid_t pid,
			  uint64_t now_ns, uint64_t min_age_ns, uint64_t since_ns)
{
	const struct vm_range *ranges;
	struct vm_range *mine;
	size_t n, i, k = 0;
	int err = 0;

	ranges = vm_map__ranges(t->vm, pid, &n);
	mine = calloc(n + 1, sizeof(*mine));
	if (!mine)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		if (!(ranges[i].flags & MT_VM_INTERNAL) &&
		    (!min_age_ns || now_ns - ranges[i].ts_ns >= min_age_ns) &&
		    ranges[i].ts_ns >= since_ns)
			mine[k++] = ranges[i];
	qsort(mine, k, sizeof(*mine), cmp_vm_range);
	for (i = 0; i < k && !err;) {
		struct agg a = { .key = { .tgid = pid, .kind = MT_KIND_MMAP,
					  .stack_id = mine[i].stack_id } };
		uint32_t type = mine[i].flags & (MT_VM_ANON | MT_VM_SHARED);
		uint64_t last_call = 0;
		struct mt_sample *s;

		for (; i < k && mine[i].stack_id == a.key.stack_id &&
		       (mine[i].flags & (MT_VM_ANON | MT_VM_SHARED)) == type; i++) {
			a.bytes += mine[i].end - mine[i].start;
			a.allocs += mine[i].call != last_call;
			last_call = mine[i].call;
			if (!a.oldest_ts || mine[i].ts_ns < a.oldest_ts)
				a.oldest_ts = mine[i].ts_ns;
		}
		s = add_sample(t, p, &a, now_ns);
		if (!s)
			err = -errno;
		else
			s->mapping = vm_range__mapping(type);
	}
	free(mine);
	return err;
}

static int read_vm(struct tracer *t, struct mt_profile *p, uint64_t now_ns,
		   uint64_t min_age_ns, uint64_t since_ns,
		   bool (*keep)(pid_t pid, void *ctx), void *ctx)
{
	pid_t *pids;
	size_t n, i;
	int err;

	err = vm_map__pids(t->vm, &pids, &n);
	for (i = 0; i < n && !err; i++)
		if (!keep || keep(pids[i], ctx))
			err = add_vm_samples(t, p, pids[i], now_ns, min_age_ns, since_ns);
	if (!err)
		err = mt_profile__add_drop(p, "mapping_changes_lost", vm_map__lost(t->vm));
	free(pids);
	return err;
}

struct rss_ctx {
	struct mt_profile *p;
	bool (*keep)(pid_t pid, void *ctx);
	void *keep_ctx;
	uint64_t *newest;	/* per process of p, the ts of the mm shown */
	int err;
};

static int64_t counter(int64_t v)
{
	return v < 0 ? -1 : v;
}

static void visit_rss(const void *key, const void *val, void *ctx)
{
	const struct mt_rss *r = val;
	struct rss_ctx *rc = ctx;
	struct mt_process *proc;

	(void)key;
	if (rc->keep && !rc->keep(r->tgid, rc->keep_ctx))
		return;
	proc = mt_profile__process(rc->p, r->tgid, NULL);
	if (!proc) {
		rc->err = -ENOMEM;
		return;
	}
	/* after an exec a tgid may still have its old mm's entry: the one
	 * that changed last is the live one */
	if (proc->rss_traced && !(r->ts_ns > proc->rss_ts_ns))
		return;
	proc->rss_traced = true;
	proc->rss_ts_ns = r->ts_ns;
	proc->rss_now = (struct mt_rss_counters){
		counter(r->bytes[MT_RSS_ANON]), counter(r->bytes[MT_RSS_FILE]),
		counter(r->bytes[MT_RSS_SHMEM]), counter(r->bytes[MT_RSS_SWAP]) };
	proc->rss_peak = (struct mt_rss_counters){
		counter(r->peak[MT_RSS_ANON]), counter(r->peak[MT_RSS_FILE]),
		counter(r->peak[MT_RSS_SHMEM]), counter(r->peak[MT_RSS_SWAP]) };
}

static int snapshot(struct tracer *t, struct mt_profile *p, uint64_t min_age_ns,
		    uint64_t since_ns, bool (*keep)(pid_t pid, void *ctx), void *ctx)
{
	struct snap_ctx sc = { .min_age_ns = min_age_ns, .since_ns = since_ns,
			       .sample_bytes = t->opts.sample_bytes,
			       .keep = keep, .keep_ctx = ctx };
	size_t i;
	int err;

	/* mapping changes still in the ring belong in this snapshot */
	err = tracer__poll(t, 0);
	if (err && err != -EINTR)
		return err;
	err = read_stats(t, p);
	if (err)
		return err;
	sc.now_ns = monotonic_ns();
	err = map_for_each(bpf_map__fd(t->skel->maps.fault_totals), sizeof(struct mt_stack_key),
			   sizeof(struct mt_stack_val), visit_snap_stack, &sc);
	/* then the records, summed per stack: the slots through their mmap
	 * (the scan alone: 0.3 ms per 262,144 slots here), and the overflow */
	if (!err)
		err = live_table__for_each(t->live, visit_snap_live, &sc);
	if (!err)
		err = sc.err;
	if (err)
		goto out;
	/* --sample: the estimates replace the sampled sums */
	for (i = 0; sc.sample_bytes && i < sc.n; i++) {
		struct agg *a = &sc.aggs[i];

		if (a->key.kind == MT_KIND_MALLOC) {
			a->bytes = llround(a->est_bytes);
			a->allocs = llround(a->est_allocs);
		}
	}
	if (sc.n) /* one order for one content */
		qsort(sc.aggs, sc.n, sizeof(*sc.aggs), cmp_key);
	err = add_samples(t, p, sc.aggs, sc.n, sc.now_ns);
	if (!err && t->vm)
		err = read_vm(t, p, sc.now_ns, min_age_ns, since_ns, keep, ctx);
	if (!err && (t->opts.events & MT_EVENTS_RSS)) {
		struct rss_ctx rc = { .p = p, .keep = keep, .keep_ctx = ctx };

		err = map_for_each(bpf_map__fd(t->skel->maps.rss), sizeof(uint32_t),
				   sizeof(struct mt_rss), visit_rss, &rc);
		if (!err)
			err = rc.err;
	}
	p->min_age_ns = min_age_ns;
out:
	free(sc.index);
	free(sc.aggs);
	return err;
}

int tracer__snapshot(struct tracer *t, struct mt_profile *p, uint64_t min_age_ns,
		     bool (*keep)(pid_t pid, void *ctx), void *ctx)
{
	return snapshot(t, p, min_age_ns, 0, keep, ctx);
}

int tracer__snapshot_since(struct tracer *t, struct mt_profile *p, uint64_t since_ns,
			   bool (*keep)(pid_t pid, void *ctx), void *ctx)
{
	if (!since_ns)
		return -EINVAL;
	return snapshot(t, p, 0, since_ns, keep, ctx);
}

uint64_t tracer__now_ns(void)
{
	return monotonic_ns();
}
