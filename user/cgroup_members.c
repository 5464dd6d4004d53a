// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Following the processes of a cgroup: initial scan, forks and execs from
 * the tracer's events, rescans for processes moved in, exits. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "array.h"
#include "cgroup_members.h"
#include "log.h"
#include "memtrail.h"
#include "procfs.h"
#include "targets.h"

/* how often the group's cgroup.procs are read again */
#define RESCAN_NS 1000000000ull

/* how many join latencies are kept for the median (the newest) */
#define LATENCY_SAMPLES 1024

struct member {
	struct cgroup_member pub;
	bool pending;	/* exec'd or started without an allocator file mapped yet */
	uint64_t pending_until_ns; /* ... looked at again until then */
	uint64_t ts_ns;	/* when it forked or exec'd (0: found by a scan) */
};

struct cgroup_members {
	struct cgroup_members_opts opts;
	struct cgroup_ref cg;
	struct member *v;	/* sorted by pid */
	size_t n, cap;
	struct cgroup_member *pub; /* cgroup_members__list's copy */
	size_t pub_cap;
	size_t npending;
	bool scanned;		/* the first scan is done: later finds joined */
	uint64_t next_scan_ns;	/* cgroup_members__tick rescans from then on */
	/* what the report says about newcomers */
	uint64_t forked, moved_in, execs, exited, left;
	uint64_t latency_ns[LATENCY_SAMPLES]; /* event -> probes in, newest last */
	uint64_t nlatency, latency_max_ns;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

struct cgroup_members *cgroup_members__new(const struct cgroup_members_opts *opts)
{
	struct cgroup_members *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	memcpy(&m->opts, opts, opts->sz < sizeof(m->opts) ? opts->sz : sizeof(m->opts));
	m->cg = *opts->cg;
	m->cg.path = strdup(opts->cg->path);
	if (!m->cg.path) {
		free(m);
		errno = ENOMEM;
		return NULL;
	}
	m->opts.cg = &m->cg;
	return m;
}

void cgroup_members__free(struct cgroup_members *m)
{
	if (!m)
		return;
	free(m->cg.path);
	free(m->v);
	free(m->pub);
	free(m);
}

/* Index of pid, or where it would go (*found false). */
static size_t find_index(const struct cgroup_members *m, pid_t pid, bool *found)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->v[mid].pub.pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < m->n && m->v[lo].pub.pid == pid;
	return lo;
}

static struct member *find(const struct cgroup_members *m, pid_t pid)
{
	bool found;
	size_t i = find_index(m, pid, &found);

	return found ? &m->v[i] : NULL;
}

/* how long a member without an allocator file is looked at again: the
 * dynamic loader maps libc within milliseconds of an exec */
#define PENDING_NS 2000000000ull

static void set_pending(struct cgroup_members *m, struct member *mb, bool pending)
{
	if (pending && !mb->pending)
		mb->pending_until_ns = now_ns() + PENDING_NS;
	if (pending && now_ns() > mb->pending_until_ns)
		pending = false; /* a program without malloc symbols: given up */
	if (mb->pending != pending)
		m->npending += pending ? 1 : (size_t)-1;
	mb->pending = pending;
}

/* Attaches the probes of every allocator file mb maps (those already in
 * for its pid stay as they are). 0, or -errno (-ESRCH: gone). */
static int attach(struct cgroup_members *m, struct member *mb)
{
	struct alloc_providers prov;
	pid_t pid = mb->pub.pid;
	size_t i, nprov, nprobes;
	int err;

	if (procfs__read_comm(m->opts.procfs_root, pid, mb->pub.comm, sizeof(mb->pub.comm)))
		strcpy(mb->pub.comm, "?");
	nprobes = tracer__nprobes(m->opts.tracer);
	err = targets__find_providers(m->opts.procfs_root, pid, &prov);
	if (err)
		return err == -ENOENT ? -ESRCH : err;
	/* none yet: between exec and the dynamic loader mapping libc, or a
	 * program without malloc symbols; looked at again while pending */
	set_pending(m, mb, !prov.n);
	for (i = 0; i < prov.n && !err; i++) {
		err = tracer__attach_elf(m->opts.tracer, prov.v[i].path, pid);
		if (err)
			debug("cgroup member %d (%s): cannot attach to %s: %s", pid,
			      mb->pub.comm, prov.v[i].map_path, strerror(-err));
		else
			debug("cgroup member %d (%s): traced through %s", pid, mb->pub.comm,
			      prov.v[i].map_path);
	}
	nprov = prov.n;
	targets__free_providers(&prov);
	if (err)
		return kill(pid, 0) && errno == ESRCH ? -ESRCH : err;
	/* no new probe after an exec: its allocator file was probed for
	 * this pid already, and the probe stayed in through the exec */
	if (!mb->pub.attached && nprov && mb->ts_ns && tracer__nprobes(m->opts.tracer) > nprobes) {
		uint64_t lat = now_ns() - mb->ts_ns;

		m->latency_ns[m->nlatency++ % LATENCY_SAMPLES] = lat;
		if (lat > m->latency_max_ns)
			m->latency_max_ns = lat;
	}
	mb->pub.attached |= nprov > 0;
	if (nprov && m->opts.sym)
		symbolizer__cache_process(m->opts.sym, pid);
	return 0;
}

static void drop_at(struct cgroup_members *m, size_t i)
{
	pid_t pid = m->v[i].pub.pid;

	set_pending(m, &m->v[i], false);
	tracer__detach_pid(m->opts.tracer, pid);
	if (!m->cg.v2)
		tracer__remove_target(m->opts.tracer, pid);
	memmove(&m->v[i], &m->v[i + 1], (m->n - i - 1) * sizeof(*m->v));
	m->n--;
}

/* Kernel threads (and zombies) have no executable: nothing to probe. */
static bool is_kernel_thread(const struct cgroup_members *m, pid_t pid)
{
	char path[PATH_MAX], target[8];

	snprintf(path, sizeof(path), "%s/%d/exe", m->opts.procfs_root ? m->opts.procfs_root
			: "/proc", pid);
	return readlink(path, target, sizeof(target)) < 0 && errno == ENOENT;
}

/* Adds pid (ts_ns: when it started, 0 if unknown) and attaches it. */
static int add(struct cgroup_members *m, pid_t pid, uint64_t ts_ns)
{
	bool found;
	size_t i = find_index(m, pid, &found);
	struct member *mb;
	int err;

	if (found)
		return 0;
	if (pid == getpid())
		return -ESRCH; /* memtrail never traces itself */
	if (array_grow((void **)&m->v, &m->cap, m->n, sizeof(*m->v)))
		return -ENOMEM;
	memmove(&m->v[i + 1], &m->v[i], (m->n - i) * sizeof(*m->v));
	m->n++;
	mb = &m->v[i];
	memset(mb, 0, sizeof(*mb));
	mb->pub.pid = pid;
	mb->ts_ns = ts_ns;
	/* pid tracking: a target of the kernel hooks and of fork following */
	if (!m->cg.v2 && (err = tracer__add_target(m->opts.tracer, pid)))
		goto fail;
	err = attach(m, mb);
	if (!err && !mb->pub.attached && is_kernel_thread(m, pid))
		err = -ESRCH; /* no user memory to trace: not a member for us */
	if (err)
		goto fail;
	return 0;
fail:
	drop_at(m, i);
	return err;
}

int cgroup_members__scan(struct cgroup_members *m)
{
	pid_t *pids;
	size_t n, i, k;
	int err;

	err = cgroup__list_procs(m->cg.path, &pids, &n);
	if (err)
		return err;
	/* members no longer listed: exited, or moved out of the group */
	for (i = k = 0; i < m->n;) {
		while (k < n && pids[k] < m->v[i].pub.pid)
			k++;
		if (k < n && pids[k] == m->v[i].pub.pid) {
			i++;
			continue;
		}
		if (!kill(m->v[i].pub.pid, 0) || errno != ESRCH)
			m->left++;
		drop_at(m, i);
	}
	for (i = 0; i < n; i++) {
		if (find(m, pids[i]))
			continue;
		err = add(m, pids[i], 0);
		if (err == -ESRCH) {
			err = 0; /* exited since the listing */
			continue;
		}
		if (err) {
			warn("cgroup member %d: cannot trace it: %s", pids[i], strerror(-err));
			err = 0;
			continue;
		}
		if (m->scanned)
			m->moved_in++;
	}
	cgroup_members__recheck(m);
	m->scanned = true;
	m->next_scan_ns = now_ns() + RESCAN_NS;
	free(pids);
	return 0;
}

int cgroup_members__tick(struct cgroup_members *m)
{
	int err = 0;

	cgroup_members__recheck(m);
	/* processes moved in where no event told (cgroup v1, no tp_btf) */
	if (now_ns() >= m->next_scan_ns) {
		err = cgroup_members__scan(m);
		m->next_scan_ns = now_ns() + RESCAN_NS;
	}
	return err;
}

size_t cgroup_members__pending(const struct cgroup_members *m)
{
	return m->npending;
}

void cgroup_members__recheck(struct cgroup_members *m)
{
	size_t i;

	for (i = 0; i < m->n && m->npending; i++)
		if (m->v[i].pending && attach(m, &m->v[i]) == -ESRCH)
			drop_at(m, i--);
}

void cgroup_members__on_spawn(struct cgroup_members *m, pid_t pid, uint32_t type, uint64_t ts_ns)
{
	struct member *mb = find(m, pid);
	pid_t tgid;
	int err;

	if (type == MT_EV_EXEC) {
		if (!mb)
			return; /* not ours */
		m->execs++;
		mb->ts_ns = ts_ns;
		mb->pub.attached = false; /* the new image: probes in again */
		set_pending(m, mb, true);
		err = attach(m, mb);
		if (err == -ESRCH)
			drop_at(m, mb - m->v);
		return;
	}
	/* the classic tracepoint names threads too */
	if (mb || procfs__read_tgid(m->opts.procfs_root, pid, &tgid) || tgid != pid)
		return;
	err = add(m, pid, ts_ns);
	if (!err && type == MT_EV_JOIN)
		m->moved_in++;
	else if (!err)
		m->forked++;
	else if (err != -ESRCH)
		warn("cgroup member %d: cannot trace it: %s", pid, strerror(-err));
}

bool cgroup_members__on_exit(struct cgroup_members *m, pid_t pid)
{
	bool found;
	size_t i = find_index(m, pid, &found);

	if (!found)
		return false;
	drop_at(m, i);
	m->exited++;
	return true;
}

const struct cgroup_member *cgroup_members__find(const struct cgroup_members *m, pid_t pid)
{
	struct member *mb = find(m, pid);

	return mb ? &mb->pub : NULL;
}

const struct cgroup_member *cgroup_members__list(const struct cgroup_members *m, size_t *n)
{
	struct cgroup_members *mm = (struct cgroup_members *)m; /* the copy is a cache */
	size_t i;

	*n = 0;
	if (m->n > mm->pub_cap) {
		struct cgroup_member *tmp = reallocarray(mm->pub, m->n, sizeof(*tmp));

		if (!tmp)
			return NULL;
		mm->pub = tmp;
		mm->pub_cap = m->n;
	}
	for (i = 0; i < m->n; i++)
		mm->pub[i] = m->v[i].pub;
	*n = m->n;
	return mm->pub;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

int cgroup_members__add_notes(const struct cgroup_members *m, struct mt_profile *p)
{
	uint64_t sorted[LATENCY_SAMPLES];
	size_t n = m->nlatency < LATENCY_SAMPLES ? m->nlatency : LATENCY_SAMPLES, i;
	uint64_t no_allocator = 0;
	int err = 0;

	for (i = 0; i < m->n; i++)
		no_allocator += !m->v[i].pub.attached;
	if (!m->cg.v2)
		err = mt_profile__add_note(p, "%s is a cgroup v1 group: its processes are "
					   "followed by pid through fork, exec and exit (and a "
					   "rescan of cgroup.procs), not by cgroup id", m->cg.path);
	if (!err && (m->forked || m->execs))
		err = mt_profile__add_note(p, "%llu processes started in the group and %llu "
					   "exec'd during the trace, followed through fork and "
					   "exec events", (unsigned long long)m->forked,
					   (unsigned long long)m->execs);
	if (!err && n) {
		memcpy(sorted, m->latency_ns, n * sizeof(*sorted));
		qsort(sorted, n, sizeof(*sorted), cmp_u64);
		err = mt_profile__add_note(p, "%llu of them ran untraced for a median %.1f ms "
					   "(at most %.1f ms) after their fork, exec or move, until their "
					   "probes were in: allocations in that window are not "
					   "seen, their frees count as unmatched",
					   (unsigned long long)m->nlatency, sorted[n / 2] / 1e6,
					   m->latency_max_ns / 1e6);
	}
	if (!err && m->moved_in)
		err = mt_profile__add_note(p, "%llu processes were moved into the group during "
					   "the trace, announced by the kernel (cgroup_attach_task) "
					   "or found by a rescan of cgroup.procs (every second), "
					   "and traced from then on",
					   (unsigned long long)m->moved_in);
	if (!err && m->exited)
		err = mt_profile__add_note(p, "%llu processes of the group exited during the "
					   "trace; what they still held was removed",
					   (unsigned long long)m->exited);
	if (!err && m->left)
		err = mt_profile__add_note(p, "%llu processes left the group during the trace; "
					   "they are no longer traced or reported",
					   (unsigned long long)m->left);
	if (!err && no_allocator)
		err = mt_profile__add_note(p, "%llu processes of the group map no file that "
					   "defines malloc and free: not traced",
					   (unsigned long long)no_allocator);
	return err;
}
