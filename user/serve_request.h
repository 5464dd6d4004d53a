/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What a `memtrail serve` request asks for: the endpoint, the group it
 * names and the query's bounded parameters. Pure parsing, so that every
 * bad input can be tested without a server. */
#ifndef MT_SERVE_REQUEST_H
#define MT_SERVE_REQUEST_H

#include <stddef.h>
#include <stdint.h>
#include "http_server.h"

#define SERVE_MAX_SECONDS 300	/* ?seconds=N: the longest window */
#define SERVE_MAX_TOP 1000000
#define SERVE_POD_UID_MAX 64

enum serve_route {
	ROUTE_INDEX,		/* / */
	ROUTE_HEALTHZ,		/* /healthz */
	ROUTE_METRICS,		/* /metrics */
	ROUTE_PODS,		/* /pods */
	ROUTE_POD_HEAP,		/* /pods/UID/heap */
	ROUTE_CGROUP_HEAP,	/* /cgroups/ID/heap */
};

enum serve_format { SERVE_FORMAT_JSON = 0, SERVE_FORMAT_PPROF };

struct serve_query {
	enum serve_route route;
	char pod_uid[SERVE_POD_UID_MAX + 1]; /* ROUTE_POD_HEAP, lower case, '-' */
	uint64_t cgroup_id;	/* ROUTE_CGROUP_HEAP */
	unsigned seconds;	/* 0: the profile now; else the window */
	size_t top;		/* 0: every stack */
	enum serve_format format;
};

/* Fills q from req. 0, or the HTTP status to answer (404 unknown
 * endpoint, 400 bad parameter) with the reason in err. */
int serve_request__parse(const struct http_request *req, struct serve_query *q,
			 char *err, size_t errsz);

#endif /* MT_SERVE_REQUEST_H */
