// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libmicrohttpd behind one handler: GET only, a thread per connection
 * (a ?seconds=N request may wait minutes without holding anyone else up),
 * poll() rather than select() (memtrail holds thousands of probe fds, far
 * beyond FD_SETSIZE), capped connections, idle timeouts. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <microhttpd.h>
#include "http_server.h"
#include "json_writer.h"
#include "log.h"

struct http_server {
	struct MHD_Daemon *daemon;
	struct http_server_opts opts;
};

int http_parse_addr(const char *addr, char *host, size_t hostsz, unsigned *port)
{
	const char *colon, *h = addr, *p = NULL;
	size_t hlen;
	char *end;
	unsigned long v;

	if (!addr || !*addr)
		return -EINVAL;
	if (addr[0] == '[') {
		colon = strchr(addr, ']');
		if (!colon)
			return -EINVAL;
		h = addr + 1;
		hlen = colon - h;
		if (colon[1] == ':')
			p = colon + 2;
		else if (colon[1])
			return -EINVAL;
	} else {
		colon = strrchr(addr, ':');
		if (colon && strchr(addr, ':') != colon)
			return -EINVAL; /* a bare IPv6 address: needs [] around it */
		hlen = colon ? (size_t)(colon - addr) : strlen(addr);
		if (colon)
			p = colon + 1;
	}
	if (!hlen || hlen >= hostsz)
		return -EINVAL;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	*port = HTTP_DEFAULT_PORT;
	if (p) {
		errno = 0;
		v = strtoul(p, &end, 10);
		if (!*p || *end || errno || *p == '-' || *p == '+' || v > 65535)
			return -EINVAL;
		*port = v;
	}
	return 0;
}

int http_listen(const char *host, unsigned port, char *bound, size_t boundsz,
		bool *loopback)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
	};
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	struct addrinfo *ai = NULL;
	char portstr[8], addrstr[INET6_ADDRSTRLEN];
	int fd = -1, one = 1, err;

	snprintf(portstr, sizeof(portstr), "%u", port);
	err = getaddrinfo(host, portstr, &hints, &ai);
	if (err)
		return -EINVAL;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 64) ||
	    getsockname(fd, (struct sockaddr *)&ss, &sslen))
		goto fail;
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, addrstr, sizeof(addrstr));
		snprintf(bound, boundsz, "[%s]:%u", addrstr, ntohs(s6->sin6_port));
		*loopback = IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &s4->sin_addr, addrstr, sizeof(addrstr));
		snprintf(bound, boundsz, "%s:%u", addrstr, ntohs(s4->sin_port));
		*loopback = (ntohl(s4->sin_addr.s_addr) >> 24) == 127;
	}
	freeaddrinfo(ai);
	return fd;
fail:
	err = -errno;
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	return err;
}

void http_reply_error(struct http_reply *rep, int status, const char *fmt, ...)
{
	struct json_writer *w;
	char *msg = NULL;
	va_list ap;
	FILE *f;

	free(rep->body);
	rep->body = NULL;
	rep->len = 0;
	rep->status = status;
	rep->content_type = "application/json";
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	f = open_memstream(&rep->body, &rep->len);
	if (!f) {
		free(msg);
		return;
	}
	w = jw_new(f, false);
	if (w) {
		jw_start_object(w);
		jw_string_field(w, "error", msg ? msg : "out of memory");
		jw_u64_field(w, "status", status);
		jw_end_object(w);
		jw_destroy(w); /* ends the line */
	}
	fclose(f);
	free(msg);
}

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind,
				   const char *key, const char *value)
{
	struct http_request *req = cls;

	(void)kind;
	if (req->nargs == HTTP_MAX_ARGS) {
		req->too_many_args = true;
		return MHD_NO;
	}
	req->keys[req->nargs] = key;
	req->values[req->nargs++] = value;
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct http_server *srv = cls;
	struct http_request req = { .method = method, .path = url };
	struct http_reply rep = { .status = 500 };
	struct MHD_Response *resp;
	enum MHD_Result ret;
	static int first_call;

	(void)version;
	(void)upload_data;
	/* the first call has only the headers: answer on the second one, so
	 * that a body (which no endpoint takes) is read and dropped first */
	if (!*con_cls) {
		*con_cls = &first_call;
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0; /* discarded */
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD)) {
		http_reply_error(&rep, 405, "method %s not allowed: every endpoint is GET", method);
		rep.allow = "GET, HEAD";
	} else {
		MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_arg, &req);
		srv->opts.handler(srv->opts.ctx, &req, &rep);
	}
	if (!rep.body)
		http_reply_error(&rep, 500, "out of memory");
	resp = MHD_create_response_from_buffer(rep.len, rep.body ? rep.body : (char *)"",
					       rep.body ? MHD_RESPMEM_MUST_FREE
							: MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		free(rep.body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				rep.content_type ? rep.content_type : "application/json");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (rep.allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, rep.allow);
	ret = MHD_queue_response(conn, rep.status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* libmicrohttpd's own diagnostics (refused connections, bad requests)
 * are debug output: a client's mistake is not the operator's problem. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];

	(void)cls;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	buf[strcspn(buf, "\n")] = '\0';
	debug("http: %s", buf);
}

struct http_server *http_server__start(const struct http_server_opts *opts)
{
	struct http_server *srv;

	if (!opts || opts->sz < sizeof(*opts) || !opts->handler || opts->listen_fd < 0) {
		errno = EINVAL;
		return NULL;
	}
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return NULL;
	srv->opts = *opts;
	srv->daemon = MHD_start_daemon(
		MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL_INTERNAL_THREAD |
		MHD_USE_ITC | MHD_USE_ERROR_LOG,
		0, NULL, NULL, on_request, srv,
		MHD_OPTION_LISTEN_SOCKET, opts->listen_fd,
		MHD_OPTION_CONNECTION_LIMIT, opts->max_connections ? opts->max_connections : 16,
		MHD_OPTION_CONNECTION_TIMEOUT, opts->timeout_s ? opts->timeout_s : 30,
		/* request line and headers: nothing here needs more */
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32 * 1024,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
		MHD_OPTION_END);
	if (!srv->daemon) {
		free(srv);
		errno = EIO;
		return NULL;
	}
	return srv;
}

void http_server__stop(struct http_server *srv)
{
	int i;

	if (!srv)
		return;
	/* quiesced first, libmicrohttpd hands the socket back rather than
	 * closing it itself: closed exactly once, the port is free after */
	MHD_quiesce_daemon(srv->daemon);
	close(srv->opts.listen_fd);
	/* answers in flight (a window woken by the stop) get out first; an
	 * idle keep-alive connection holds the stop up 2 s at most */
	for (i = 0; i < 200; i++) {
		const union MHD_DaemonInfo *info =
			MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);

		if (!info || !info->num_connections)
			break;
		usleep(10000);
	}
	MHD_stop_daemon(srv->daemon);
	free(srv);
}
