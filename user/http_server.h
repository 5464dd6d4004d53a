/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The HTTP side of `memtrail serve`: libmicrohttpd does the parsing and
 * the connections; this module binds the address, caps what a client can
 * cost, and hands each GET to one handler that fills a reply. */
#ifndef MT_HTTP_SERVER_H
#define MT_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#define HTTP_DEFAULT_HOST "127.0.0.1"
#define HTTP_DEFAULT_PORT 9810
#define HTTP_MAX_ARGS 8		/* query arguments looked at; more is a 400 */

struct http_request {
	const char *method;
	const char *path;	/* URL path without the query, %-decoded */
	size_t nargs;
	const char *keys[HTTP_MAX_ARGS];
	const char *values[HTTP_MAX_ARGS]; /* NULL for "?key" without "=" */
	bool too_many_args;
};

struct http_reply {
	int status;
	const char *content_type; /* static string; NULL: application/json */
	char *body;		/* malloc'd, freed by the server */
	size_t len;
	const char *allow;	/* 405: the Allow header */
};

typedef void (*http_handler_fn)(void *ctx, const struct http_request *req,
				struct http_reply *rep);

/* "HOST:PORT", "[V6]:PORT" or "HOST" (the default port); numeric hosts
 * only, so no name lookup ever happens. 0 or -EINVAL. */
int http_parse_addr(const char *addr, char *host, size_t hostsz, unsigned *port);

/* A listening TCP socket on host:port (port 0: a free one). The address
 * actually bound goes to bound ("127.0.0.1:41234"). fd or -errno. */
int http_listen(const char *host, unsigned port, char *bound, size_t boundsz,
		bool *loopback);

struct http_server_opts {
	size_t sz;		/* sizeof(struct http_server_opts) */
	int listen_fd;		/* from http_listen; the server owns it then */
	unsigned max_connections; /* at once; more are refused at accept */
	unsigned timeout_s;	/* idle connections are closed after this */
	http_handler_fn handler; /* runs in the connection's thread */
	void *ctx;
};

struct http_server;

/* Starts serving in libmicrohttpd's threads. NULL with errno set. */
struct http_server *http_server__start(const struct http_server_opts *opts);
/* Closes the port and waits for the connection threads. */
void http_server__stop(struct http_server *srv);

/* A JSON error body: {"error":"msg","status":N}. Sets rep. */
void http_reply_error(struct http_reply *rep, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* MT_HTTP_SERVER_H */
