// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* serve_request: every endpoint, every bound of every parameter, and the
 * status each bad request gets; http_parse_addr's accepted forms. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <string.h>

#include "http_server.h"
#include "serve_request.h"

TestSuite(serve_request, .timeout = 10);

static int parse(const char *path, const char *const *kv, struct serve_query *q,
		 char *err, size_t errsz)
{
	struct http_request req = { .method = "GET", .path = path };

	for (; kv && kv[0]; kv += 2) {
		req.keys[req.nargs] = kv[0];
		req.values[req.nargs++] = kv[1];
	}
	return serve_request__parse(&req, q, err, errsz);
}

Test(serve_request, routes)
{
	struct serve_query q;
	char err[256];

	cr_assert(eq(int, parse("/", NULL, &q, err, sizeof(err)), 0));
	cr_assert(eq(int, q.route, ROUTE_INDEX));
	cr_assert(eq(int, parse("/healthz", NULL, &q, err, sizeof(err)), 0));
	cr_assert(eq(int, q.route, ROUTE_HEALTHZ));
	cr_assert(eq(int, parse("/metrics", NULL, &q, err, sizeof(err)), 0));
	cr_assert(eq(int, q.route, ROUTE_METRICS));
	cr_assert(eq(int, parse("/pods", NULL, &q, err, sizeof(err)), 0));
	cr_assert(eq(int, q.route, ROUTE_PODS));
	cr_assert(eq(int, parse("/pods/0A1b2C3d-0000-4000-8000-00000000000F/heap", NULL, &q,
				err, sizeof(err)), 0));
	cr_assert(eq(int, q.route, ROUTE_POD_HEAP));
	cr_assert(eq(str, q.pod_uid, "0a1b2c3d-0000-4000-8000-00000000000f"));
	cr_assert(eq(int, q.seconds, 0));
	cr_assert(eq(int, q.format, SERVE_FORMAT_JSON));
	/* the systemd driver's spelling names the same pod */
	cr_assert(eq(int, parse("/pods/0a1b2c3d_0000_4000_8000_00000000000f/heap", NULL, &q,
				err, sizeof(err)), 0));
	cr_assert(eq(str, q.pod_uid, "0a1b2c3d-0000-4000-8000-00000000000f"));
	cr_assert(eq(int, parse("/cgroups/18446744073709551615/heap", NULL, &q, err,
				sizeof(err)), 0));
	cr_assert(eq(int, q.route, ROUTE_CGROUP_HEAP));
	cr_assert(eq(u64, q.cgroup_id, UINT64_MAX));
}

/* criterion copies parameters into the test's process: arrays, not
 * pointers */
struct bad_path {
	char path[128];
	int status;
};

ParameterizedTestParameters(serve_request, unknown_paths)
{
	static struct bad_path v[] = {
		{ "/nope", 404 }, { "/healthz/", 404 }, { "/pods/x/heap", 404 },
		{ "/pods//heap", 404 }, { "/pods/abc/heapx", 404 }, { "/pods/abc", 404 },
		{ "/pods/abc/heap/", 404 }, { "/pods/ab c/heap", 404 },
		{ "/pods/0123456789012345678901234567890123456789012345678901234567890123456789/heap", 404 },
		{ "/cgroups/12a/heap", 404 }, { "/cgroups/-1/heap", 404 },
		{ "/cgroups/18446744073709551616/heap", 404 }, { "/cgroups//heap", 404 },
		{ "", 404 }, { "/metrics/x", 404 },
	};

	return cr_make_param_array(struct bad_path, v, sizeof(v) / sizeof(v[0]));
}

ParameterizedTest(struct bad_path *b, serve_request, unknown_paths)
{
	struct serve_query q;
	char err[256];

	cr_assert(eq(int, parse(b->path, NULL, &q, err, sizeof(err)), b->status), "%s", b->path);
	cr_assert(gt(sz, strlen(err), 0));
}

struct bad_arg {
	char key[16], value[32];
	bool no_value;	/* "?key" without "=" */
};

ParameterizedTestParameters(serve_request, bad_args)
{
	static struct bad_arg v[] = {
		{ "seconds", "0", false }, { "seconds", "301", false }, { "seconds", "-1", false }, { "seconds", "", false },
		{ "seconds", "", true }, { "seconds", "1.5", false }, { "seconds", "10s", false }, { "seconds", " 5", false },
		{ "seconds", "99999999999999999999999", false }, { "top", "0", false }, { "top", "1000001", false },
		{ "top", "x", false }, { "format", "text", false }, { "format", "", true }, { "format", "JSON", false },
		{ "sample", "1", false }, { "", "1", false },
	};

	return cr_make_param_array(struct bad_arg, v, sizeof(v) / sizeof(v[0]));
}

ParameterizedTest(struct bad_arg *b, serve_request, bad_args)
{
	const char *kv[] = { b->key, b->no_value ? NULL : b->value, NULL };
	struct serve_query q;
	char err[256];

	cr_assert(eq(int, parse("/pods/abc/heap", kv, &q, err, sizeof(err)), 400),
		  "%s=%s", b->key, b->no_value ? "(none)" : b->value);
	cr_assert(gt(sz, strlen(err), 0));
}

Test(serve_request, heap_args)
{
	const char *kv[] = { "seconds", "300", "top", "5", "format", "pprof", NULL };
	const char *one[] = { "seconds", "1", NULL };
	struct serve_query q;
	char err[256];

	cr_assert(eq(int, parse("/cgroups/7/heap", kv, &q, err, sizeof(err)), 0));
	cr_assert(eq(int, q.seconds, 300));
	cr_assert(eq(sz, q.top, 5));
	cr_assert(eq(int, q.format, SERVE_FORMAT_PPROF));
	cr_assert(eq(int, parse("/cgroups/7/heap", one, &q, err, sizeof(err)), 0));
	cr_assert(eq(int, q.seconds, 1));
}

Test(serve_request, duplicates_and_strays)
{
	const char *twice[] = { "seconds", "5", "seconds", "6", NULL };
	const char *stray[] = { "seconds", "5", NULL };
	struct http_request req = { .method = "GET", .path = "/pods/abc/heap",
				    .too_many_args = true };
	struct serve_query q;
	char err[256];

	cr_assert(eq(int, parse("/pods/abc/heap", twice, &q, err, sizeof(err)), 400));
	cr_assert(not(eq(ptr, strstr(err, "twice"), NULL)));
	/* endpoints without parameters refuse them */
	cr_assert(eq(int, parse("/pods", stray, &q, err, sizeof(err)), 400));
	cr_assert(eq(int, parse("/metrics", stray, &q, err, sizeof(err)), 400));
	cr_assert(eq(int, parse("/healthz", stray, &q, err, sizeof(err)), 400));
	cr_assert(eq(int, serve_request__parse(&req, &q, err, sizeof(err)), 400));
}

struct addr_case {
	char in[32], host[32];
	unsigned port;
	int rc;
};

ParameterizedTestParameters(serve_request, listen_addresses)
{
	static struct addr_case v[] = {
		{ "127.0.0.1:0", "127.0.0.1", 0, 0 },
		{ "127.0.0.1:65535", "127.0.0.1", 65535, 0 },
		{ "127.0.0.1", "127.0.0.1", HTTP_DEFAULT_PORT, 0 },
		{ "[::1]:8080", "::1", 8080, 0 },
		{ "[::1]", "::1", HTTP_DEFAULT_PORT, 0 },
		{ "0.0.0.0:9810", "0.0.0.0", 9810, 0 },
		{ "127.0.0.1:65536", "", 0, -EINVAL },
		{ "127.0.0.1:", "", 0, -EINVAL },
		{ "127.0.0.1:-1", "", 0, -EINVAL },
		{ "127.0.0.1:+1", "", 0, -EINVAL },
		{ "127.0.0.1:80x", "", 0, -EINVAL },
		{ ":80", "", 0, -EINVAL },
		{ "::1", "", 0, -EINVAL },
		{ "[::1", "", 0, -EINVAL },
		{ "[::1]x", "", 0, -EINVAL },
		{ "", "", 0, -EINVAL },
	};

	return cr_make_param_array(struct addr_case, v, sizeof(v) / sizeof(v[0]));
}

ParameterizedTest(struct addr_case *c, serve_request, listen_addresses)
{
	char host[64] = "";
	unsigned port = 12345;

	cr_assert(eq(int, http_parse_addr(c->in, host, sizeof(host), &port), c->rc), "%s", c->in);
	if (!c->rc) {
		cr_assert(eq(str, host, c->host));
		cr_assert(eq(u32, port, c->port));
	}
}

Test(serve_request, numeric_hosts_only)
{
	char bound[96];
	bool lo;

	/* no name lookups from a root process: a name is refused */
	cr_assert(eq(int, http_listen("localhost", 0, bound, sizeof(bound), &lo), -EINVAL));
}
