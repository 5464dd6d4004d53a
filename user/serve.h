/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* `memtrail serve`: keep tracing and answer over HTTP (/healthz, /pods,
 * /pods/UID/heap, /cgroups/ID/heap, /metrics). The session sets the trace
 * up; serve takes over its loop. One lock guards the tracer, the
 * symbolizer and the group table: the loop takes it only to handle
 * events, a request only to take its snapshot. */
#ifndef MT_SERVE_H
#define MT_SERVE_H

#include <signal.h>
#include "options.h"
#include "profile.h"
#include "symbolize.h"
#include "tracer.h"

struct serve;

/* What the session lends serve while it runs. */
struct serve_host {
	struct tracer *tracer;
	struct symbolizer *sym;
	volatile sig_atomic_t *stop;	/* set by SIGINT/SIGTERM */
	/* the session's own work after each poll (members that joined,
	 * execs); runs with the lock held; may shorten the next wait
	 * (*poll_ms); 0 or an exit code. NULL: none */
	int (*step)(void *ctx, int *poll_ms);
	/* whether pid's probes are in (a process that just joined or exec'd
	 * may not have them yet); lock held. NULL: every pid is */
	bool (*traced)(void *ctx, pid_t pid);
	void *ctx;
};

/* Checks the serve options, finds the cgroup subtree and binds the port,
 * before any BPF is loaded (a busy port fails at once). Sets
 * opts->cgroup to the subtree when it was not given. NULL with the exit
 * code in *rc. */
struct serve *serve__new(struct options *opts, int *rc);
/* Starts the HTTP server, prints the bound address and serves until
 * *host->stop. Returns the exit code. */
int serve__run(struct serve *srv, const struct serve_host *host);
/* Stops the HTTP server (the port closes) and frees srv. */
void serve__free(struct serve *srv);
/* `memtrail serve`: serve__new, the session, serve__free. Exit code. */
int serve__main(struct options *opts);

#endif /* MT_SERVE_H */
