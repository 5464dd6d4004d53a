// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* http_server on a loopback port with a handler that echoes what it was
 * given: what reaches the handler (path, decoded arguments), what the
 * server answers by itself (405 with Allow, JSON errors), and that the
 * port is closed after a stop. Raw sockets, so every byte is seen. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http_server.h"

static struct http_server *srv;
static int port;

static void echo(void *ctx, const struct http_request *req, struct http_reply *rep)
{
	FILE *f = open_memstream(&rep->body, &rep->len);
	size_t i;

	(void)ctx;
	fprintf(f, "%s %s", req->method, req->path);
	for (i = 0; i < req->nargs; i++)
		fprintf(f, " [%s=%s]", req->keys[i], req->values[i] ? req->values[i] : "(null)");
	if (req->too_many_args)
		fputs(" too-many", f);
	fclose(f);
	rep->status = 200;
	rep->content_type = "text/plain";
}

static void setup(void)
{
	struct http_server_opts o = { .sz = sizeof(o), .max_connections = 4, .timeout_s = 5,
				      .handler = echo };
	char bound[96];
	bool lo = false;

	o.listen_fd = http_listen("127.0.0.1", 0, bound, sizeof(bound), &lo);
	cr_assert(ge(int, o.listen_fd, 0), "listen: %s", strerror(-o.listen_fd));
	cr_assert(lo);
	cr_assert(eq(int, sscanf(bound, "127.0.0.1:%d", &port), 1), "%s", bound);
	cr_assert(gt(int, port, 0));
	srv = http_server__start(&o);
	cr_assert(not(eq(ptr, srv, NULL)));
}

static void teardown(void)
{
	http_server__stop(srv);
}

TestSuite(http_server, .init = setup, .fini = teardown, .timeout = 20);

static int dial(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	cr_assert(ge(int, fd, 0));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Sends raw bytes, returns everything the server wrote until it closed. */
static char *exchange(const char *request)
{
	static char buf[65536];
	size_t len = 0;
	ssize_t n;
	int fd = dial();

	cr_assert(ge(int, fd, 0));
	cr_assert(eq(sz, (size_t)write(fd, request, strlen(request)), strlen(request)));
	while (len < sizeof(buf) - 1 && (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	buf[len] = '\0';
	close(fd);
	return buf;
}

static const char *body_of(const char *resp)
{
	const char *b = strstr(resp, "\r\n\r\n");

	return b ? b + 4 : "";
}

Test(http_server, arguments_decoded)
{
	char *r = exchange("GET /pods/a%20b/heap?seconds=5&top&x=%41%3d HTTP/1.1\r\n"
			   "Host: t\r\nConnection: close\r\n\r\n");

	cr_assert(eq(int, strncmp(r, "HTTP/1.1 200", 12), 0), "%s", r);
	cr_assert(not(eq(ptr, strstr(r, "Content-Type: text/plain\r\n"), NULL)), "%s", r);
	cr_assert(not(eq(ptr, strstr(r, "Cache-Control: no-store\r\n"), NULL)), "%s", r);
	cr_assert(eq(str, (char *)body_of(r), "GET /pods/a b/heap [seconds=5] [top=(null)] [x=A=]"));
}

Test(http_server, too_many_arguments)
{
	char *r = exchange("GET /x?a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9 HTTP/1.1\r\n"
			   "Host: t\r\nConnection: close\r\n\r\n");

	cr_assert(not(eq(ptr, strstr(body_of(r), " too-many"), NULL)), "%s", r);
}

Test(http_server, only_get)
{
	char *r = exchange("POST /pods HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
			   "Connection: close\r\n\r\nhello");

	cr_assert(eq(int, strncmp(r, "HTTP/1.1 405", 12), 0), "%s", r);
	cr_assert(not(eq(ptr, strstr(r, "Allow: GET, HEAD\r\n"), NULL)), "%s", r);
	cr_assert(not(eq(ptr, strstr(r, "Content-Type: application/json\r\n"), NULL)), "%s", r);
	cr_assert(eq(str, (char *)body_of(r),
		     "{\"error\":\"method POST not allowed: every endpoint is GET\",\"status\":405}\n"));
}

Test(http_server, head_has_no_body)
{
	char *r = exchange("HEAD /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");

	cr_assert(eq(int, strncmp(r, "HTTP/1.1 200", 12), 0), "%s", r);
	cr_assert(eq(str, (char *)body_of(r), ""));
}

Test(http_server, garbage_is_refused)
{
	char *r = exchange("NOT HTTP AT ALL\r\n\r\n");

	/* libmicrohttpd's own answer or a close, never the handler's */
	cr_assert(eq(ptr, strstr(r, "NOT /"), NULL), "%s", r);
}

Test(http_server, stop_closes_the_port)
{
	http_server__stop(srv);
	srv = NULL;
	cr_assert(eq(int, dial(), -1));
}

Test(http_server, error_body)
{
	struct http_reply rep = { 0 };

	http_reply_error(&rep, 404, "no pod %s under %s", "a\"b", "/k\n");
	cr_assert(eq(int, rep.status, 404));
	cr_assert(eq(str, rep.body, "{\"error\":\"no pod a\\\"b under /k\\n\",\"status\":404}\n"));
	cr_assert(eq(sz, rep.len, strlen(rep.body)));
	free(rep.body);
}
