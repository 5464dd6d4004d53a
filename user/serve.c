// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `memtrail serve`: the loop that keeps the tracer going, and the answers
 * to each endpoint. Threads: the session's (this loop) and libmicrohttpd's
 * (one per connection, at most SERVE_MAX_CONNECTIONS). They share the
 * tracer, the symbolizer and the group table under one lock, which the
 * loop holds only to handle events (never while it waits), and a request
 * only to take its snapshot; a ?seconds=N window waits without it. */
#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "cgroup.h"
#include "http_server.h"
#include "log.h"
#include "mem_stream.h"
#include "procfs.h"
#include "prom_writer.h"
#include "report.h"
#include "serve.h"
#include "serve_groups.h"
#include "serve_request.h"
#include "serve_summary.h"

enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

#define SERVE_MAX_CONNECTIONS 16
#define SERVE_MAX_RESPONSE (64u << 20)	/* bytes of one response */
#define SERVE_REFRESH_NS 2000000000ull	/* the group table, between requests */
#define SERVE_STALL_NS 10000000000ull	/* a loop silent this long is unhealthy */
#define SERVE_POLL_MS 200
/* windows waiting at once: the rest of the connections stay free for
 * /healthz and the scrapes */
#define SERVE_MAX_WINDOWS 4

enum health { HEALTH_STARTING, HEALTH_OK, HEALTH_ROOT_GONE, HEALTH_STOPPING };

struct serve {
	struct options *opts;
	int listen_fd;
	char bound[96];
	char mount[4096];
	char *root;		/* the subtree, relative to the mount */
	char *cgroup_path;	/* opts->cgroup: the subtree, absolute */
	struct groups *groups;
	struct http_server *http;
	const struct serve_host *host;
	pthread_mutex_t lock;	/* tracer, symbolizer, groups */
	pthread_mutex_t stop_lock;
	pthread_cond_t stop_cond; /* wakes waiting windows at shutdown */
	bool stopping;
	atomic_int health;
	atomic_int windows;	/* ?seconds=N requests waiting */
	atomic_uint_fast64_t last_loop_ns;
	uint64_t start_ns;
};

/* The subtree to serve, relative to the mount: --cgroup (cgroup.c
 * resolves a path or an id), else the node's Kubernetes pods (systemd
 * driver, then cgroupfs). opts->cgroup becomes its absolute path, which
 * the session traces. 0 or an exit code. */
static int find_root(struct serve *srv)
{
	static const char *const kubepods[] = { "kubepods.slice", "kubepods" };
	const char *arg = srv->opts->cgroup;
	struct cgroup_ref ref = {};
	size_t mlen = strlen(srv->mount), i;
	int err = -ENOENT;

	for (i = 0; !arg && err == -ENOENT && i < sizeof(kubepods) / sizeof(kubepods[0]); i++)
		err = cgroup__resolve(srv->mount, kubepods[i], &ref);
	if (!arg && err) {
		error("no Kubernetes pods cgroup (kubepods.slice or kubepods) under %s: "
		      "give the subtree to serve with --cgroup PATH|ID", srv->mount);
		return EXIT_USAGE;
	}
	if (arg && (err = cgroup__resolve(srv->mount, arg, &ref))) {
		error("cgroup '%s' %s", arg,
		      err == -ENOENT ? "not found" :
		      err == -ENOTDIR ? "is not a cgroup directory" :
		      err == -EINVAL ? "is not a cgroup path or id" : strerror(-err));
		return EXIT_USAGE;
	}
	/* the group table reads the cgroup2 tree */
	if (!ref.v2 || strncmp(ref.path, srv->mount, mlen) ||
	    (ref.path[mlen] && ref.path[mlen] != '/')) {
		error("cgroup '%s': serve needs a group of the cgroup2 hierarchy at %s",
		      ref.path, srv->mount);
		cgroup__ref_free(&ref);
		return EXIT_USAGE;
	}
	srv->root = strdup(ref.path[mlen] ? ref.path + mlen : "/");
	srv->opts->cgroup = srv->cgroup_path = ref.path; /* kept until serve__free */
	ref.path = NULL;
	cgroup__ref_free(&ref);
	return srv->root ? EXIT_OK : EXIT_RUNTIME;
}

static uint64_t now_ns(void)
{
	return tracer__now_ns();
}

struct serve *serve__new(struct options *opts, int *rc)
{
	struct groups_opts gopts = { .sz = sizeof(gopts) };
	pthread_condattr_t cattr;
	char host[64];
	unsigned port;
	bool loopback = true;
	struct serve *srv;
	int err;

	*rc = EXIT_RUNTIME;
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return NULL;
	srv->opts = opts;
	srv->listen_fd = -1;
	pthread_mutex_init(&srv->lock, NULL);
	pthread_mutex_init(&srv->stop_lock, NULL);
	pthread_condattr_init(&cattr);
	/* the windows' deadlines are on the allocations' clock */
	pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
	pthread_cond_init(&srv->stop_cond, &cattr);
	pthread_condattr_destroy(&cattr);
	if (http_parse_addr(opts->listen ? opts->listen : HTTP_DEFAULT_HOST, host,
			    sizeof(host), &port)) {
		error("invalid --listen '%s': expected HOST:PORT with a numeric host "
		      "(127.0.0.1:%d, [::1]:%d)", opts->listen, HTTP_DEFAULT_PORT,
		      HTTP_DEFAULT_PORT);
		*rc = EXIT_USAGE;
		goto fail;
	}
	err = cgroup__find_v2_mount(NULL, srv->mount, sizeof(srv->mount));
	if (err) {
		error("serve needs the cgroup2 hierarchy, and /proc/self/mountinfo shows "
		      "none: %s", strerror(-err));
		goto fail;
	}
	*rc = find_root(srv);
	if (*rc)
		goto fail;
	gopts.mount = srv->mount;
	gopts.root = srv->root;
	gopts.max_groups = opts->max_groups;
	gopts.classify = groups__classify_kube;
	srv->groups = groups__new(&gopts);
	if (!srv->groups) {
		*rc = EXIT_RUNTIME;
		goto fail;
	}
	err = http_listen(host, port, srv->bound, sizeof(srv->bound), &loopback);
	if (err < 0) {
		error("cannot listen on %s:%u: %s", host, port, strerror(-err));
		*rc = err == -EADDRINUSE || err == -EADDRNOTAVAIL || err == -EINVAL
		      ? EXIT_USAGE : EXIT_RUNTIME;
		goto fail;
	}
	srv->listen_fd = err;
	if (!loopback)
		warn("serving on %s, beyond this host: the endpoints have no "
		     "authentication", srv->bound);
	*rc = EXIT_OK;
	return srv;
fail:
	serve__free(srv);
	return NULL;
}

void serve__free(struct serve *srv)
{
	if (!srv)
		return;
	http_server__stop(srv->http);
	if (!srv->http && srv->listen_fd >= 0)
		close(srv->listen_fd);
	groups__free(srv->groups);
	free(srv->root);
	free(srv->cgroup_path);
	pthread_cond_destroy(&srv->stop_cond);
	pthread_mutex_destroy(&srv->stop_lock);
	pthread_mutex_destroy(&srv->lock);
	free(srv);
}

/* ---- answers ------------------------------------------------------------ */

/* Reads the tree again; a root that vanished makes serve unhealthy.
 * Called with the lock held. */
static void refresh_groups(struct serve *srv)
{
	int err = groups__refresh(srv->groups);

	if (err == -ENOENT)
		atomic_store(&srv->health, HEALTH_ROOT_GONE);
	else if (err)
		warn("cannot read the cgroups under %s: %s", srv->root, strerror(-err));
	else if (atomic_load(&srv->health) == HEALTH_ROOT_GONE)
		atomic_store(&srv->health, HEALTH_OK);
}

/* "" when healthy, else why not */
static const char *unhealthy_reason(struct serve *srv, char *buf, size_t sz)
{
	uint64_t last = atomic_load(&srv->last_loop_ns), now = now_ns();

	switch (atomic_load(&srv->health)) {
	case HEALTH_STARTING:
		return "starting: the probes are not attached yet";
	case HEALTH_ROOT_GONE:
		snprintf(buf, sz, "the cgroup %s is gone", srv->root);
		return buf;
	case HEALTH_STOPPING:
		return "stopping";
	case HEALTH_OK:
		break;
	}
	if (now > last && now - last > SERVE_STALL_NS) {
		snprintf(buf, sz, "the tracer's event loop has not run for %.0f s",
			 (now - last) / 1e9);
		return buf;
	}
	return "";
}

static void reply_stream(struct http_reply *rep, struct mem_stream *ms, int err,
			 const char *content_type)
{
	if (!err)
		err = mem_stream__take(ms, &rep->body, &rep->len);
	else
		mem_stream__discard(ms);
	if (err == -EFBIG) {
		http_reply_error(rep, 503, "the answer exceeds the %u MiB response cap: "
				 "ask for fewer stacks with ?top=N", SERVE_MAX_RESPONSE >> 20);
	} else if (err) {
		http_reply_error(rep, 500, "cannot build the answer: %s", strerror(-err));
	} else {
		rep->status = 200;
		rep->content_type = content_type;
	}
}

static void reply_healthz(struct serve *srv, struct http_reply *rep)
{
	char buf[160];
	const char *why = unhealthy_reason(srv, buf, sizeof(buf));

	if (*why) {
		http_reply_error(rep, 503, "%s", why);
		return;
	}
	rep->body = strdup("ok\n");
	rep->len = rep->body ? 3 : 0;
	rep->status = 200;
	rep->content_type = "text/plain; charset=utf-8";
}

static void reply_index(struct http_reply *rep)
{
	static const char body[] =
		"{\"tool\":\"memtrail\",\"endpoints\":[\"/healthz\",\"/pods\","
		"\"/pods/UID/heap?seconds=N&top=N&format=json\","
		"\"/cgroups/ID/heap?seconds=N&top=N&format=json\",\"/metrics\"]}\n";

	rep->body = strdup(body);
	rep->len = rep->body ? sizeof(body) - 1 : 0;
	rep->status = 200;
}

/* What the kernel says each group's processes hold. */
static void add_rss(const struct groups *g, struct group_totals *totals)
{
	size_t i, j, k;

	for (i = 0; i < groups__count(g); i++) {
		const struct group *grp = groups__at(g, i);

		for (j = 0; j < grp->nmembers; j++)
			for (k = 0; k < grp->members[j].npids; k++) {
				uint64_t rss = 0;

				if (!procfs__read_rss(NULL, grp->members[j].pids[k], &rss))
					totals[i].rss_bytes += rss;
			}
	}
}

/* memtrail's own malloc heap in use: unlike its RSS, it does not count
 * pages of freed blocks, so it tells a leak from the allocator's reuse */
static uint64_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

/* /pods and /metrics: one snapshot without frames, summed per group. */
static void reply_summary(struct serve *srv, enum serve_route route, struct http_reply *rep)
{
	/* the heap is read before this reply allocates */
	struct serve_summary s = { .root = srv->root, .groups = srv->groups,
				   .self_heap_bytes = heap_in_use() };
	struct group_totals *totals = NULL;
	struct mt_profile *p = NULL;
	struct mem_stream ms;
	char buf[160];
	int err;

	err = mem_stream__open(&ms, SERVE_MAX_RESPONSE);
	if (err) {
		http_reply_error(rep, 500, "out of memory");
		return;
	}
	pthread_mutex_lock(&srv->lock);
	refresh_groups(srv);
	p = mt_profile__new(MT_TARGET_CGROUP, srv->root);
	err = p ? tracer__snapshot(srv->host->tracer, p, 0, NULL, NULL) : -ENOMEM;
	if (!err)
		err = serve_summary__totals(srv->groups, p, &totals, &s.outside);
	if (!err)
		add_rss(srv->groups, totals);
	if (!err) {
		s.totals = totals;
		s.p = p;
		s.nprobes = tracer__nprobes(srv->host->tracer);
		procfs__read_rss(NULL, getpid(), &s.self_rss_bytes);
		s.healthy = !*unhealthy_reason(srv, buf, sizeof(buf));
		s.uptime_s = (now_ns() - srv->start_ns) / 1e9;
		s.traced = srv->host->traced;
		s.traced_ctx = srv->host->ctx;
		err = route == ROUTE_METRICS ? serve_metrics__write(&s, ms.f)
					     : serve_pods__write(&s, ms.f);
	}
	pthread_mutex_unlock(&srv->lock);
	free(totals);
	mt_profile__free(p);
	reply_stream(rep, &ms, err, route == ROUTE_METRICS ? PROM_CONTENT_TYPE
							    : "application/json");
}

/* The processes a heap profile covers, fixed when it is taken. */
struct pid_set {
	pid_t *v;
	size_t n;
};

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return x < y ? -1 : x > y;
}

static bool in_set(pid_t pid, void *ctx)
{
	const struct pid_set *set = ctx;

	return set->n && bsearch(&pid, set->v, set->n, sizeof(pid), cmp_pid);
}

static int set_of(const struct group *grp, struct pid_set *set)
{
	size_t i, j;

	free(set->v);
	set->n = 0;
	set->v = calloc(grp->npids + 1, sizeof(*set->v));
	if (!set->v)
		return -ENOMEM;
	for (i = 0; i < grp->nmembers; i++)
		for (j = 0; j < grp->members[i].npids; j++)
			set->v[set->n++] = grp->members[i].pids[j];
	qsort(set->v, set->n, sizeof(*set->v), cmp_pid);
	return 0;
}

static const struct group *find_group(struct serve *srv, const struct serve_query *q)
{
	return q->route == ROUTE_POD_HEAP ? groups__find_pod(srv->groups, q->pod_uid)
					  : groups__find_cgroup(srv->groups, q->cgroup_id);
}

/* Waits until deadline_ns or shutdown; false when serve is stopping. */
static bool wait_until(struct serve *srv, uint64_t deadline_ns)
{
	struct timespec ts = { .tv_sec = deadline_ns / 1000000000ull,
			       .tv_nsec = deadline_ns % 1000000000ull };
	bool stopping;

	pthread_mutex_lock(&srv->stop_lock);
	while (!srv->stopping && now_ns() < deadline_ns)
		if (pthread_cond_timedwait(&srv->stop_cond, &srv->stop_lock, &ts) == ETIMEDOUT)
			break;
	stopping = srv->stopping;
	pthread_mutex_unlock(&srv->stop_lock);
	return !stopping;
}

/* The profile of set's processes, named, with their process entries. */
static struct mt_profile *heap_profile(struct serve *srv, const struct serve_query *q,
				       const struct group *grp, struct pid_set *set,
				       uint64_t since_ns)
{
	const struct serve_host *h = srv->host;
	enum mt_target_kind kind = q->route == ROUTE_POD_HEAP ? MT_TARGET_POD : MT_TARGET_CGROUP;
	const char *value = q->route == ROUTE_POD_HEAP ? q->pod_uid : grp->cgroup;
	struct mt_profile *p;
	size_t i;
	int err = 0;

	p = since_ns ? report__build_since(h->tracer, h->sym, kind, value, since_ns, in_set, set)
		     : report__build(h->tracer, h->sym, kind, value, 0, in_set, set);
	if (!p)
		return NULL;
	for (i = 0; i < set->n && !err; i++) {
		struct mt_process *proc;
		char comm[16] = "?";

		if (mt_profile__find_process(p, set->v[i]))
			continue;
		if (procfs__read_comm(NULL, set->v[i], comm, sizeof(comm)) == -ESRCH)
			continue; /* gone meanwhile */
		proc = mt_profile__process(p, set->v[i], comm);
		if (!proc)
			err = -ENOMEM;
		else
			procfs__read_rss(NULL, proc->pid, &proc->rss_bytes);
	}
	if (!err && (srv->opts->events & MT_EVENTS_KERNEL) && report__add_accounts(p, h->tracer))
		warn("cannot account for the RSS of %s", value);
	if (!err)
		err = mt_profile__add_note(p, "stats and drops count every process memtrail "
					   "traces, not only this %s's",
					   kind == MT_TARGET_POD ? "pod" : "cgroup");
	if (!err && since_ns)
		err = mt_profile__add_note(p, "a %u s window: what was allocated during it "
					   "and was still outstanding at its end%s", q->seconds,
					   srv->opts->events & MT_EVENTS_FAULTS
					   ? " (page faults carry no time: left out)" : "");
	if (err) {
		mt_profile__free(p);
		errno = -err;
		return NULL;
	}
	p->duration_s = since_ns ? q->seconds : (now_ns() - srv->start_ns) / 1e9;
	mt_profile__finish(p);
	return p;
}

static void reply_heap(struct serve *srv, const struct serve_query *q, struct http_reply *rep)
{
	struct options wo = *srv->opts; /* the writer's: format and top */
	struct pid_set set = {};
	const struct group *grp;
	struct mt_profile *p = NULL;
	struct mem_stream ms;
	uint64_t since_ns = 0;
	char what[96];
	int err;

	if (q->route == ROUTE_POD_HEAP)
		snprintf(what, sizeof(what), "pod %s", q->pod_uid);
	else
		snprintf(what, sizeof(what), "cgroup id %llu", (unsigned long long)q->cgroup_id);
	pthread_mutex_lock(&srv->lock);
	refresh_groups(srv);
	grp = find_group(srv, q);
	err = grp ? set_of(grp, &set) : -ENOENT;
	pthread_mutex_unlock(&srv->lock);
	if (err == -ENOENT) {
		http_reply_error(rep, 404, "no %s under %s", what, srv->root);
		return;
	}
	if (!err && q->seconds) {
		bool open;

		if (atomic_fetch_add(&srv->windows, 1) >= SERVE_MAX_WINDOWS) {
			atomic_fetch_sub(&srv->windows, 1);
			free(set.v);
			http_reply_error(rep, 503, "%d windows are open already: try again "
					 "when one has ended", SERVE_MAX_WINDOWS);
			return;
		}
		/* the window opens now; the tracer keeps running meanwhile */
		since_ns = tracer__mark_instant(srv->host->tracer);
		debug("%s: a %u s window opened", what, q->seconds);
		open = wait_until(srv, since_ns + q->seconds * 1000000000ull);
		atomic_fetch_sub(&srv->windows, 1);
		if (!open) {
			free(set.v);
			http_reply_error(rep, 503, "stopping");
			return;
		}
	}
	err = err ? err : mem_stream__open(&ms, SERVE_MAX_RESPONSE);
	if (err) {
		free(set.v);
		http_reply_error(rep, 500, "out of memory");
		return;
	}
	pthread_mutex_lock(&srv->lock);
	if (since_ns) {
		/* processes that joined during the window belong to it too */
		refresh_groups(srv);
		grp = find_group(srv, q);
		if (grp)
			err = set_of(grp, &set);
	}
	if (!err) {
		p = heap_profile(srv, q, grp, &set, since_ns);
		wo.format = q->format == SERVE_FORMAT_PPROF ? FORMAT_PPROF : FORMAT_JSON;
		wo.top = q->top;
		wo.interval_s = 0;
		err = p ? report__write(p, &wo, ms.f) : -errno;
	}
	pthread_mutex_unlock(&srv->lock);
	mt_profile__free(p);
	free(set.v);
	/* pprof: gzipped profile.proto, as Go's net/http/pprof serves it */
	reply_stream(rep, &ms, err, q->format == SERVE_FORMAT_PPROF ? "application/octet-stream"
								   : "application/json");
}

static void handle(void *ctx, const struct http_request *req, struct http_reply *rep)
{
	struct serve *srv = ctx;
	struct serve_query q;
	char err[256];
	int status;

	status = serve_request__parse(req, &q, err, sizeof(err));
	if (status) {
		http_reply_error(rep, status, "%s", err);
		return;
	}
	switch (q.route) {
	case ROUTE_INDEX:
		reply_index(rep);
		break;
	case ROUTE_HEALTHZ:
		reply_healthz(srv, rep);
		break;
	case ROUTE_PODS:
	case ROUTE_METRICS:
		reply_summary(srv, q.route, rep);
		break;
	case ROUTE_POD_HEAP:
	case ROUTE_CGROUP_HEAP:
		reply_heap(srv, &q, rep);
		break;
	}
}

/* ---- the loop ----------------------------------------------------------- */

int serve__run(struct serve *srv, const struct serve_host *host)
{
	struct http_server_opts hopts = {
		.sz = sizeof(hopts), .listen_fd = srv->listen_fd,
		.max_connections = SERVE_MAX_CONNECTIONS, .timeout_s = 30,
		.handler = handle, .ctx = srv,
	};
	struct pollfd pfd = { .fd = tracer__event_fd(host->tracer), .events = POLLIN };
	uint64_t next_refresh = 0;
	int rc = EXIT_OK, err, poll_ms = SERVE_POLL_MS;

	srv->host = host;
	srv->start_ns = now_ns();
	atomic_store(&srv->last_loop_ns, srv->start_ns);
	pthread_mutex_lock(&srv->lock);
	refresh_groups(srv);
	pthread_mutex_unlock(&srv->lock);
	srv->http = http_server__start(&hopts);
	if (!srv->http) {
		error("cannot start the HTTP server on %s: %s", srv->bound, strerror(errno));
		return EXIT_RUNTIME;
	}
	if (atomic_load(&srv->health) == HEALTH_STARTING)
		atomic_store(&srv->health, HEALTH_OK);
	/* one line a test or a script can read the port from */
	printf("listening on http://%s\n", srv->bound);
	fflush(stdout);
	info("serving %s on http://%s (/healthz /pods /metrics)", srv->root, srv->bound);
	while (!*host->stop && !rc) {
		uint64_t now;

		/* wait without the lock: requests run meanwhile */
		if (poll(&pfd, 1, poll_ms) < 0 && errno != EINTR) {
			error("waiting for BPF events: %s", strerror(errno));
			rc = EXIT_RUNTIME;
			break;
		}
		pthread_mutex_lock(&srv->lock);
		err = tracer__poll(host->tracer, 0);
		if (err && err != -EINTR) {
			error("polling BPF events: %s", strerror(-err));
			rc = EXIT_RUNTIME;
		}
		poll_ms = SERVE_POLL_MS;
		if (!rc && host->step)
			rc = host->step(host->ctx, &poll_ms);
		now = now_ns();
		if (!rc && now >= next_refresh) {
			refresh_groups(srv);
			next_refresh = now + SERVE_REFRESH_NS;
		}
		pthread_mutex_unlock(&srv->lock);
		atomic_store(&srv->last_loop_ns, now);
	}
	atomic_store(&srv->health, HEALTH_STOPPING);
	pthread_mutex_lock(&srv->stop_lock);
	srv->stopping = true;
	pthread_cond_broadcast(&srv->stop_cond);
	pthread_mutex_unlock(&srv->stop_lock);
	/* the port closes before the probes go (the session detaches them) */
	http_server__stop(srv->http);
	srv->http = NULL;
	srv->listen_fd = -1;
	info("stopped serving on %s", srv->bound);
	return rc;
}

int serve__main(struct options *opts)
{
	struct serve *srv;
	int rc;

	srv = serve__new(opts, &rc);
	if (!srv)
		return rc;
	rc = session__serve(opts, srv);
	serve__free(srv);
	return rc;
}
