// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Routing and query bounds for `memtrail serve`. Strict on purpose: an
 * unknown parameter or a duplicate is a 400, not silently ignored, so a
 * typo never returns a different profile than the one asked for. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "serve_request.h"

/* A pod UID as Kubernetes writes it (an RFC 4122 UUID; the systemd
 * cgroup driver writes '_' for '-', accepted too), lower-cased. */
static int parse_pod_uid(const char *s, size_t len, char *out)
{
	size_t i;

	if (!len || len > SERVE_POD_UID_MAX)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c == '_' || c == '-')
			out[i] = '-';
		else if (isxdigit(c))
			out[i] = tolower(c);
		else
			return -EINVAL;
	}
	out[len] = '\0';
	return 0;
}

static int parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!len || len > 20)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		if (v > (UINT64_MAX - (s[i] - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (s[i] - '0');
	}
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

/* "/pods/UID/heap" or "/cgroups/ID/heap": the middle segment */
static bool heap_path(const char *path, const char *prefix, const char **id, size_t *len)
{
	size_t plen = strlen(prefix);
	const char *slash;

	if (strncmp(path, prefix, plen))
		return false;
	*id = path + plen;
	slash = strchr(*id, '/');
	if (!slash || strcmp(slash, "/heap"))
		return false;
	*len = slash - *id;
	return true;
}

static int route_of(const char *path, struct serve_query *q, char *err, size_t errsz)
{
	const char *id;
	size_t len;

	if (!strcmp(path, "/"))
		q->route = ROUTE_INDEX;
	else if (!strcmp(path, "/healthz"))
		q->route = ROUTE_HEALTHZ;
	else if (!strcmp(path, "/metrics"))
		q->route = ROUTE_METRICS;
	else if (!strcmp(path, "/pods") || !strcmp(path, "/pods/"))
		q->route = ROUTE_PODS;
	else if (heap_path(path, "/pods/", &id, &len)) {
		q->route = ROUTE_POD_HEAP;
		if (parse_pod_uid(id, len, q->pod_uid)) {
			snprintf(err, errsz, "'%.*s' is not a pod UID", (int)(len > 80 ? 80 : len), id);
			return 404;
		}
	} else if (heap_path(path, "/cgroups/", &id, &len)) {
		q->route = ROUTE_CGROUP_HEAP;
		if (parse_u64(id, len, UINT64_MAX, &q->cgroup_id)) {
			snprintf(err, errsz, "'%.*s' is not a cgroup id (the directory's inode number)",
				 (int)(len > 80 ? 80 : len), id);
			return 404;
		}
	} else {
		snprintf(err, errsz, "no such endpoint: %.200s (see /)", path);
		return 404;
	}
	return 0;
}

static int bad_arg(char *err, size_t errsz, const char *key, const char *val, const char *why)
{
	snprintf(err, errsz, "invalid %.40s '%.80s': %s", key, val ? val : "", why);
	return 400;
}

int serve_request__parse(const struct http_request *req, struct serve_query *q,
			 char *err, size_t errsz)
{
	bool heap, seen_seconds = false, seen_top = false, seen_format = false;
	uint64_t v;
	size_t i;
	int rc;

	memset(q, 0, sizeof(*q));
	snprintf(err, errsz, "bad request");
	rc = route_of(req->path, q, err, errsz);
	if (rc)
		return rc;
	if (req->too_many_args) {
		snprintf(err, errsz, "too many query parameters (at most %d)", HTTP_MAX_ARGS);
		return 400;
	}
	heap = q->route == ROUTE_POD_HEAP || q->route == ROUTE_CGROUP_HEAP;
	for (i = 0; i < req->nargs; i++) {
		const char *k = req->keys[i], *val = req->values[i];
		size_t vlen = val ? strlen(val) : 0;

		if (!heap) {
			snprintf(err, errsz, "%.200s takes no parameter ('%.40s' given)", req->path, k);
			return 400;
		}
		if (!strcmp(k, "seconds")) {
			if (seen_seconds)
				return bad_arg(err, errsz, k, val, "given twice");
			seen_seconds = true;
			if (parse_u64(val, vlen, SERVE_MAX_SECONDS, &v) || v < 1)
				return bad_arg(err, errsz, k, val, "expected a whole number of "
					       "seconds from 1 to 300");
			q->seconds = v;
		} else if (!strcmp(k, "top")) {
			if (seen_top)
				return bad_arg(err, errsz, k, val, "given twice");
			seen_top = true;
			if (parse_u64(val, vlen, SERVE_MAX_TOP, &v) || v < 1)
				return bad_arg(err, errsz, k, val, "expected a whole number "
					       "from 1 to 1000000");
			q->top = v;
		} else if (!strcmp(k, "format")) {
			if (seen_format)
				return bad_arg(err, errsz, k, val, "given twice");
			seen_format = true;
			if (val && !strcmp(val, "json"))
				q->format = SERVE_FORMAT_JSON;
			else if (val && !strcmp(val, "pprof"))
				q->format = SERVE_FORMAT_PPROF;
			else
				return bad_arg(err, errsz, k, val, "expected json or pprof");
		} else {
			snprintf(err, errsz, "unknown parameter '%.40s' (heap takes seconds, top, format)", k);
			return 400;
		}
	}
	err[0] = '\0';
	return 0;
}
